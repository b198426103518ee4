"""Scoring a matcher on an evaluation set: hit@1, hit@5 and MRR, overall and on hard demands.

A demand is `hard` when it shares no key term with its answer: no token of two or more
characters (jieba search mode, the matcher's stop list) in common with the answer's title and
abstract. That is computed here, mechanically, never written into a set by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import jieba

from kechuang.transfer.matching import STOPWORDS, english_tokens
from tests.transfer.matching_eval.sets import Demand, Result


@lru_cache(maxsize=1)
def _plain_jieba() -> jieba.Tokenizer:
    """jieba with its own dictionary only: the matcher's added words must not decide hardness."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def key_terms(text: str) -> set[str]:
    """The key terms of a text: search-mode tokens of two or more characters, no stopwords;
    English words by their stems."""
    if text.isascii():
        return set(english_tokens(text))
    words = (t.strip().lower() for t in _plain_jieba().cut_for_search(text))
    return {w for w in words if len(w) >= 2 and w not in STOPWORDS and any(c.isalnum() for c in w)}


def is_hard(demand: Demand, answer: Result, *, english: bool = False) -> bool:
    """True when the demand shares no key term with its answer."""
    if english:
        return not (key_terms(demand.text_en) & key_terms(f"{answer.title_en} {answer.summary_en}"))
    return not (key_terms(demand.text) & key_terms(f"{answer.title} {answer.abstract}"))


@dataclass(frozen=True)
class Scores:
    """hit@1, hit@5 and MRR (over the ranks found within the first 10) of n demands."""

    n: int
    hit1: float
    hit5: float
    mrr: float

    def row(self) -> str:
        return f"{self.hit1:.3f} {self.hit5:.3f} {self.mrr:.3f} (n={self.n})"


def scores(ranks: Sequence[int | None]) -> Scores:
    n = len(ranks)
    if n == 0:
        return Scores(0, 0.0, 0.0, 0.0)
    return Scores(
        n,
        sum(r == 1 for r in ranks) / n,
        sum(r is not None and r <= 5 for r in ranks) / n,
        sum(1 / r for r in ranks if r is not None) / n,
    )


Ranker = Callable[[Demand], Sequence[str]]
"""Given a demand, the keys of the results it ranks first (best first, at least 10 if it can)."""


@dataclass(frozen=True)
class Report:
    overall: Scores
    hard: Scores
    ranks: tuple[int | None, ...]


def evaluate(
    rank: Ranker, demands: Sequence[Demand], results: Sequence[Result], *, english: bool = False
) -> Report:
    """Rank every demand (its English text when `english`) and score the ranks of the answers."""
    by_key = {r.key: r for r in results}
    ranks: list[int | None] = []
    hard: list[int | None] = []
    for demand in demands:
        keys = list(rank(demand))[:10]
        found = keys.index(demand.answer) + 1 if demand.answer in keys else None
        ranks.append(found)
        if is_hard(demand, by_key[demand.answer], english=english):
            hard.append(found)
    return Report(scores(ranks), scores(hard), tuple(ranks))
