"""Generate benchmark: whole-process `kechuang generate` of N enterprises × 2022-2024.

Measured as a user runs it (fresh process, wall time, peak resident memory), writing Parquet
and CSV. The baseline is what one would write first: a per-row Python generator (random module,
one dict per row, csv.writer) with the same columns and similar draws. It runs on a slice of
BASELINE_ENTERPRISES in its own process and its time is extrapolated linearly to N; the row
says so. Its peak memory is the slice's (it streams rows, so it would not grow much).

`python -m bench.generate baseline N OUT` runs the baseline alone.
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
from pathlib import Path

from bench.harness import Measurement, kechuang, measure

TITLE = "generate (N enterprises × 2022-2024)"
YEARS = "2022-2024"
BASELINE_ENTERPRISES = 20_000


def run(size: int) -> list[Measurement]:
    rows: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="kc-bench-generate-") as tmp:
        for suffix in (".parquet", ".csv"):
            out = Path(tmp) / f"panel{suffix}"
            argv = kechuang(
                "generate", "--enterprises", str(size), "--years", YEARS, "--seed", "1",
                "--out", str(out),
            )  # fmt: skip
            m = measure(f"kechuang generate {size:,} → {suffix}", argv)
            megabytes = out.stat().st_size / 2**20
            m.note = f"file {megabytes:,.0f} MB"
            m.extra = {"enterprises": size, "file_mb": round(megabytes, 1)}
            rows.append(m)
            out.unlink()
        slice_size = min(size, BASELINE_ENTERPRISES)
        out = Path(tmp) / "baseline.csv"
        argv = [sys.executable, "-m", "bench.generate", "baseline", str(slice_size), str(out)]
        m = measure(f"baseline per-row Python {size:,} → .csv", argv)
        factor = size / slice_size
        m.seconds *= factor
        m.note = (
            f"measured on all {slice_size:,} enterprises"
            if factor == 1
            else f"EXTRAPOLATED ×{factor:g} from {slice_size:,} enterprises "
            f"(file {out.stat().st_size * factor / 2**20:,.0f} MB est.); peak is the slice's"
        )
        m.extra = {"enterprises": size, "measured_enterprises": slice_size}
        rows.append(m)
    return rows


def baseline(enterprises: int, out: Path, seed: int = 1) -> None:
    """The naive generator: one dict per row, random module, csv.writer."""
    from kechuang.domain.district import SHANGHAI
    from kechuang.domain.panel import COLUMNS
    from kechuang.domain.uscc import check_digit

    rnd = random.Random(seed)
    districts = list(SHANGHAI)
    industries = ["M7320", "M7519", "I6513", "C2761", "C3581", "F5176", "L7243"]
    words = ["工程技术", "科技", "信息技术", "生物医药", "医疗器械", "电子贸易", "企业管理咨询"]

    def yuan(fen: int) -> str:
        return f"{fen // 100}.{fen % 100:02d}"

    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for i in range(enterprises):
            district = rnd.choice(districts)
            first = f"91{district}{i:09d}"
            k = rnd.randrange(len(industries))
            founded = rnd.randint(1995, 2024)
            level = rnd.lognormvariate(15.5, 1.7)
            for year in (2022, 2023, 2024):
                if founded > year:
                    continue
                revenue = int(level * rnd.lognormvariate(0.0, 0.12) * 100)
                employees = max(1, int(revenue / 100 / rnd.lognormvariate(13.3, 0.5)))
                st = int(employees * rnd.betavariate(4, 6))
                rd = int(revenue * rnd.lognormvariate(-2.5, 0.6)) if revenue else 0
                rd = min(rd, revenue)
                assets = int(revenue * rnd.lognormvariate(0, 0.6))
                liabilities = int(assets * rnd.betavariate(2, 3))
                row = {
                    "uscc": first + check_digit(first),
                    "name": f"上海{i}{words[k]}有限公司",
                    "year": year,
                    "district": district,
                    "park": "" if rnd.random() < 0.6 else "张江",
                    "industry_code": industries[k],
                    "founded_on": f"{founded}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                    "mainland_resident": "true",
                    "employees": employees,
                    "st_staff": st,
                    "rd_staff": int(st * rnd.betavariate(5, 3)),
                    "revenue": yuan(revenue),
                    "main_business_revenue": yuan(int(revenue * rnd.uniform(0.8, 1.0))),
                    "cost_expense_total": yuan(int(revenue * rnd.uniform(0.7, 1.05)) + rd),
                    "total_assets": yuan(assets),
                    "total_liabilities": yuan(liabilities),
                    "net_assets": yuan(assets - liabilities),
                    "rd_expense": yuan(rd),
                    "rd_expense_domestic": yuan(rd),
                    "hightech_revenue": yuan(int(revenue * rnd.betavariate(6, 2))),
                    "ip_class1": rnd.randint(0, 5),
                    "ip_class2": rnd.randint(0, 10),
                    "transformations": rnd.randint(0, 2),
                    "equity_financing": yuan(0),
                    "niche_years": max(0, year - founded - rnd.randint(0, 3)),
                    "market_share": f"{rnd.random() * 0.1:.6f}",
                    "is_hnte": "true" if rnd.random() < 0.2 else "false",
                    "national_award_5y": "false",
                    "provincial_rd_institution": "false",
                    "led_standard_5y": "false",
                    "major_accident": "false",
                    "misconduct": "false",
                    "abnormal_list": "false",
                    "dishonest_list": "true" if rnd.random() < 0.003 else "false",
                    "listed_board": "",
                    "valuation": "",
                    "output_value": "",
                }
                writer.writerow(row)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "baseline":
        raise SystemExit("usage: python -m bench.generate baseline N OUT")
    baseline(int(sys.argv[2]), Path(sys.argv[3]))
