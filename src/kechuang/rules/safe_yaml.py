"""The one YAML loader for everything Kechuang reads as YAML: safe tags, no aliases, bounded.

PyYAML's SafeLoader refuses arbitrary objects but still expands aliases (a "billion laughs"
document of a few hundred bytes names 10^9 strings) and composes nested collections by
recursion (100,000 nested lists end in a RecursionError). This loader refuses both while the
document is composed, before anything is built: an anchor (&name) or alias (*name) is an
error, as is nesting deeper than MAX_DEPTH or a text longer than MAX_CHARS. Each refusal is a
yaml.MarkedYAMLError with the line and column, so every caller that already reports YAML
errors (the policy loader, the product and indicator files) reports these the same way.
Policies, products, indicators and the cultivation ladder never need anchors: each value is
written where it applies.
"""

from __future__ import annotations

from typing import Any, cast

import yaml
from yaml.composer import ComposerError

MAX_DEPTH = 32  # levels of nodes: the top mapping is level 1, a leaf value counts as one
MAX_CHARS = 1 << 20  # a policy file is about 10 KB


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer refuses anchors, aliases and deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = cast(yaml.error.Mark | None, event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            raise ComposerError(None, None, f"aliases (*{event.anchor}) are not allowed", mark)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise ComposerError(
                None,
                None,
                f"anchors (&{anchor}) are not allowed: write each value where it applies",
                mark,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(
                    None,
                    None,
                    f"nested more than {MAX_DEPTH} levels deep",
                    mark,
                )
            node: yaml.Node | None = super().compose_node(parent, index)
            return node
        finally:
            self._depth -= 1


def _check_length(text: str) -> None:
    if len(text) > MAX_CHARS:
        line = text.count("\n", 0, MAX_CHARS)
        column = MAX_CHARS - (text.rfind("\n", 0, MAX_CHARS) + 1)
        mark = yaml.Mark("<text>", MAX_CHARS, line, column, None, None)  # type: ignore[arg-type]
        raise ComposerError(
            None, None, f"the document is longer than {MAX_CHARS:,} characters", mark
        )


def loader(text: str) -> yaml.SafeLoader:
    """A loader over text (for callers that compose nodes themselves); dispose() it after."""
    _check_length(text)
    return _Loader(text)


def load(text: str) -> Any:
    """The data of one YAML document, as yaml.safe_load, with the refusals above."""
    safe = loader(text)
    try:
        return safe.get_single_data()
    finally:
        safe.dispose()
