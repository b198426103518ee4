"""Matching demands and results: words, the needs a demand states, classes; each match explained.

An enterprise describes its problem ("车间焊缝老有气孔，返工率太高"), a result its solution
("激光-电弧复合焊接熔池气孔抑制方法"), so the same words alone find the right lab but not the
right result of it. The score adds, each scaled to 0..1 over the listing:
- text: BM25 (bm25s) of the demand's own words; Chinese is segmented by jieba in search mode
  (which also yields the shorter words inside long ones), English by words reduced to their
  stems (PyStemmer); the title counts twice because it states the point. It is scaled by
  the highest score any text could get for the demand (the sum of its words' IDF: each BM25
  term tends to its IDF as the word repeats), not by the best score of the listing, so that a
  result sharing
  one incidental word ("家属", "晚上") with a long demand does not count as a full match;
- needs: the concepts of the thesaurus (thesaurus.yaml) the demand states, matched against the
  concepts each result answers (weighted by how rare the concept is in the listing), and
  BM25 of the concepts' result-side terms (query expansion); a need is stated in the demand's
  own words (a `says` phrase, full weight) or read fuzzily from words close to one
  (fuzzy_needs: shared characters; its confidence scales the need's weight);
- classes: bonuses for a shared IPC subclass (or class) and a shared GB/T 4754 industry
  division (or section); and, by the Chinese IPC titles (data/ipc_zh.tsv), how well a
  result's main groups match the classes the demand's words and needs point to
  (ipc_inferred) and BM25 of those words over its classes' titles (ipc_doc);
- tried and weighed by the fit: the words in the title, the title words of the classes the
  demand points to as query expansion, pseudo-relevance feedback.
The weights (data/ranker.json) are fitted on the tuning sets (tests/transfer/matching_eval/
dev.py and dev2.py) by bench/fit_ranker.py, never on the held-out set. Every
match carries the needs it answers in a manager's words (zh and en), and the shared terms and
classes as evidence. Nothing is downloaded: jieba's dictionary and the
stemmer ship inside their packages.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import bm25s
import jieba
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from kechuang.transfer import ipc, ipc_titles
from kechuang.transfer.fuzzy_needs import FuzzyReader, FuzzySettings
from kechuang.transfer.thesaurus import Concept, Stated, Thesaurus
from kechuang.transfer.thesaurus import load as load_thesaurus

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
_ENGLISH_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_ENGLISH_STOPWORDS = frozenset(STOPWORDS_EN) | {"need", "needs", "looking", "want", "our", "we"}
_ASCII = re.compile(r"[a-z0-9]")
TokenizerFn = Callable[[str], list[str]]


@dataclass(frozen=True)
class Weights:
    """How much each signal counts (text, needs, expansion) and the class bonuses."""

    text: float = 1.0
    concept: float = 1.0
    expansion: float = 0.6
    ipc_subclass: float = 0.30
    ipc_class: float = 0.10
    industry_division: float = 0.15
    industry_section: float = 0.05
    title: float = 0.0
    ipc_inferred: float = 0.0
    ipc_doc: float = 0.0
    ipc_qexp: float = 0.0
    prf: float = 0.0


# The weights of the second round (fitted on dev by coordinate ascent over MRR): the first pass
# of pseudo-relevance feedback, and the comparison row of the evaluation.
FIRST_PASS = Weights()


def _ranker_data() -> dict[str, dict[str, object]]:
    source = resources.files("kechuang.transfer").joinpath("data", "ranker.json")
    data: dict[str, dict[str, object]] = json.loads(source.read_text(encoding="utf-8"))
    return data


def load_weights() -> Weights:
    """The shipped ranking weights, fitted on the tuning sets by bench/fit_ranker.py."""
    return Weights(**{k: float(str(v)) for k, v in _ranker_data()["weights"].items()})


def load_fuzzy() -> FuzzySettings | None:
    """The shipped settings of fuzzy need reading (None: off), chosen on the tuning sets with
    their own phrases removed (bench.matching_eval --ablate phrases)."""
    data = _ranker_data().get("fuzzy")
    if not data:
        return None
    return FuzzySettings(**data)  # type: ignore[arg-type]


WEIGHTS = load_weights()
FUZZY = load_fuzzy()
PLAIN = Weights(concept=0.0, expansion=0.0)  # words and classes only: the matcher before needs


@lru_cache(maxsize=1)
def _jieba() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    # The thesaurus's result-side terms stay whole, so that a result "answers" a term exactly.
    for term in sorted(load_thesaurus().result_terms("zh")):
        if not _ASCII.search(term):
            tokenizer.add_word(term)
    return tokenizer


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokens(text: str) -> list[str]:
    """Search-mode tokens of Chinese text, lower-cased, without punctuation and stopwords."""
    out = []
    for token in _jieba().cut_for_search(text or ""):
        word = token.strip().lower()
        if word and _WORD.search(word) and word not in STOPWORDS:
            out.append(word)
    return out


def english_tokens(text: str) -> list[str]:
    """Stems of the English words of text, without stopwords."""
    words = [w for w in _ENGLISH_WORD.findall((text or "").lower()) if w not in _ENGLISH_STOPWORDS]
    return list(_stemmer().stemWords(words))


def tokenizer(lang: str) -> TokenizerFn:
    """The tokenizer of a language: 'zh' (jieba) or 'en' (stems)."""
    return english_tokens if lang == "en" else tokens


@dataclass(frozen=True)
class Document:
    """Something to match: a result (or a demand) with its title, text and classes."""

    id: int
    title: str
    text: str
    ipc_codes: tuple[str, ...] = ()
    industry_code: str | None = None


@dataclass(frozen=True)
class Need:
    """A need of the demand that a result answers: the demand's phrase and the result's term."""

    concept: str
    need_zh: str
    need_en: str
    demand_phrase: str
    result_term: str
    read_as: str = ""  # a fuzzy reading: the thesaurus phrase the demand's words were read as


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
    needs: tuple[Need, ...] = ()
    explanation_zh: str = ""
    explanation_en: str = ""

    def explanation(self, lang: str) -> str:
        return self.explanation_en if lang == "en" else self.explanation_zh


def _division(code: str | None) -> str | None:
    return code[:3] if code and len(code) >= 3 else None


def _scaled(raw: np.ndarray) -> np.ndarray:
    best = float(raw.max()) if raw.size else 0.0
    return raw / best if best > 0 else np.zeros_like(raw)


def _idf(corpus: Sequence[Sequence[str]], n: int) -> dict[str, float]:
    """Each word's BM25 IDF (the Lucene form bm25s uses): the bound of its term's score."""
    df: Counter[str] = Counter()
    for words in corpus:
        df.update(set(words))
    return {w: math.log(1 + (n - k + 0.5) / (k + 0.5)) for w, k in df.items()}


@dataclass(frozen=True)
class _ClassSpace:
    """The IPC classes of the title table as a small BM25 index of their titles' words."""

    codes: tuple[str, ...]
    position: dict[str, int]
    words: tuple[tuple[str, ...], ...]
    bm25: bm25s.BM25


