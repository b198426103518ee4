"""Fuzzy need reading: a demand states a need in words close to, not equal to, the thesaurus's.

The thesaurus (thesaurus.yaml) states a need when one of its `says` phrases occurs in a demand.
A demand worded otherwise ("焊缝上全是小眼" for 砂眼/针孔, "一撕就裂" for 开裂) states none, and
the concept signal, the strong one, stays silent. In Chinese a character carries meaning (孔 and
眼 are holes, 裂 is a crack, 臭 a smell), so this reader compares each clause of a demand with
each phrase character by character: the similarity is the share of the phrase's weight whose
characters the clause has, a character weighing by its rarity in jieba's dictionary (the
function characters 的, 有, 不 weigh next to nothing). A concept is read at the similarity of
its closest phrase when that reaches `min_similarity`; its confidence (`scale` x similarity)
scales the concept's weight in the matcher, and the explanation names the demand's words and
the phrase they were read as. A demand's own exact phrase still counts fully (Thesaurus.stated).
Chinese only: English words are matched by their stems already.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache

import jieba

from kechuang.transfer.thesaurus import Concept, Stated, Thesaurus

_CLAUSE = re.compile(r"[，。；：、！？,.;:!?\s（）()“”\"'《》\[\]【】/]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
SHOWN_SPAN = 6  # a longer span of the clause is shown as the two characters at its best one


@cache
def char_weights() -> dict[str, float]:
    """Each Chinese character's rarity: -log of its share of the frequency of jieba's dictionary
    words that contain it (shipped inside jieba; nothing is downloaded)."""
    counts: Counter[str] = Counter()
    with jieba.get_dict_file() as handle:
        for raw in handle:
            parts = raw.decode("utf-8").split()
            if len(parts) >= 2 and parts[1].isdigit():
                for ch in set(parts[0]):
                    if _HAN.match(ch):
                        counts[ch] += int(parts[1])
    total = sum(counts.values())
    return {ch: math.log(total / n) for ch, n in counts.items()}


@dataclass(frozen=True)
class FuzzySettings:
    """The reader's thresholds, chosen on the tuning sets with their own phrases removed
    (bench.matching_eval --ablate phrases)."""

    min_similarity: float = 0.2
    scale: float = 0.05
    min_char_weight: float = 6.5  # rarer than this, or a character is not read at all
    rare_char: float = 99.0  # one shared character is enough only if it is this rare
    top: int = 1
    # The shared characters must lie within the phrase's length plus this many characters of
    # the clause (塑…塑料 across a clause is not 废塑料).
    slack: int = 99
    with_needs: bool = True  # also read the need's own name (need_zh) as a phrase
    with_means: bool = False  # and its result-side terms (a demand may name the remedy's field)
    # How much the result terms of the needs read fuzzily expand the query, beside those of
    # the needs the demand says outright (which count 1).
    expansion: float = 0.25


class FuzzyReader:
    """Reads the concepts a Chinese text states in words close to their `says` phrases."""

    def __init__(self, thesaurus: Thesaurus, settings: FuzzySettings | None = None) -> None:
        self.settings = s = settings or FuzzySettings()
        weights = char_weights()
        # A character weighs by how much rarer it is than the floor: the common ones that pass
        # it (小, 水, 几) weigh little beside those that name a defect (孔, 裂, 垢).
        floor = s.min_char_weight - 1.0
        self._weight = {ch: w - floor for ch, w in weights.items() if w >= s.min_char_weight}
        self._rare = s.rare_char - floor
        self._phrases: list[tuple[Concept, str, dict[str, float], float]] = []
        self._by_char: dict[str, list[int]] = defaultdict(list)
        for concept in thesaurus.concepts:
            sources = [*concept.says, *([concept.need_zh] if s.with_needs else []),
                       *(concept.means if s.with_means else ())]  # fmt: skip
            for phrase in dict.fromkeys(sources):
                chars = {ch: self._weight.get(ch, 0.0) for ch in set(phrase) if _HAN.match(ch)}
                total = sum(chars.values())
                if len(chars) < 2 or total <= 0:
                    continue  # a one-character phrase is matched exactly or not at all
                for ch, w in chars.items():
                    if w > 0:
                        self._by_char[ch].append(len(self._phrases))
                self._phrases.append((concept, phrase, chars, total))

    def read(self, text: str, known: set[str] | frozenset[str] = frozenset()) -> list[Stated]:
        """The concepts (other than `known`) that text states fuzzily, most confident first."""
        best: dict[str, tuple[float, str, str]] = {}
        for clause in _CLAUSE.split(text or ""):
            present = {ch for ch in clause if ch in self._by_char}
            candidates = {i for ch in present for i in self._by_char[ch]}
            for i in sorted(candidates):
                concept, phrase, chars, total = self._phrases[i]
                if concept.id in known:
                    continue
                shared = [ch for ch in chars if ch in present]
                if len(shared) < 2 and chars[shared[0]] < self._rare:
                    continue  # one common shared character is a coincidence, not a reading
                at = [clause.index(ch) for ch in shared]
                if max(at) - min(at) + 1 > len(phrase) + self.settings.slack:
                    continue
                similarity = sum(chars[ch] for ch in shared) / total
                if similarity >= self.settings.min_similarity and (
                    concept.id not in best or similarity > best[concept.id][0]
                ):
                    best[concept.id] = (similarity, _span(clause, shared, chars, phrase), phrase)
        by_id = {c.id: c for c, *_ in self._phrases}
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[: self.settings.top]
        return [
            Stated(by_id[cid], shown, round(self.settings.scale * sim, 4), phrase)
            for cid, (sim, shown, phrase) in ranked
        ]


def _span(clause: str, shared: list[str], chars: dict[str, float], phrase: str) -> str:
    """The demand's words read as the phrase: the clause from its first shared character to its
    last, widened over the phrase's common characters next to them (裂 of 一压就裂开 read as
    开裂 shows 裂开), or, if that is long, the two characters at the weightiest shared one."""
    positions = [i for i, ch in enumerate(clause) if ch in shared]
    lo, hi = min(positions), max(positions) + 1
    while lo > 0 and clause[lo - 1] in phrase:
        lo -= 1
    while hi < len(clause) and clause[hi] in phrase:
        hi += 1
    if hi - lo <= SHOWN_SPAN:
        return clause[lo:hi]
    key = max(shared, key=lambda ch: (chars[ch], ch))
    at = clause.index(key)
    return clause[max(at - 1, 0) : at + 1] if at + 1 >= len(clause) else clause[at : at + 2]
