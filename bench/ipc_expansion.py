"""Need detection from the Chinese IPC titles as weighted query expansion, measured on the
tuning sets; not shipped (every setting lowered them: docs/transfer-matching.md, sixth round).

    python -m bench.ipc_expansion   # the grid on dev + dev2: as written and both ablations

A demand's words (and the result-side terms of the needs it says) point to IPC classes by BM25
over the class titles (data/ipc_zh.tsv, as the matcher's `ipc_qexp`); here the K classes it
points to most each give their title's words, weighted by how much the demand points to the
class and by the word's rarity among all class titles, and the T heaviest words are scored term
by term over the results (a weighted BM25 query), scaled to 0..1 and added at a weight on top
of the shipped ones. The held-out set is never used here.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import cache

import numpy as np

from bench.matching_eval import Experiment, _Tuning, fuse, without_own_phrases
from kechuang.transfer.matching import WEIGHTS, Index, _class_space, _scaled

CLASSES = (1, 3, 5, 10)
TERMS = (5, 10, 20)
WEIGHT_GRID = (0.05, 0.1, 0.2, 0.3)
CASES: tuple[bool | str, ...] = (False, "phrases", "needs")


@cache
def _class_idf() -> dict[str, float]:
    """Each title word's rarity among the class titles (a word of every title says nothing)."""
    space = _class_space()
    df = Counter(w for words in space.words for w in words)
    n = len(space.words)
    return {w: math.log(1 + (n - k + 0.5) / (k + 0.5)) for w, k in df.items()}


def weighted_expansion(index: Index, words: list[str], classes: int, terms: int) -> np.ndarray:
    """The weighted title words of the classes `words` point to most, scored over the index."""
    n = len(index.documents)
    if not words:
        return np.zeros(n)
    space = _class_space()
    pointed = _scaled(np.asarray(space.bm25.get_scores(words), dtype=np.float64))
    top = [int(i) for i in np.argsort(-pointed, kind="stable")[:classes] if pointed[i] > 0]
    weight: Counter[str] = Counter()
    asked, idf = set(words), _class_idf()
    for j in top:
        for w in space.words[j]:
            if w not in asked and len(w) > 1 and w in index._idf:
                weight[w] += pointed[j] * idf.get(w, 0.0)
    out = np.zeros(n)
    for word, w in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))[:terms]:
        out += w * np.asarray(index._bm25.get_scores([word]), dtype=np.float64)
    return _scaled(out)


def _experiment(case: bool | str) -> Experiment:
    """The tuning sets' signals in one case, with the expansion of every (K, T) added."""
    exp = Experiment(_Tuning, "zh", None, ablate=case, extras=False)
    index = exp.index
    for d in exp.demands:
        if case == "needs":
            query, stated = index._read(d.text)[0], []
        else:
            thesaurus = without_own_phrases(index.thesaurus, d.text, "zh") if case else None
            query, stated = index._read(d.text, thesaurus)
        said = index._expansion([s for s in stated if s.confidence >= 1.0], query)
        for k in CLASSES:
            for t in TERMS:
                got = weighted_expansion(index, query + said, k, t)
                exp.signals[d.answer + d.text][f"ipc_wexp_{k}_{t}"] = got
    return exp


def main() -> None:
    exps = [_experiment(case) for case in CASES]
    print("signal            weight  sum MRR  as written | phrases ablated | needs ablated")
    rows = [("shipped", 0.0)] + [
        (f"ipc_wexp_{k}_{t}", w) for k in CLASSES for t in TERMS for w in WEIGHT_GRID
    ]
    for name, w in rows:
        reps = [e.report(lambda s, n=name, w=w: fuse(s, WEIGHTS, {n: w})) for e in exps]
        cells = " | ".join(
            f"{r.overall.hit1:.3f} {r.overall.hit5:.3f} {r.overall.mrr:.3f}" for r in reps
        )
        print(f"{name:17s} {w:6.2f}  {sum(r.overall.mrr for r in reps):.3f}  {cells}")


if __name__ == "__main__":
    main()