@lru_cache(maxsize=1)
def _class_space() -> _ClassSpace:
    table = ipc_titles.load()
    codes = tuple(table.titles)
    words = tuple(tuple(dict.fromkeys(tokens(table.words(c)))) for c in codes)
    bm25 = bm25s.BM25()
    bm25.index([list(w) or ["\u2205"] for w in words], show_progress=False)
    return _ClassSpace(codes, {c: i for i, c in enumerate(codes)}, words, bm25)


@dataclass(frozen=True)
class _DocClasses:
    """Postings (document, class of the class space) and a BM25 over each document's classes'
    title words."""

    doc_ids: np.ndarray
    class_ids: np.ndarray
    bm25: bm25s.BM25


QEXP_CLASSES = 3  # the classes whose titles expand a demand (ipc_qexp)
CLASS_TITLE_SHOWN = 0.5  # a main group's title is a reason from half the best class's match
PRF_DOCS, PRF_TERMS = 3, 10  # pseudo-relevance feedback: the first pass's best, the words taken


class _ConceptTagger:
    """Which concepts a document answers: one of a concept's result-side terms is in it."""

    def __init__(self, thesaurus: Thesaurus, lang: str, tokenize: TokenizerFn) -> None:
        self.lang = lang
        self.by_token: dict[str, list[tuple[tuple[str, ...], Concept, str]]] = defaultdict(list)
        self.by_text: list[tuple[str, Concept]] = []
        for concept in thesaurus.concepts:
            for term in concept.means_in(lang):
                if lang == "zh" and _ASCII.search(term):
                    self.by_text.append((term, concept))  # jieba splits Latin from Chinese
                    continue
                parts = tuple(tokenize(term)) if lang == "en" else (term,)
                if parts:
                    self.by_token[parts[0]].append((parts, concept, term))

    def answered(self, words: set[str], lowered: str) -> dict[str, str]:
        """concept id -> the term that answers it, the one the thesaurus lists first (the same
        term on every run, whatever the order of a set of words)."""
        found: dict[str, tuple[int, str]] = {}

        def keep(concept: Concept, term: str) -> None:
            rank = concept.means_in(self.lang).index(term)
            if concept.id not in found or rank < found[concept.id][0]:
                found[concept.id] = (rank, term)

        for word in words:
            for parts, concept, term in self.by_token.get(word, ()):
                if all(p in words for p in parts):
                    keep(concept, term)
        for term, concept in self.by_text:
            if term in lowered:
                keep(concept, term)
        return {cid: term for cid, (_, term) in found.items()}


