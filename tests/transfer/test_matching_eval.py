"""Matching quality on the evaluation sets, reported on every run (test-artifacts/).

The tuning set holds the shipped weights to what they were fitted for. The held-out set is only
reported, with one claim held: matching by needs beats words and classes alone (today's
scoring); its figures are not a target to tune against.
"""

from __future__ import annotations

from pathlib import Path

from kechuang.transfer import ipc
from kechuang.transfer.matching import PLAIN, WEIGHTS, Document, Index, Weights
from tests.transfer.matching_eval import dev, dev2, heldout
from tests.transfer.matching_eval.harness import Report, evaluate


def _report(module, weights: Weights, lang: str = "zh") -> Report:
    english = lang == "en"
    docs = [
        Document(i, r.title_en if english else r.title, r.summary_en if english else r.abstract,
                 tuple(str(c) for c in ipc.parse_list(r.ipc)), r.industry)
        for i, r in enumerate(module.RESULTS)
    ]  # fmt: skip
    index = Index(docs, lang=lang, weights=weights)
    keys = [r.key for r in module.RESULTS]

    def rank(d):
        text = d.text_en if english else d.text
        codes = [str(c) for c in ipc.parse_list(d.ipc)]
        return [keys[m.id] for m in index.search(text, ipc_codes=codes,
                                                 industry_code=d.industry, k=10)]  # fmt: skip

    demands = [d for d in module.DEMANDS if d.text_en] if english else module.DEMANDS
    return evaluate(rank, demands, module.RESULTS, english=english)


def test_shipped_weights_hold_on_the_tuning_set() -> None:
    rep = _report(dev, WEIGHTS)
    assert rep.overall.hit1 >= 0.90 and rep.overall.hit5 == 1.0, rep


def test_shipped_weights_hold_on_the_second_tuning_set() -> None:
    """dev2: needs the thesaurus and dev did not cover when it was written (the figures that
    chose the everyday-symptom concepts and the full-match scale of the text)."""
    rep = _report(dev2, WEIGHTS)
    assert rep.overall.hit1 >= 0.90 and rep.overall.hit5 == 1.0, rep
    assert rep.hard.hit1 >= 0.80, rep


def test_held_out_figures_are_reported_and_needs_beat_words_alone() -> None:
    lines = []
    reports = {}
    for label, weights in (("words + classes", PLAIN), ("needs + words + classes", WEIGHTS)):
        rep = reports[label] = _report(heldout, weights)
        lines.append(f"held-out {label}: all {rep.overall.row()}  hard {rep.hard.row()}")
    english = _report(heldout, WEIGHTS, "en")
    lines.append(f"held-out English demands: all {english.overall.row()}")
    text = "\n".join(lines)
    print(text)
    Path("test-artifacts").mkdir(exist_ok=True)
    Path("test-artifacts/transfer-matching-eval.txt").write_text(text + "\n", encoding="utf-8")
    before, after = reports["words + classes"], reports["needs + words + classes"]
    assert len(heldout.DEMANDS) >= 60 and len(heldout.RESULTS) >= 300
    assert after.overall.hit1 > before.overall.hit1, text
    assert after.hard.mrr > before.hard.mrr, text
