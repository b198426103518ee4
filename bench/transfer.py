"""Matching benchmark: the held-out demands against their 300 results hidden among N synthetic
results (default 100,000), in process, in Chinese and in English.

Reported: the time to build each index (jieba search mode or English stems + bm25s + the
thesaurus's concepts of every result + IPC/industry postings) and its peak memory; the
per-demand match latency (median, p95, max; top 5 with the needs each answers and why); and
hit@1, hit@5 and MRR of the held-out demands, overall and on the hard ones, among the N
synthetic results (harder than the 300 alone: every synthetic result shares the vocabulary of
a field). The goals of issue 16: hit@1 >= 0.90 (>= 0.85 hard), hit@5 = 1.0, median latency
< 50 ms over 100,000 results, index build < 60 s.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

from tests.transfer.matching_eval import heldout
from tests.transfer.matching_eval.harness import evaluate
from tests.transfer.matching_eval.sets import Demand

from bench.harness import Measurement, self_peak_mb
from kechuang.transfer import ipc
from kechuang.transfer.matching import Document, Index, tokens
from kechuang.transfer.synthetic import documents, english_documents

TITLE = "transfer"


def _held_out_documents(lang: str) -> list[Document]:
    english = lang == "en"
    return [
        Document(i, r.title_en if english else r.title, r.summary_en if english else r.abstract,
                 tuple(str(c) for c in ipc.parse_list(r.ipc)), r.industry)
        for i, r in enumerate(heldout.RESULTS)
    ]  # fmt: skip


def _run(size: int, lang: str, demands: Sequence[Demand]) -> list[Measurement]:
    synthetic = english_documents(size) if lang == "en" else documents(size)
    corpus = [*synthetic, *_held_out_documents(lang)]
    started = time.perf_counter()
    index = Index(corpus, lang=lang)
    built = time.perf_counter() - started
    label = "English" if lang == "en" else "Chinese"
    rows = [Measurement(f"index {len(corpus):,} results ({label})", built, self_peak_mb(),
                        "segmentation + bm25s + thesaurus concepts + class postings")]  # fmt: skip
    keys = [r.key for r in heldout.RESULTS]
    latencies: list[float] = []

    def rank(d: Demand) -> list[str]:
        codes = [str(c) for c in ipc.parse_list(d.ipc)]
        began = time.perf_counter()
        found = index.search(d.text_en if lang == "en" else d.text, ipc_codes=codes,
                             industry_code=d.industry, k=10)  # fmt: skip
        latencies.append(time.perf_counter() - began)
        return [keys[m.id] if m.id < len(keys) else "" for m in found]

    report = evaluate(rank, demands, heldout.RESULTS, english=lang == "en")
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    o, h = report.overall, report.hard
    rows.append(Measurement(
        f"match one demand in {len(corpus):,} ({label})", statistics.median(latencies),
        self_peak_mb(),
        f"median; p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; held-out "
        f"hit@1 {o.hit1:.3f} hit@5 {o.hit5:.3f} MRR {o.mrr:.3f} (n={o.n}); hard hit@1 "
        f"{h.hit1:.3f} hit@5 {h.hit5:.3f} MRR {h.mrr:.3f} (n={h.n})",
        {"p95_seconds": p95, "max_seconds": latencies[-1], "hit1": o.hit1, "hit5": o.hit5,
         "mrr": o.mrr, "hard_hit1": h.hit1, "hard_hit5": h.hit5, "hard_mrr": h.mrr},
    ))  # fmt: skip
    return rows


def run(size: int) -> list[Measurement]:
    tokens("预热分词词典")  # jieba loads its dictionary once; not part of the index time
    english = [d for d in heldout.DEMANDS if d.text_en]
    return [*_run(size, "zh", heldout.DEMANDS), *_run(size, "en", english)]
