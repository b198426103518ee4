"""The problem-to-solution thesaurus: how a demand states a need and how a result answers it.

An enterprise writes what it sees ("焊缝老有小孔眼，返工率太高"); a result writes what it does
("熔池气孔抑制"). Each concept of thesaurus.yaml links the two vocabularies for one need, in
Chinese and English. A demand *states* a concept when one of its `says` phrases occurs in its
text (or, at a lower confidence, in words close to one: fuzzy_needs.FuzzyReader); a result
*answers* it when one of its `means` terms occurs in its text. The matcher uses
the concepts to expand a demand and to explain a match ("which need, and why").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

import yaml

LANGUAGES = ("zh", "en")


class ThesaurusError(ValueError):
    """thesaurus.yaml is malformed; the message names the concept and the field."""


@dataclass(frozen=True)
class Concept:
    """One need: its name for people, and the words of the demand side and the result side."""

    id: str
    need_zh: str
    need_en: str
    says: tuple[str, ...]
    means: tuple[str, ...]
    says_en: tuple[str, ...]
    means_en: tuple[str, ...]

    def need(self, lang: str) -> str:
        return self.need_en if lang == "en" else self.need_zh

    def says_in(self, lang: str) -> tuple[str, ...]:
        return self.says_en if lang == "en" else self.says

    def means_in(self, lang: str) -> tuple[str, ...]:
        return self.means_en if lang == "en" else self.means


@dataclass(frozen=True)
class Stated:
    """A concept a demand states, with the phrase of the demand that states it.

    `confidence` is 1 when the demand says one of the concept's `says` phrases; a fuzzy
    reading (FuzzyReader: the demand's words are close to a phrase, not equal) carries less,
    and `read_as` names the thesaurus phrase the demand's words were read as."""

    concept: Concept
    phrase: str
    confidence: float = 1.0
    read_as: str = ""


def _terms(entry: dict[str, object], name: str, cid: str) -> tuple[str, ...]:
    value = entry.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ThesaurusError(f"concept {cid}: {name} must be a list of non-empty words")
    return tuple(dict.fromkeys(v.strip().lower() for v in value))


def parse(entries: object) -> tuple[Concept, ...]:
    """Concepts from the parsed YAML list; ThesaurusError names the first bad entry."""
    if not isinstance(entries, list):
        raise ThesaurusError("the thesaurus is a list of concepts")
    concepts: list[Concept] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise ThesaurusError(f"entry {n}: a concept needs an id")
        cid = entry["id"]
        if cid in seen:
            raise ThesaurusError(f"concept {cid}: the id is used twice")
        seen.add(cid)
        need, need_en = entry.get("need"), entry.get("need_en")
        if not (isinstance(need, str) and need.strip() and isinstance(need_en, str) and need_en):
            raise ThesaurusError(f"concept {cid}: need and need_en name the need in zh and en")
        concept = Concept(
            cid, need.strip(), need_en.strip(),
            _terms(entry, "says", cid), _terms(entry, "means", cid),
            _terms(entry, "says_en", cid), _terms(entry, "means_en", cid),
        )  # fmt: skip
        if not (concept.says and concept.means):
            raise ThesaurusError(f"concept {cid}: says and means may not be empty")
        concepts.append(concept)
    return tuple(concepts)


class Thesaurus:
    """The concepts, with a look-up of the needs a text states."""

    def __init__(self, concepts: tuple[Concept, ...]) -> None:
        self.concepts = concepts
        self.by_id = {c.id: c for c in concepts}

    def stated(self, text: str, lang: str = "zh") -> list[Stated]:
        """The concepts whose `says` phrases occur in text, each with the longest phrase that
        states it (in English the whole words of the text around it: 'bubbl' -> 'bubbles')."""
        text = text or ""
        lowered = text.lower()
        found = []
        for concept in self.concepts:
            hits = [p for p in concept.says_in(lang) if p in lowered]
            if hits:
                phrase = max(hits, key=len)
                if lang == "en":
                    span = re.search(rf"[\w'-]*{re.escape(phrase)}[\w'-]*", lowered)
                    phrase = text[span.start() : span.end()] if span else phrase
                found.append(Stated(concept, phrase))
        return found

    def without(self, phrases: Iterable[str]) -> Thesaurus:
        """The thesaurus without some `says` phrases (in either language); a concept left with
        none keeps no `says` (it can then be stated only by a fuzzy reading of its need).
        The evaluation's ablation: as if the thesaurus did not know a demand's own words."""
        drop = {p.lower() for p in phrases}
        return Thesaurus(tuple(
            replace(c, says=tuple(p for p in c.says if p not in drop),
                    says_en=tuple(p for p in c.says_en if p not in drop))
            for c in self.concepts
        ))  # fmt: skip

    def result_terms(self, lang: str = "zh") -> set[str]:
        """Every `means` term of a language (the words the segmenter must keep whole)."""
        return {t for c in self.concepts for t in c.means_in(lang)}


@cache
def load() -> Thesaurus:
    """The shipped thesaurus (read once)."""
    source = resources.files("kechuang.transfer").joinpath("thesaurus.yaml")
    return Thesaurus(parse(yaml.safe_load(source.read_text(encoding="utf-8"))))
