"""The annual report: one self-contained bilingual HTML file (and a PDF printed by Chromium).

`build_html(engine, year)` renders templates/report.html with the gathered data (report_data)
and the chart options (charts); ECharts and the web app's static/charts.js are inlined, so the
file opens anywhere without a network. `write_pdf(html, pdf)` prints it with Chromium through
Playwright once the charts have rendered.

The file is a page like any other for its reader: chart data sits in JSON blocks escaped by
http.htmlsafe.json_for_html, and a Content-Security-Policy in the file itself (`policy()`) lets
exactly its two inline scripts and its style sheet run, by their hashes, and nothing else. The
web app serves the same HTML with the same policy as a header.
"""

from __future__ import annotations

import os
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from sqlalchemy import Engine

from kechuang.http import htmlsafe
from kechuang.stats import charts
from kechuang.stats.report_data import gather

CHROMIUM = os.environ.get("KECHUANG_CHROMIUM", "/usr/bin/chromium")


def fmt(value: Decimal | int | None, decimals: int = 0) -> str:
    """Thousands separators, fixed decimals; unknown is a dash."""
    if value is None:
        return "—"
    quantum = Decimal(1).scaleb(-decimals)
    return f"{Decimal(value).quantize(quantum):,}"


def pct(value: Decimal | None) -> str:
    if value is None:
        return "—"
    q = value.quantize(Decimal("0.1"))
    return f"{'+' if q > 0 else ''}{q}%"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("kechuang.stats") / "templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt
    env.filters["pct"] = pct
    htmlsafe.register(env)
    return env


def _static(name: str) -> Markup:
    # Inlined into a <script>: a "</script" inside would end it early.
    text = (resources.files("kechuang.web") / "static" / name).read_text(encoding="utf-8")
    return Markup(text.replace("</script", "<\\/script"))


@cache
def _assets() -> dict[str, Markup]:
    """The inlined ECharts, chart script and style sheet of the report (read once)."""
    css = (resources.files("kechuang.stats") / "templates" / "report.css").read_text("utf-8")
    return {
        "echarts": _static("vendor/echarts.min.js"),
        "charts_js": _static("charts.js"),
        "css": Markup(css.replace("</style", "<\\/style")),
    }


@cache
def policy() -> str:
    """The report's Content-Security-Policy: its own inline scripts and style, nothing else.

    ECharts' SVG renderer positions its elements with style attributes (style-src-attr)."""
    assets = _assets()
    scripts = " ".join(htmlsafe.source_hash(assets[k]) for k in ("echarts", "charts_js"))
    return (
        f"default-src 'none'; script-src {scripts}; "
        f"style-src {htmlsafe.source_hash(assets['css'])}; style-src-attr 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _charts(data: dict[str, Any]) -> dict[str, Any]:
    found, year = data["found"], data["year"]
    from kechuang.stats.catalogue import get
    from kechuang.stats.service import key_label

    out: dict[str, Any] = {}
    # Charts carry Chinese labels; their captions in the template are bilingual.
    for lang in ("zh",):
        revenue, output = get("revenue"), get("output_value")
        series = [(y, found.total("revenue", y)) for y in data["years"]]
        growth = [(y, (found.get("revenue", y) or _none).comparable_growth) for y in data["years"]]
        out["revenue"] = charts.trend(revenue, series, lang, growth)
        out["output_industry"] = charts.bars(
            output, found.breakdown("output_value", "industry", year), key_label, lang
        )
        out["revenue_district"] = charts.bars(
            revenue, found.breakdown("revenue", "district", year), key_label, lang, limit=16
        )
        listed = get("listed_companies")
        out["listed_park"] = charts.bars(
            listed, found.breakdown("listed_companies", "park", year), key_label, lang
        )
        out["funnel"] = charts.funnel(
            [
                (r.label(lang), next((f.at_or_above for f in data["funnel"] if f.rung == r.id), 0))
                for r in data["rungs"]
            ],
            lang,
        )
        hospitals = data["hospitals"][:12]
        out["hospitals"] = charts.hbar_target(
            [h["hospital"] for h in hospitals],
            [h["mean_days"] for h in hospitals],
            data["target_workdays"],
            lang,
        )
        for pillar in ("payments_paid", "loans_amount", "deals_amount"):
            ind = get(pillar)
            out[pillar] = charts.trend(
                ind, [(y, found.total(pillar, y)) for y in data["years"]], lang
            )
        drugs = get("innovative_drugs")
        out["products"] = charts.trend(
            drugs, [(y, found.total("innovative_drugs", y)) for y in data["years"]], lang
        )
        out["products"]["series"].append(
            {
                "type": "bar",
                "name": get("innovative_devices").name(lang),
                "barMaxWidth": 36,
                "data": [
                    charts.number(found.total("innovative_devices", y), 0) for y in data["years"]
                ],
            }
        )
    return out


class _NoValue:
    comparable_growth = None


_none = _NoValue()


def build_html(engine: Engine, year: int) -> str:
    data = gather(engine, year)
    if year not in data["found"].years:
        raise ValueError(f"no stored facts for {year} (stored: {data['found'].years})")
    data["charts"] = _charts(data)
    data.update(_assets(), csp=policy())
    return _environment().get_template("report.html").render(**data)


def write_pdf(html: Path, pdf: Path) -> None:
    """Print the HTML file with Chromium (A4, backgrounds) after the charts have drawn."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.wait_for_function("window.kechuangChartsReady === true", timeout=30_000)
            page.emulate_media(media="print")
            page.pdf(
                path=str(pdf),
                format="A4",
                print_background=True,
                margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"},
            )
        finally:
            browser.close()
