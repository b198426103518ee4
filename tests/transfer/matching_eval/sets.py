"""The shapes of an evaluation set: results (the register) and demands (each with its answer)."""

from __future__ import annotations

from typing import NamedTuple


class Result(NamedTuple):
    """A research result as an institution lists it, in Chinese and in English."""

    key: str
    institution: str
    ipc: str
    industry: str
    title: str
    abstract: str
    title_en: str
    summary_en: str


class Demand(NamedTuple):
    """An enterprise's demand in its own words; `answer` is the key of the result that solves it.

    `text_en` is the same demand as an overseas enterprise would write it (empty where the set
    has none)."""

    answer: str
    industry: str
    ipc: str
    text: str
    text_en: str = ""
