"""Matching benchmark: index a synthetic register of N results (default 100,000) and match the
57 Chinese demands of the test set against it, in process.

Reported: the time to build the index (jieba search-mode segmentation + bm25s + IPC/industry
postings) and its peak memory; the per-demand match latency (median, p95, max, text + IPC +
industry, top 5 with reasons); and the hit rate at 5 of the test set's own results hidden
among the N synthetic ones (a harder test than the 57 alone).
"""

from __future__ import annotations

import statistics
import time

from tests.transfer.matching_pairs import PAIRS

from bench.harness import Measurement, self_peak_mb
from kechuang.transfer import ipc
from kechuang.transfer.matching import Document, Index, tokens
from kechuang.transfer.synthetic import documents

TITLE = "transfer"


def run(size: int) -> list[Measurement]:
    tokens("预热分词词典")  # jieba loads its dictionary once; not part of the index time
    real = [
        Document(i, p.title, p.abstract, tuple(str(c) for c in ipc.parse_list(p.ipc)), p.industry)
        for i, p in enumerate(PAIRS)
    ]
    corpus = [*documents(size), *real]
    started = time.perf_counter()
    index = Index(corpus)
    built = time.perf_counter() - started
    rows = [Measurement(f"index {len(corpus):,} results", built, self_peak_mb(),
                        "jieba search mode + bm25s + IPC/industry postings")]  # fmt: skip
    latencies = []
    hits = 0
    for i, pair in enumerate(PAIRS):
        codes = [str(c) for c in ipc.parse_list(pair.demand_ipc)]
        started = time.perf_counter()
        found = index.search(pair.demand, ipc_codes=codes, industry_code=pair.demand_industry, k=5)
        latencies.append(time.perf_counter() - started)
        hits += any(m.id == i for m in found)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    rate = hits / len(PAIRS)
    rows.append(Measurement(
        f"match one demand in {len(corpus):,}", statistics.median(latencies), self_peak_mb(),
        f"median; p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; "
        f"hit@5 {rate:.3f} ({hits}/{len(PAIRS)}) among the synthetic results",
        {"p95_seconds": p95, "max_seconds": latencies[-1], "hit_rate_at_5": rate},
    ))  # fmt: skip
    return rows
