"""Choose the settings of fuzzy need reading on the tuning sets, write them as data.

    python -m bench.fit_fuzzy            # choose, print the tuning figures, write ranker.json
    python -m bench.fit_fuzzy --dry-run  # choose and print only

The tuning sets as written are saturated (the thesaurus knows their needs in their own words),
so each setting is scored twice: on dev + dev2 as written, and with every `says` phrase that
occurs in a demand removed from the thesaurus for that demand (bench.matching_eval --ablate
phrases), which is how a held-out demand worded otherwise fails: a reading that still finds the
need from its other phrases generalises. The objective is the sum of the MRR of both cases, then
of hit@1; coordinate ascent over a grid per setting from the defaults. A setting is admissible
only if the project's 57 pairs keep their hit@5 floor among 5,000 synthetic results
(tests/transfer/test_matching_hit_rate.py): a loose reading expands every demand with the
result terms of needs it does not have, which the synthetic results of the same fields answer.
Only dev.py and dev2.py (and those 57 pairs, for the floor) are read; never the held-out
set. The shipped ranking weights stay as they are.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, replace
from pathlib import Path

from tests.transfer.test_matching_hit_rate import HIT_RATE_AT_5_FLOOR, _index, _ranks

from bench.matching_eval import Experiment, _Tuning, fuse
from kechuang.transfer.fuzzy_needs import FuzzyReader, FuzzySettings
from kechuang.transfer.matching import WEIGHTS, Index
from kechuang.transfer.synthetic import documents

OUT = Path("src/kechuang/transfer/data/ranker.json")
GRID: dict[str, tuple[object, ...]] = {
    "min_similarity": (0.2, 0.25, 0.3, 0.34, 0.4, 0.5, 0.6, 0.7, 0.8),
    "scale": (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0),
    "min_char_weight": (5.0, 6.0, 6.5, 7.0, 7.5, 8.0),
    "rare_char": (8.5, 9.5, 10.5, 99.0),
    "top": (1, 2, 3, 5),
    "slack": (0, 1, 2, 4, 99),
    "with_needs": (False, True),
    "with_means": (False, True),
    "expansion": (0.0, 0.25, 0.5, 0.75, 1.0),
}


def figures(fuzzy: FuzzySettings | None) -> list[tuple[float, float, float, float]]:
    """(hit@1, hit@5, MRR, hard hit@1) on the tuning sets as written and phrase-ablated."""
    out = []
    for ablate in (False, "phrases"):
        exp = Experiment(_Tuning, "zh", None, ablate=ablate, fuzzy=fuzzy, extras=False)
        rep = exp.report(lambda s: fuse(s, WEIGHTS))
        out.append((rep.overall.hit1, rep.overall.hit5, rep.overall.mrr, rep.hard.hit1))
    return out


class Distractors:
    """The 57 pairs among 5,000 synthetic results: hit@5 with a setting (index built once)."""

    def __init__(self) -> None:
        self.index = Index([*documents(5_000), *_index().documents], fuzzy=None)

    def hit5(self, settings: FuzzySettings | None) -> float:
        self.index.fuzzy = settings
        self.index._reader = FuzzyReader(self.index.thesaurus, settings) if settings else None
        ranks = _ranks(self.index, with_codes=True)
        return sum(r is not None for r in ranks) / len(ranks)


def objective(figs: list[tuple[float, float, float, float]]) -> tuple[float, float]:
    return round(sum(f[2] for f in figs), 6), round(sum(f[0] for f in figs), 6)


def show(label: str, figs: list[tuple[float, float, float, float]]) -> None:
    (a1, a5, am, ah), (b1, b5, bm, bh) = figs
    print(f"{label:34} as written {a1:.3f}/{a5:.3f}/{am:.3f} hard {ah:.3f}   "
          f"phrases ablated {b1:.3f}/{b5:.3f}/{bm:.3f} hard {bh:.3f}")  # fmt: skip


def choose() -> FuzzySettings:
    distractors = Distractors()
    show("exact phrases only", figures(None))
    print(f"  distractor hit@5 {distractors.hit5(None):.3f}")
    settings = FuzzySettings()  # the last choice, as the start
    best_figs = figures(settings)
    best = objective(best_figs)
    show("start", best_figs)
    print(f"  distractor hit@5 {distractors.hit5(settings):.3f}")
    for _ in range(3):
        improved = False
        for name, values in GRID.items():
            for value in values:
                trial = replace(settings, **{name: value})
                if trial == settings:
                    continue
                figs = figures(trial)
                got = objective(figs)
                if got > best and distractors.hit5(trial) < HIT_RATE_AT_5_FLOOR:
                    show(f"{name}={value} (distractors below floor)", figs)
                elif got > best:
                    best, best_figs, settings, improved = got, figs, trial, True
                    show(f"{name}={value}", figs)
        if not improved:
            break
    show("chosen", best_figs)
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    settings = choose()
    print("chosen:", asdict(settings))
    if not args.dry_run:
        data = json.loads(OUT.read_text(encoding="utf-8"))
        data["fuzzy"] = asdict(settings)
        OUT.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
