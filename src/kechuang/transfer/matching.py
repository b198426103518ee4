"""Matching demands and results: Chinese text relevance plus IPC and industry overlap, with reasons.

Text: jieba in search mode (cut_for_search also yields the shorter words inside long ones, so
'诊断系统' matches a text that says '诊断') and BM25 (bm25s, sparse, numpy only). The title is
counted twice because it states the point of a result or demand. The BM25 score is scaled to
0..1 by the best score of the query, then bonuses are added for a shared IPC subclass (same
technology field) or class, and a shared industry division (GB/T 4754) or section. Each match
carries its reasons: the shared terms, the shared classes, the shared industry.
jieba's dictionary ships inside the package: nothing is downloaded.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import bm25s
import jieba
import numpy as np

from kechuang.transfer import ipc

IPC_SUBCLASS_BONUS = 0.30
IPC_CLASS_BONUS = 0.10
INDUSTRY_DIVISION_BONUS = 0.15
INDUSTRY_SECTION_BONUS = 0.05
TITLE_WEIGHT = 2
# Function words and the boilerplate every demand and patent says; they carry no subject.
_STOPWORD_TEXT = (
    "的 了 和 与 及 或 在 对 为 用 于 将 等 中 是 有 一种 一个 及其 以及 其 该 所述 通过 进行 "
    "实现 提供 提高 基于 方法 装置 系统 技术 需求 我们 公司 企业 希望 需要 寻求 寻找 能够 "
    "可以 用于 相关 问题 解决 研发 开发 合作 应用 要求 目前 现有 方面 领域 一体 包括 采用 "
    "具有 以上 以下 不 并 可 能 个 种 我 司 我司 本司 贵方 成果 产品"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)


@lru_cache(maxsize=1)
def _jieba() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def tokens(text: str) -> list[str]:
    """Search-mode tokens of text, lower-cased, without punctuation and stopwords."""
    out = []
    for token in _jieba().cut_for_search(text or ""):
        word = token.strip().lower()
        if word and _WORD.search(word) and word not in STOPWORDS:
            out.append(word)
    return out


@dataclass(frozen=True)
class Document:
    """Something to match: a result (or a demand) with its title, text and classes."""

    id: int
    title: str
    text: str
    ipc_codes: tuple[str, ...] = ()
    industry_code: str | None = None


@dataclass(frozen=True)
class Match:
    id: int
    title: str
    score: float
    text_score: float
    terms: tuple[str, ...]
    ipc_subclasses: tuple[str, ...]
    ipc_classes: tuple[str, ...]
    industry: str | None
    reasons: tuple[str, ...] = field(default_factory=tuple)


def _doc_tokens(doc: Document) -> list[str]:
    return tokens(doc.title) * TITLE_WEIGHT + tokens(doc.text)


def _division(code: str | None) -> str | None:
    return code[:3] if code and len(code) >= 3 else None


class Index:
    """A BM25 index over documents with inverted lists of IPC and industry codes."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.documents = list(documents)
        self._bm25 = bm25s.BM25()
        corpus = [_doc_tokens(d) or ["\u2205"] for d in self.documents]
        if corpus:
            self._bm25.index(corpus, show_progress=False)
        postings: dict[str, dict[str, list[int]]] = {
            k: defaultdict(list) for k in ("subclass", "class", "division", "section")
        }
        for i, doc in enumerate(self.documents):
            parsed = [ipc.parse(c) for c in doc.ipc_codes]
            for sub in {p.subclass_code for p in parsed}:
                postings["subclass"][sub].append(i)
            for klass in {p.class_code for p in parsed}:
                postings["class"][klass].append(i)
            if doc.industry_code:
                postings["section"][doc.industry_code[0]].append(i)
                if division := _division(doc.industry_code):
                    postings["division"][division].append(i)
        self._postings = {
            kind: {code: np.asarray(ids, dtype=np.int64) for code, ids in table.items()}
            for kind, table in postings.items()
        }

    def __len__(self) -> int:
        return len(self.documents)

    def _bonus(self, kind: str, codes: Iterable[str], amount: float, into: np.ndarray) -> None:
        for code in set(codes):
            ids = self._postings[kind].get(code)
            if ids is not None:
                into[ids] += amount

    def search(
        self,
        text: str,
        *,
        ipc_codes: Sequence[str] = (),
        industry_code: str | None = None,
        k: int = 5,
        exclude: Iterable[int] = (),
    ) -> list[Match]:
        """The k best documents for a query, best first, each with its reasons."""
        n = len(self.documents)
        if n == 0:
            return []
        query = list(dict.fromkeys(tokens(text)))
        scores = np.zeros(n, dtype=np.float64)
        if query:
            raw = np.asarray(self._bm25.get_scores(query), dtype=np.float64)
            best = float(raw.max()) if raw.size else 0.0
            if best > 0:
                scores += raw / best
        text_scores = scores.copy()
        parsed = [ipc.parse(c) for c in ipc_codes]
        subclasses = {p.subclass_code for p in parsed}
        self._bonus("subclass", subclasses, IPC_SUBCLASS_BONUS, scores)
        classes = {p.class_code for p in parsed}
        class_only = np.zeros(n)
        self._bonus("class", classes, IPC_CLASS_BONUS, class_only)
        sub_hit = np.zeros(n)
        self._bonus("subclass", subclasses, 1.0, sub_hit)
        scores += np.where(sub_hit > 0, 0.0, class_only)  # the class bonus only without a subclass
        if industry_code:
            division = _division(industry_code)
            div_hit = np.zeros(n)
            if division:
                self._bonus("division", [division], 1.0, div_hit)
            sec_hit = np.zeros(n)
            self._bonus("section", [industry_code[0]], 1.0, sec_hit)
            scores += np.where(
                div_hit > 0,
                INDUSTRY_DIVISION_BONUS,
                np.where(sec_hit > 0, INDUSTRY_SECTION_BONUS, 0),
            )
        if exclude:
            skip = set(exclude)
            scores[[i for i, d in enumerate(self.documents) if d.id in skip]] = 0.0
        take = min(k, n)
        top = np.argpartition(-scores, take - 1)[:take]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [
            self._explain(int(i), float(scores[i]), float(text_scores[i]), query, ipc_codes,
                          industry_code)
            for i in top
            if scores[i] > 0
        ]  # fmt: skip

    def _explain(
        self,
        i: int,
        score: float,
        text_score: float,
        query: list[str],
        ipc_codes: Sequence[str],
        industry_code: str | None,
    ) -> Match:
        doc = self.documents[i]
        doc_words = set(_doc_tokens(doc))
        terms = tuple(t for t in query if t in doc_words)
        shared = ipc.overlap(ipc_codes, doc.ipc_codes) if ipc_codes and doc.ipc_codes else None
        industry = None
        if industry_code and doc.industry_code:
            if _division(industry_code) == _division(doc.industry_code):
                industry = _division(doc.industry_code)
            elif industry_code[0] == doc.industry_code[0]:
                industry = doc.industry_code[0]
        reasons = []
        if terms:
            reasons.append("共同关键词 shared terms: " + "、".join(terms[:8]))
        if shared and shared.subclasses:
            reasons.append("同一IPC小类 same IPC subclass: " + ", ".join(shared.subclasses))
        elif shared and shared.classes:
            reasons.append("同一IPC大类 same IPC class: " + ", ".join(shared.classes))
        if industry:
            reasons.append(f"同一行业 same industry: {industry}")
        return Match(
            id=doc.id, title=doc.title, score=round(score, 4), text_score=round(text_score, 4),
            terms=terms, ipc_subclasses=shared.subclasses if shared else (),
            ipc_classes=shared.classes if shared else (), industry=industry,
            reasons=tuple(reasons),
        )  # fmt: skip
