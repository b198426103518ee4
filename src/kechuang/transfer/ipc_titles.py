"""The Chinese titles of the IPC scheme (subclasses and main groups), read from data/ipc_zh.tsv.

The table holds facts only, each IPC code with its official Chinese title (IPC 2026.01, CNIPA's
Chinese edition), taken from a public parsed copy named in the file's header and built by
bench/ipc_titles.py. The matcher uses it to say in words what a class is about: a demand's
words point to the classes whose titles share them, and a result's classes add their titles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from kechuang.transfer import ipc

LEVELS = ("subclass", "main_group")
# Cross-references ("（排水用的入E02B11/02）") and edition marks ("〔2,3,2014.01〕") are not
# what a class is about.
_ASIDE = re.compile(r"（[^（）]*）|\([^()]*\)|〔[^〔〕]*〕")


class IpcTitlesError(ValueError):
    """The title table is malformed; the message names the line."""


@dataclass(frozen=True)
class IpcTitles:
    """code -> Chinese title, with the source the table names."""

    titles: dict[str, str]
    source: str

    def __len__(self) -> int:
        return len(self.titles)

    def title(self, code: str) -> str | None:
        return self.titles.get(code)

    def keys_of(self, code: str) -> tuple[str, ...]:
        """The table's codes that describe an IPC symbol: its subclass and its main group."""
        p = ipc.parse(code)
        keys = [p.subclass_code]
        if p.group:
            keys.append(f"{p.subclass_code}{int(p.group)}/00")
        return tuple(k for k in keys if k in self.titles)

    def words(self, code: str) -> str:
        """A table code's title without cross-references and edition marks."""
        title = self.titles.get(code, "")
        while (stripped := _ASIDE.sub("", title)) != title:
            title = stripped
        return title


def parse(text: str) -> IpcTitles:
    """The table from its text: '#' header lines (one names the source), a column line, rows."""
    titles: dict[str, str] = {}
    source = ""
    columns_seen = False
    for n, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            if line.startswith("# Source:"):
                source = line.removeprefix("# Source:").strip()
            continue
        if not columns_seen:
            if line.split("\t") != ["code", "level", "title_zh"]:
                raise IpcTitlesError(f"line {n}: expected the columns code, level, title_zh")
            columns_seen = True
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise IpcTitlesError(f"line {n}: expected 3 tab-separated fields")
        code, level, title = parts
        if level not in LEVELS:
            raise IpcTitlesError(f"line {n}: level {level!r} is not one of {', '.join(LEVELS)}")
        parsed = ipc.parse(code)  # InvalidIpc names a bad code
        if (level == "subclass") != (parsed.group is None) or not title.strip():
            raise IpcTitlesError(f"line {n}: {code} is not a {level} with a title")
        if code in titles:
            raise IpcTitlesError(f"line {n}: {code} is listed twice")
        titles[code] = title.strip()
    if not source:
        raise IpcTitlesError("the table does not name its source ('# Source:' line)")
    return IpcTitles(titles, source)


@cache
def load() -> IpcTitles:
    """The shipped table (read once)."""
    data = resources.files("kechuang.transfer").joinpath("data", "ipc_zh.tsv")
    return parse(data.read_text(encoding="utf-8"))
