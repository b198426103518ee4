"""Matching quality on the Chinese demand/result test set: the hit rate at 5 is reported and held.

Each demand should find its own result among the five best of all 57 results. The figures are
printed (pytest -s, or in the -rA summary) and written to test-artifacts/transfer-matching.txt.
"""

from __future__ import annotations

from pathlib import Path

from kechuang.transfer import ipc
from kechuang.transfer.matching import Document, Index
from tests.transfer.matching_pairs import PAIRS

HIT_RATE_AT_5_FLOOR = 0.90


def _index() -> Index:
    return Index(
        [
            Document(
                i, p.title, p.abstract, tuple(str(c) for c in ipc.parse_list(p.ipc)), p.industry
            )
            for i, p in enumerate(PAIRS)
        ]
    )


def _ranks(index: Index, *, with_codes: bool) -> list[int | None]:
    ranks: list[int | None] = []
    for i, pair in enumerate(PAIRS):
        found = index.search(
            pair.demand,
            ipc_codes=[str(c) for c in ipc.parse_list(pair.demand_ipc)] if with_codes else (),
            industry_code=pair.demand_industry if with_codes else None,
            k=5,
        )
        ids = [m.id for m in found]
        ranks.append(ids.index(i) + 1 if i in ids else None)
    return ranks


def test_hit_rate_at_5() -> None:
    index = _index()
    lines = [f"pairs: {len(PAIRS)}"]
    rates = {}
    for with_codes in (False, True):
        ranks = _ranks(index, with_codes=with_codes)
        at5 = sum(r is not None for r in ranks) / len(ranks)
        at1 = sum(r == 1 for r in ranks) / len(ranks)
        mrr = sum(1 / r for r in ranks if r) / len(ranks)
        label = "text + IPC + industry" if with_codes else "text only"
        rates[with_codes] = at5
        misses = [PAIRS[i].demand[:24] for i, r in enumerate(ranks) if r is None]
        lines.append(f"{label}: hit@5 {at5:.3f}  hit@1 {at1:.3f}  MRR {mrr:.3f}  misses {misses}")
    report = "\n".join(lines)
    print(report)
    artifacts = Path("test-artifacts")
    artifacts.mkdir(exist_ok=True)
    (artifacts / "transfer-matching.txt").write_text(report + "\n", encoding="utf-8")
    assert len(PAIRS) >= 50
    assert rates[True] >= HIT_RATE_AT_5_FLOOR, report
    assert rates[False] >= HIT_RATE_AT_5_FLOOR - 0.1, report


def test_reasons_are_shown() -> None:
    index = _index()
    pair = PAIRS[0]
    best = index.search(pair.demand, ipc_codes=["A61K"], industry_code="C2720", k=3)[0]
    assert best.id == 0
    assert "kras" in best.terms
    assert best.ipc_subclasses == ("A61K",) and best.industry == "C27"
    assert any("shared terms" in r for r in best.reasons)
    assert any("IPC" in r for r in best.reasons)


def test_unrelated_text_matches_nothing() -> None:
    assert _index().search("的 和 与", k=5) == []


def test_hit_rate_at_5_among_synthetic_distractors() -> None:
    """The same demands, their results hidden among 5,000 synthetic ones of the same fields."""
    from kechuang.transfer.synthetic import documents

    real = _index().documents
    index = Index([*documents(5_000), *real])
    ranks = _ranks(index, with_codes=True)
    at5 = sum(r is not None for r in ranks) / len(ranks)
    print(f"text + IPC + industry among 5,000 synthetic results: hit@5 {at5:.3f}")
    assert at5 >= HIT_RATE_AT_5_FLOOR