class Index:
    """A BM25 index over documents with their concepts and inverted lists of classes."""

    def __init__(
        self,
        documents: Sequence[Document],
        *,
        lang: str = "zh",
        weights: Weights = WEIGHTS,
        thesaurus: Thesaurus | None = None,
        fuzzy: FuzzySettings | None = FUZZY,
    ) -> None:
        self.documents = list(documents)
        self.lang = lang
        self.weights = weights
        self.thesaurus = thesaurus or load_thesaurus()
        self.fuzzy = fuzzy if lang == "zh" else None
        self._reader = FuzzyReader(self.thesaurus, fuzzy) if self.fuzzy else None
        self._tokenize = tokenizer(lang)
        self._tagger = _ConceptTagger(self.thesaurus, lang, self._tokenize)
        self._bm25 = bm25s.BM25()
        corpus = []
        concept_docs: dict[str, list[int]] = defaultdict(list)
        # Each document's distinct words, as ids into one vocabulary (small beside the words
        # themselves): explaining a match reads them instead of segmenting the text again.
        vocabulary: dict[str, int] = {}
        self._word_ids: list[np.ndarray] = []
        titles: dict[str, list[int]] = defaultdict(list)
        for i, doc in enumerate(self.documents):
            title = self._tokenize(doc.title)
            for word in set(title):
                titles[word].append(i)
            words = title * TITLE_WEIGHT + self._tokenize(doc.text)
            corpus.append(words or ["\u2205"])
            distinct = set(words)
            self._word_ids.append(np.asarray(
                sorted(vocabulary.setdefault(w, len(vocabulary)) for w in distinct), dtype=np.int32
            ))  # fmt: skip
            lowered = f"{doc.title} {doc.text}".lower()
            for cid in self._tagger.answered(distinct, lowered):
                concept_docs[cid].append(i)
        self._words = list(vocabulary)  # id -> word (a dict keeps its insertion order)
        # Inverted lists of the words of each title (the share of a query in the title).
        self._title_postings = {w: np.asarray(ids, dtype=np.int64) for w, ids in titles.items()}
        self._classes: _DocClasses | None = None
        if weights.ipc_inferred or weights.ipc_doc or weights.ipc_qexp:
            self._doc_classes()  # at build, not in the first search
        if corpus:
            self._bm25.index(corpus, show_progress=False)
        n = max(len(self.documents), 1)
        self._idf = _idf(corpus, n)
        self._concept_docs = {c: np.asarray(ids, dtype=np.int64) for c, ids in concept_docs.items()}
        self._concept_idf = {c: math.log(1 + n / len(ids)) for c, ids in concept_docs.items()}
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

    def _doc_classes(self) -> _DocClasses | None:
        """Each document's IPC main groups in the title table, with a BM25 over their titles'
        words (Chinese only: the title table is Chinese); built at build when the weights use
        them, else on first use (Index.signals, for fitting)."""
        if self.lang != "zh" or not self.documents:
            return None
        if self._classes is None:
            space = _class_space()
            keys_of = lru_cache(maxsize=None)(ipc_titles.load().keys_of)
            doc_ids: list[int] = []
            class_ids: list[int] = []
            corpus = []
            for i, doc in enumerate(self.documents):
                # Main groups only: a lab's near-duplicates share their subclass.
                keys = dict.fromkeys(k for c in doc.ipc_codes for k in keys_of(c) if "/" in k)
                ids = [space.position[k] for k in keys]
                doc_ids += [i] * len(ids)
                class_ids += ids
                corpus.append([w for j in ids for w in space.words[j]] or ["\u2205"])
            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
            self._classes = _DocClasses(
                np.asarray(doc_ids, dtype=np.int64), np.asarray(class_ids, dtype=np.int64), bm25
            )
        return self._classes

    def _title_coverage(self, query: list[str], n: int) -> np.ndarray:
        """The share of the query's weight (IDF) whose words are in a document's title."""
        out = np.zeros(n)
        total = sum(self._idf.get(w, 0.0) for w in query)
        if total <= 0:
            return out
        for w in query:
            ids = self._title_postings.get(w)
            if ids is not None:
                out[ids] += self._idf.get(w, 0.0) / total
        return out

    def _class_signals(
        self, words: list[str], query: list[str], n: int, pointed_out: list[np.ndarray]
    ) -> dict[str, np.ndarray]:
        """ipc_inferred: how well the classes of a document match the classes the words point
        to (BM25 over the class titles, the best of its classes); ipc_doc: BM25 of the words
        over the titles of each document's classes; ipc_qexp: BM25 over the documents of the
        title words of the classes the words point to most. How much the words point to each
        class is appended to pointed_out (for the explanation)."""
        zero = {k: np.zeros(n) for k in ("ipc_inferred", "ipc_doc", "ipc_qexp")}
        classes = self._doc_classes()
        if classes is None or not words:
            return zero
        space = _class_space()
        pointed = _scaled(np.asarray(space.bm25.get_scores(words), dtype=np.float64))
        pointed_out.append(pointed)
        inferred = np.zeros(n)
        if classes.class_ids.size:
            np.maximum.at(inferred, classes.doc_ids, pointed[classes.class_ids])
        top = [int(i) for i in np.argsort(-pointed, kind="stable")[:QEXP_CLASSES] if pointed[i] > 0]
        extra = list(dict.fromkeys(w for j in top for w in space.words[j] if w not in query))
        return {
            "ipc_inferred": inferred,
            "ipc_doc": _scaled(np.asarray(classes.bm25.get_scores(words), dtype=np.float64)),
            "ipc_qexp": self._bm25_scaled(extra, n),
        }

    def _class_title(self, i: int, pointed: np.ndarray | None) -> str | None:
        """'B23K9/00 电弧焊接或电弧切割': the main group of document i the demand's words point
        to most, if they point to it at least half as much as to the best class of all."""
        classes = self._classes
        if pointed is None or classes is None:
            return None
        lo, hi = np.searchsorted(classes.doc_ids, [i, i + 1])
        ids = classes.class_ids[lo:hi]
        if not ids.size:
            return None
        best = int(ids[np.argmax(pointed[ids])])
        if pointed[best] < CLASS_TITLE_SHOWN:
            return None
        code = _class_space().codes[best]
        return f"{code} {ipc_titles.load().words(code)}"

    def _hits(self, kind: str, codes: Iterable[str], n: int) -> np.ndarray:
        hit = np.zeros(n, dtype=bool)
        for code in set(codes):
            ids = self._postings[kind].get(code)
            if ids is not None:
                hit[ids] = True
        return hit

    def _bm25_scaled(self, query: list[str], n: int) -> np.ndarray:
        if not query:
            return np.zeros(n)
        return _scaled(np.asarray(self._bm25.get_scores(query), dtype=np.float64))

    def _bm25_full_match(self, query: list[str], n: int) -> np.ndarray:
        """BM25 of the query over the most any text could score for it (its words' IDF summed)."""
        if not query:
            return np.zeros(n)
        raw = np.asarray(self._bm25.get_scores(query), dtype=np.float64)
        full = sum(self._idf.get(t, 0.0) for t in query)
        scale = max(float(raw.max()), full)
        return raw / scale if scale > 0 else np.zeros(n)

    def _read(
        self, text: str, thesaurus: Thesaurus | None = None
    ) -> tuple[list[str], list[Stated]]:
        """A query's own words, and the needs it states that some document answers: in its
        own words (confidence 1), then those read fuzzily (FuzzyReader), less confident.
        `thesaurus` replaces the index's for the reading (the evaluation's ablation)."""
        query = list(dict.fromkeys(self._tokenize(text)))
        thesaurus = thesaurus or self.thesaurus
        stated = [s for s in thesaurus.stated(text, self.lang)
                  if s.concept.id in self._concept_docs]  # fmt: skip
        if self.fuzzy:
            reader = self._reader if thesaurus is self.thesaurus else None
            reader = reader or FuzzyReader(thesaurus, self.fuzzy)
            known = {s.concept.id for s in stated}
            stated += [s for s in reader.read(text, known) if s.concept.id in self._concept_docs]
        return query, stated

    def signals(
        self, text: str, *, ipc_codes: Sequence[str] = (), industry_code: str | None = None
    ) -> dict[str, np.ndarray]:
        """Each signal of every document for a query, scaled to 0..1 (for scoring and fitting)."""
        query, stated = self._read(text)
        return self._signals(query, stated, ipc_codes, industry_code, everything=True)

    def _signals(
        self,
        query: list[str],
        stated: list[Stated],
        ipc_codes: Sequence[str],
        industry_code: str | None,
        *,
        everything: bool = False,
        pointed_out: list[np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """The signals; those the weights give nothing are left out unless `everything`."""
        n = len(self.documents)
        expansion = self._expansion([s for s in stated if s.confidence >= 1.0], query)
        read = self._expansion([s for s in stated if s.confidence < 1.0], query, expansion)
        concept = np.zeros(n)
        # Each need counts by its rarity and the confidence of its reading; the whole is scaled
        # by the most confident reading, so that needs read only fuzzily count for less.
        total = sum(self._concept_idf[s.concept.id] * s.confidence for s in stated)
        most = max((s.confidence for s in stated), default=0.0)
        for s in stated:
            share = self._concept_idf[s.concept.id] * s.confidence / total
            concept[self._concept_docs[s.concept.id]] += share * most
        parsed = [ipc.parse(c) for c in ipc_codes]
        subclass = self._hits("subclass", {p.subclass_code for p in parsed}, n)
        klass = self._hits("class", {p.class_code for p in parsed}, n) & ~subclass
        division = self._hits("division", [d] if (d := _division(industry_code)) else [], n)
        section = self._hits("section", [industry_code[0]] if industry_code else [], n)
        said = self._bm25_scaled(expansion, n)
        if read and self.fuzzy and self.fuzzy.expansion:
            # The needs read fuzzily expand the query too, weighing `fuzzy.expansion` beside
            # those said outright (alone, they weigh that much of a full expansion).
            share = self.fuzzy.expansion
            fuzzily = self._bm25_scaled(read, n)
            said = (said + share * fuzzily) / (1 + share) if expansion else share * fuzzily
        out = {
            "text": self._bm25_full_match(query, n),
            "concept": concept,
            "expansion": said,
            "ipc_subclass": subclass.astype(np.float64),
            "ipc_class": klass.astype(np.float64),
            "industry_division": division.astype(np.float64),
            "industry_section": (section & ~division).astype(np.float64),
        }
        w = self.weights
        if everything or w.title:
            out["title"] = self._title_coverage(query, n)
        if everything or w.ipc_inferred or w.ipc_doc or w.ipc_qexp:
            sink = pointed_out if pointed_out is not None else []
            out.update(self._class_signals(query + expansion + read, query, n, sink))
        if everything or w.prf:
            out["prf"] = self._feedback(out, query + expansion + read, n)
        return out

    def _expansion(
        self, stated: list[Stated], query: list[str], taken: Sequence[str] = ()
    ) -> list[str]:
        """The result-side words of the needs, without the query's and those already taken."""
        return list(dict.fromkeys(
            t for s in stated for term in s.concept.means_in(self.lang)
            for t in self._tokenize(term) if t not in query and t not in taken
        ))  # fmt: skip

    def _feedback(self, signals: dict[str, np.ndarray], query: list[str], n: int) -> np.ndarray:
        """Pseudo-relevance feedback: BM25 of the words that weigh most (summed IDF) in the
        best documents of a first pass (FIRST_PASS weights, whatever the fitted ones are), the
        words of the query and its expansion left out."""
        first = sum(getattr(FIRST_PASS, k) * v for k, v in signals.items() if k != "prf")
        assert isinstance(first, np.ndarray)
        take = min(PRF_DOCS, n)
        best = np.argpartition(-first, take - 1)[:take]
        best = best[first[best] > 0]
        weight: Counter[str] = Counter()
        asked = set(query)
        for i in sorted(best.tolist()):
            for j in self._word_ids[i]:
                word = self._words[j]
                if len(word) > 1 and word not in asked:
                    weight[word] += self._idf.get(word, 0.0)
        extra = [w for w, _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))[:PRF_TERMS]]
        return self._bm25_scaled(extra, n)

    def search(
        self,
        text: str,
        *,
        ipc_codes: Sequence[str] = (),
        industry_code: str | None = None,
        k: int = 5,
        exclude: Iterable[int] = (),
    ) -> list[Match]:
        """The k best documents for a query, best first, each with its needs and reasons."""
        n = len(self.documents)
        if n == 0:
            return []
        query, stated = self._read(text)
        pointed: list[np.ndarray] = []
        signals = self._signals(query, stated, ipc_codes, industry_code, pointed_out=pointed)
        scores = sum(getattr(self.weights, name) * value for name, value in signals.items())
        assert isinstance(scores, np.ndarray)
        if exclude:
            skip = set(exclude)
            scores[[i for i, d in enumerate(self.documents) if d.id in skip]] = 0.0
        take = min(k, n)
        # Ties go to the earlier listed result, the same on every run (as a full stable sort):
        # everything scoring at least the k-th best is taken, then sorted by (score, position).
        kth = -np.partition(-scores, take - 1)[take - 1]
        top = np.flatnonzero(scores >= kth) if kth > 0 else np.flatnonzero(scores > 0)
        top = top[np.lexsort((top, -scores[top]))][:take]
        return [
            self._explain(int(i), float(scores[i]), float(signals["text"][i]), query, stated,
                          ipc_codes, industry_code, pointed[0] if pointed else None)
            for i in top
            if scores[i] > 0
        ]  # fmt: skip

    def _explain(
        self,
        i: int,
        score: float,
        text_score: float,
        query: list[str],
        stated: list[Stated],
        ipc_codes: Sequence[str],
        industry_code: str | None,
        pointed: np.ndarray | None = None,
    ) -> Match:
        doc = self.documents[i]
        doc_words = {self._words[j] for j in self._word_ids[i]}
        answered = self._tagger.answered(doc_words, f"{doc.title} {doc.text}".lower())
        needs = tuple(
            Need(s.concept.id, s.concept.need_zh, s.concept.need_en, s.phrase,
                 answered[s.concept.id], s.read_as)
            for s in stated
            if s.concept.id in answered
        )  # fmt: skip
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
        if (title := self._class_title(i, pointed)) is not None:
            reasons.append(f"IPC大组标题相符 IPC main group title: {title}")
        zh, en = explain(needs, terms, bool(shared and shared.any), industry is not None)
        return Match(
            id=doc.id, title=doc.title, score=round(score, 4), text_score=round(text_score, 4),
            terms=terms, ipc_subclasses=shared.subclasses if shared else (),
            ipc_classes=shared.classes if shared else (), industry=industry,
            reasons=tuple(reasons), needs=needs, explanation_zh=zh, explanation_en=en,
        )  # fmt: skip


