"""engines.postgres_results: rows streamed in blocks cut at COPY messages give what one read of
the whole stream gives (rows, counts, totals), for the Parquet and the CSV file.

No database: the messages are what PostgreSQL's COPY ... (FORMAT CSV) sends, one row each,
with the cases a cut could break: a quoted line break, '' (quoted) next to NULL (unquoted
empty), and an enterprise's rows on both sides of a cut.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from kechuang.engines import postgres_results
from kechuang.engines.postgres_results import Assembly
from kechuang.rules.columns import RESULT_COLUMNS

POLICIES = ("a", "b", "c")
OUTCOMES = ("eligible", "ineligible", "unknown", "manual_review")


def _messages(enterprises: int) -> list[bytes]:
    rows = []
    for i in range(enterprises):
        uscc = f"91310000{i:010d}"
        for k, policy in enumerate(POLICIES):
            outcome = OUTCOMES[(i + k) % len(OUTCOMES)]
            benefit = f"{(i * 37 + k) % 1000}.{i % 100:02d}" if outcome == "eligible" else ""
            unmet = ('"x;y\nz"', '""', "", "revenue")[(i * 3 + k) % 4]
            rows.append(f"{uscc},{policy},2024,{outcome},{i % 7}.50,{benefit},{unmet}\n".encode())
    return rows


def _expected(messages: list[bytes], assembly: Assembly) -> pa.Table:
    return pacsv.read_csv(
        pa.py_buffer(b"".join(messages)),
        read_options=pacsv.ReadOptions(column_names=assembly.schema.names),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=assembly.schema,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )


def _totals(table: pa.Table) -> str:
    sums: dict[str, tuple[int, Decimal]] = {}
    for row in table.to_pylist():
        n, benefit = sums.get(row["uscc"], (0, Decimal("0.00")))
        sums[row["uscc"]] = (
            n + (row["outcome"] == "eligible"),
            benefit + (row["benefit_yuan"] or 0),
        )
    lines = [f"{u},2024,{n},{b:.2f}" for u, (n, b) in sorted(sums.items())]
    return "uscc,year,policies_eligible,total_benefit_yuan\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_blocks_cut_at_messages_give_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setattr(postgres_results, "ROW_GROUP_ROWS", 7)  # 3 rows an enterprise
    messages = _messages(40)
    staged, totals, part = tmp_path / f"r.{fmt}", tmp_path / "t.csv", tmp_path / "part.csv"
    assembly = Assembly(fmt, staged, RESULT_COLUMNS, 2024, totals)
    with part.open("wb") as handle:
        assembly.stream(iter(messages), handle if fmt == "csv" else None)
    counts = assembly.finish([part] if fmt == "csv" else [])
    want = _expected(messages, assembly)
    assert want.column("unmet").null_count > 0 and "" in want.column("unmet").to_pylist()
    assert "x;y\nz" in want.column("unmet").to_pylist()
    if fmt == "parquet":
        assert pq.read_table(staged).equals(want)  # one stream: the order is kept too
        metadata = pq.ParquetFile(staged).metadata
        sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
        assert sizes == [7] * (len(messages) // 7) + [len(messages) % 7]
    else:
        header = ",".join(RESULT_COLUMNS) + "\n"
        assert staged.read_bytes() == header.encode() + b"".join(messages)
    expected_counts: dict[tuple[str, str], tuple[int, Decimal, int]] = {}
    for row in want.to_pylist():
        key = (row["policy_id"], row["outcome"])
        n, benefit, excluded = expected_counts.get(key, (0, Decimal(0), 0))
        expected_counts[key] = (n + 1, benefit + (row["benefit_yuan"] or 0), excluded)
    assert counts == expected_counts
    assert totals.read_text(encoding="utf-8") == _totals(want)


def _sums(codes: list[int]) -> pa.Table:
    return pa.table(
        {
            "uscc": [f"91310000{c:010d}" for c in codes],
            "e_sum": [c % 4 for c in codes],
            "b_sum": pa.array([Decimal(c % 9) / 4 if c % 5 else None for c in codes],
                              pa.decimal128(18, 2)),
        }
    )  # fmt: skip


@pytest.mark.parametrize(
    ("blocks", "in_order"),
    [
        ([[40, 41, 42], [0, 1, 2], [43, 44], [3, 5, 7]], True),  # two shares' blocks, arrived
        ([[0, 2, 4], [1, 3, 5]], False),  # blocks whose codes interleave
        ([[0, 1], [1, 2]], False),  # one code in two blocks (its sums added)
        ([[3, 1, 2], [7, 8]], False),  # a block out of key order (a hash-joined plan)
    ],
)
def test_totals_of_blocks_are_the_sorted_sums_whatever_their_order(
    tmp_path: Path, blocks: list[list[int]], in_order: bool
) -> None:
    """The totals written from the lines formatted as each block came are the bytes of the
    sums concatenated, summed per code and sorted, however the blocks came."""
    sums = [_sums(codes) for codes in blocks]
    lines = [postgres_results._block_lines(s, 2024) for s in sums]
    assert (postgres_results._in_code_order(lines) is not None) == in_order
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    postgres_results._write_totals(sums, 2024, fast, lines)
    postgres_results._write_totals(sums, 2024, slow)
    assert fast.read_bytes() == slow.read_bytes()
    everything = sorted(c for codes in blocks for c in codes)
    body = fast.read_text(encoding="utf-8").splitlines()[1:]
    assert [line.split(",")[0] for line in body] == sorted(
        {f"91310000{c:010d}" for c in everything}
    )


TERMS = ("in_scope", "revenue", "rd_intensity")


def _wide_messages(enterprises: int, masked: bool) -> list[bytes]:
    # The pack's one row per enterprise: per policy its outcome, score, benefit and unmet
    # ids, as text or (`masked`) as the mask of its unmet conditions' bits.
    rows = []
    for i in range(enterprises):
        fields = [f"91310000{i:010d}"]
        for k in range(len(POLICIES)):
            mask = (i * 5 + k) % 2 ** len(TERMS)
            text = ";".join(t for b, t in enumerate(TERMS) if mask >> b & 1)
            unmet = str(mask) if masked else (f'"{text}"' if text == "" else text)
            fields += [OUTCOMES[(i + k) % len(OUTCOMES)], f"{i % 7}.50", "", unmet]
        rows.append((",".join(fields) + "\n").encode())
    return rows


def test_unmet_masks_are_written_as_the_texts_of_their_bits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where the server sends a policy's unmet ids as a mask (rules.pack._mask_unmet), the
    # RESULTS file holds the texts it would have sent: '' for no bit, else the texts of
    # the bits joined by ';' in the policy's order.
    monkeypatch.setattr(postgres_results, "ROW_GROUP_ROWS", 12)
    tables = []
    for masked in (False, True):
        staged = tmp_path / f"r-{masked}.parquet"
        terms = [TERMS if k != 1 else None for k in range(len(POLICIES))] if masked else []
        assembly = Assembly("parquet", staged, RESULT_COLUMNS, 2024, None, POLICIES, terms)
        wide = _wide_messages(30, masked=masked)
        # Policy 1 keeps its text either way.
        if masked:
            texts = _wide_messages(30, masked=False)
            wide = [
                b",".join(m.split(b",")[:5] + t.split(b",")[5:9] + m.split(b",")[9:])
                for m, t in zip(wide, texts, strict=True)
            ]
        assembly.stream(iter(wide))
        assembly.finish()
        tables.append(pq.read_table(staged))
    text, masked_table = tables
    assert masked_table.equals(text)
    unmet = text.column("unmet").to_pylist()
    assert "" in unmet and "in_scope;revenue;rd_intensity" in unmet and None not in unmet


def test_outcome_codes_are_written_as_the_outcomes_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where the server sends a policy's outcome as its code (rules.pack._code_outcomes), the
    # RESULTS file and the totals hold the outcome's text, as if the text had been sent.
    monkeypatch.setattr(postgres_results, "ROW_GROUP_ROWS", 12)
    outcome = 1  # a wide row's fields: uscc, then per policy outcome, score, benefit, unmet
    tables, totals = [], []
    for coded in (False, True):
        staged = tmp_path / f"r-{coded}.parquet"
        total = tmp_path / f"r-{coded}.totals.csv"
        assembly = Assembly("parquet", staged, RESULT_COLUMNS, 2024, total, POLICIES)
        wide = _wide_messages(30, masked=False)
        if coded:
            # Policy 1 keeps its text, as a column the server could not code would.
            wide = [
                b",".join(
                    f[:1] if j % 4 == outcome and j != outcome + 4 else f
                    for j, f in enumerate(m.split(b","))
                )
                for m in wide
            ]
            assert all(any(f",{c[0]},".encode() in m for m in wide) for c in OUTCOMES)
        assembly.stream(iter(wide))
        counts = assembly.finish()
        tables.append(pq.read_table(staged))
        totals.append((counts, total.read_bytes()))
    text, coded_table = tables
    assert coded_table.equals(text)
    assert totals[0] == totals[1]
    assert set(text.column("outcome").to_pylist()) == set(OUTCOMES)


def test_hundredths_are_written_as_the_decimals_they_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where the server sends a score or benefit as its integer hundredths
    # (rules.pack._hundredths_outputs), the RESULTS file, the counts and the totals hold the
    # DECIMAL(18, 2) it counts, as if the decimal had been sent.
    monkeypatch.setattr(postgres_results, "ROW_GROUP_ROWS", 12)
    score = 2  # a wide row's fields: uscc, then per policy outcome, score, benefit, unmet
    hundredths = [("score",), (), ("score", "benefit_yuan")]
    results = []
    for counted in (False, True):
        staged = tmp_path / f"r-{counted}.parquet"
        total = tmp_path / f"r-{counted}.totals.csv"
        sent = hundredths if counted else []
        assembly = Assembly("parquet", staged, RESULT_COLUMNS, 2024, total, POLICIES, (), sent)
        wide = [m.split(b",") for m in _wide_messages(30, masked=False)]
        for i, fields in enumerate(wide):
            fields[3 + 4 * 2] = f"{i * 1000}.25".encode()  # policy c's benefit
            if counted:
                for k, names in enumerate(hundredths):
                    for name in names:
                        j = 1 + 4 * k + (score - 1 if name == "score" else score)
                        fields[j] = str(round(Decimal(fields[j].decode()) * 100)).encode()
        assembly.stream(iter(b",".join(f) for f in wide))
        counts = assembly.finish()
        results.append((pq.read_table(staged), counts, total.read_bytes()))
    (decimals, counts, totals), (counted_table, counted_counts, counted_totals) = results
    assert counted_table.equals(decimals)
    assert (counted_counts, counted_totals) == (counts, totals)
    assert Decimal("29000.25") in decimals.column("benefit_yuan").to_pylist()


@pytest.mark.parametrize("count", [10**18 - 1, 10**18, -(10**18)])
def test_hundredths_beyond_decimal_18_2_are_refused(tmp_path: Path, count: int) -> None:
    # A count of 19 digits is no DECIMAL(18, 2): refused, as PostgreSQL's cast would refuse it.
    staged = tmp_path / "r.parquet"
    assembly = Assembly(
        "parquet", staged, RESULT_COLUMNS, 2024, None, POLICIES, (), [("score",), (), ()]
    )
    fields = _wide_messages(1, masked=False)[0].split(b",")
    fields[2] = str(count).encode()  # policy a's score
    message = b",".join(fields)
    if abs(count) >= 10**18:
        with pytest.raises(ValueError, match=r"score: a value beyond DECIMAL\(18, 2\)"):
            assembly.stream(iter([message]))
        assembly.close()
        return
    assembly.stream(iter([message]))
    assembly.finish()
    scores = pq.read_table(staged).column("score").to_pylist()
    assert scores[0] == Decimal("9999999999999999.99")


def test_unmet_texts_of_masks_join_the_texts_of_their_bits() -> None:
    masks = pa.chunked_array([[0, 5, None, 5, 2, 7]], pa.int64())
    texts = postgres_results._unmet_texts(masks, ("a", "b", "c"))
    assert texts.to_pylist() == ["", "a;c", None, "a;c", "b", "a;b;c"]
    assert len(texts.dictionary) == 4  # each distinct mask's text made once
