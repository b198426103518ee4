"""International Patent Classification (IPC) symbols: parse, normalise and compare. Pure.

A full symbol is section (A-H), class (2 digits), subclass (letter), main group (1-4 digits),
'/', subgroup (2-6 digits): 'G06F 16/33'. A subclass alone ('G06F') is accepted too, since a
demand often knows only the field. Overlap is judged at subclass level (same technology field)
and, more weakly, at class level.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kechuang.workflow.errors import Invalid

SECTIONS = "ABCDEFGH"
_SYMBOL = re.compile(r"^([A-H])(\d{2})([A-Z])(?:\s*(\d{1,4})\s*/\s*(\d{2,6}))?$")


class InvalidIpc(Invalid):
    """The text is not an IPC symbol."""


@dataclass(frozen=True, order=True)
class Ipc:
    section: str
    klass: str
    subclass: str
    group: str | None = None
    subgroup: str | None = None

    @property
    def class_code(self) -> str:
        return f"{self.section}{self.klass}"

    @property
    def subclass_code(self) -> str:
        return f"{self.section}{self.klass}{self.subclass}"

    def __str__(self) -> str:
        if self.group is None:
            return self.subclass_code
        return f"{self.subclass_code} {self.group}/{self.subgroup}"


def parse(text: str) -> Ipc:
    cleaned = text.strip().upper() if isinstance(text, str) else ""
    match = _SYMBOL.match(cleaned)
    if match is None:
        raise InvalidIpc(f"{text!r} is not an IPC symbol like 'G06F 16/33' or 'G06F'")
    section, klass, subclass, group, subgroup = match.groups()
    if klass == "00":
        raise InvalidIpc(f"{text!r}: class 00 does not exist")
    return Ipc(section, klass, subclass, str(int(group)) if group else None, subgroup)


def parse_list(text: str) -> list[Ipc]:
    """'G06F 16/33; A61B 6/03' (separated by ';', ',' or '，') -> parsed symbols, in order."""
    parts = [p for p in re.split(r"[;,，；]", text or "") if p.strip()]
    return [parse(p) for p in parts]


@dataclass(frozen=True)
class Overlap:
    """Shared subclasses (strong) and classes shared without a subclass (weak)."""

    subclasses: tuple[str, ...]
    classes: tuple[str, ...]

    @property
    def any(self) -> bool:
        return bool(self.subclasses or self.classes)


def overlap(a: Iterable[str], b: Iterable[str]) -> Overlap:
    """The IPC overlap of two lists of normalised symbols (str(Ipc))."""
    left = [parse(x) for x in a]
    right = [parse(x) for x in b]
    subclasses = sorted({x.subclass_code for x in left} & {x.subclass_code for x in right})
    classes = sorted(
        ({x.class_code for x in left} & {x.class_code for x in right}) - {s[:3] for s in subclasses}
    )
    return Overlap(tuple(subclasses), tuple(classes))