def explain(
    needs: Sequence[Need], terms: Sequence[str], same_field: bool, same_industry: bool
) -> tuple[str, str]:
    """A match in a manager's words, Chinese and English: the needs it answers and why."""
    if needs:
        zh = "；".join(
            f"您提到「{n.demand_phrase}」，"
            + (f"我们理解为「{n.read_as}」，" if n.read_as else "")
            + f"这是{n.need_zh}的问题；该成果针对「{n.result_term}」"
            for n in needs[:3]
        )
        en = "; ".join(
            f"you mention “{n.demand_phrase}”"
            + (f", which we read as “{n.read_as}”" if n.read_as else "")
            + f", a matter of {n.need_en}; this result addresses “{n.result_term}”"
            for n in needs[:3]
        )
        return zh + "。", en[0].upper() + en[1:] + "."
    if terms:
        shown = "、".join(terms[:5])
        zh = f"该成果与您的需求都讲到「{shown}」，但没有直接说明解决您所说的问题，请核实。"
        en = (
            f"The result and your demand both speak of “{', '.join(terms[:5])}”, but it does "
            "not say it solves the problem you describe: please check."
        )
        return zh, en
    field_zh = "同一技术领域" if same_field else "相近行业" if same_industry else "相关方向"
    field_en = "the same technical field" if same_field else "a related industry"
    return (
        f"该成果与您的需求属于{field_zh}，请核实是否适用。",
        f"The result belongs to {field_en} as your demand; please check whether it applies.",
    )
