"""A form save that keeps the rest of the draft's text: only the top-level keys it changed are
rewritten.

The form writes the whole document anew in the pack's layout (`authoring.to_yaml`), which alone
would drop every comment of the draft: the header that names the document and says why a figure
is illustrative, the note above a section. `splice` instead takes the stored text and replaces
the lines of each top-level key whose value changed with that key's lines from the new text.
Comments above a key and between keys stay where they were; comments inside a rewritten key's
lines go with it. A key the save adds is placed after the key that precedes it in the new text,
a key it removes is cut out.

The result must read back as exactly the new document, or the new text is used as it is: the
splice may keep a comment, never change a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from kechuang.rules import safe_yaml

# A top-level key starts a line at column 0 (`conditions:`, `id: x`); list items, comments and
# block-scalar lines never do (they are indented or start with `-` or `#`).
_TOP_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]|$)")


def _spans(lines: list[str]) -> dict[str, tuple[int, int]] | None:
    """Each top-level key's lines [start, end); the comments and blank lines just above the next
    key belong to that key. None when a key appears twice (nothing is spliced then)."""
    starts = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _TOP_KEY.match(line))]
    spans: dict[str, tuple[int, int]] = {}
    for n, (start, key) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        if key in spans:
            return None
        spans[key] = (start, end)
    return spans


def _load(text: str) -> Mapping[str, Any] | None:
    try:
        data = safe_yaml.load(text)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, Mapping) else None


def splice(old_text: str, new_text: str) -> str:
    """`old_text` with the top-level keys that `new_text` changes, adds or removes rewritten as
    `new_text` writes them; `new_text` itself when the two cannot be spliced safely."""
    old, new = _load(old_text), _load(new_text)
    if old is None or new is None:
        return new_text
    old_lines = old_text.splitlines(keepends=True)
    if old_lines and not old_lines[-1].endswith("\n"):
        old_lines[-1] += "\n"
    new_lines = new_text.splitlines(keepends=True)
    old_spans, new_spans = _spans(old_lines), _spans(new_lines)
    if (
        old_spans is None
        or new_spans is None
        or set(old_spans) != set(old)
        or set(new_spans) != set(new)
    ):
        return new_text
    edits: list[tuple[int, int, list[str]]] = []
    for key in old:
        start, end = old_spans[key]
        if key not in new:
            edits.append((start, end, []))
        elif old[key] != new[key]:
            edits.append((start, end, new_lines[slice(*new_spans[key])]))
    order = list(new)
    for index, key in enumerate(order):
        if key in old:
            continue
        before = next((k for k in reversed(order[:index]) if k in old), None)
        at = (
            old_spans[before][1]
            if before is not None
            else min((s for s, _ in old_spans.values()), default=len(old_lines))
        )
        edits.append((at, at, new_lines[slice(*new_spans[key])]))
    lines = list(old_lines)
    # Bottom up, so earlier spans keep their line numbers; of two keys added at one place, the
    # later is placed first, so that they end in the new text's order.
    ranked = sorted(enumerate(edits), key=lambda e: (e[1][0], e[1][1], e[0]), reverse=True)
    for _, (start, end, replacement) in ranked:
        lines[start:end] = replacement
    text = "".join(lines)
    return text if _load(text) == new else new_text
