"""JSON inside HTML: the one escaping helper every Jinja environment registers, and CSP hashes.

Chart data and other values reach the browser as JSON inside the page. Text in them comes from
imported files (a park named `P' onmouseover='…`), so `json_for_html` escapes every character
that could end the surrounding HTML context: `<`, `>`, `&` and `'` everywhere, `"` inside
strings, and the two JavaScript line separators, each as a `\\uXXXX` escape that JSON.parse reads
back unchanged. The result is safe as the content of a `<script type="application/json">` block
(the way pages carry chart data, read by static/charts.js), inside a single-quoted attribute
(htmx's hx-headers) and as element text. It is never safe inside a double-quoted attribute,
where the JSON's own quotes would end it; tests/web/test_htmlsafe.py checks the templates.

`register(env)` installs it as the `json` filter, and as `tojson` so that Jinja's own variant
(which leaves `"` and does not know this rule) cannot be picked by mistake; the environments of
web, stats (pages and the annual report) and transfer all call it.

`source_hash(text)` is the CSP source expression of an inline script or style: the annual
report file is self-contained (no server, no /static), so its inline script and style are
allowed by their hashes and nothing else runs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

import jinja2
from markupsafe import Markup

_ESCAPES = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "'": "\\u0027",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)
# json.dumps writes a quote inside a string as \" ; each backslash escape is a pair, so the
# pairs are read left to right (an escaped backslash before a closing quote is not a quote).
_ESCAPE_PAIR = re.compile(r"\\(.)", re.DOTALL)


def _quote(match: re.Match[str]) -> str:
    return "\\u0022" if match.group(1) == '"' else match.group(0)


def json_for_html(value: object) -> Markup:
    """`value` as JSON that no HTML parser reads as markup (see the module docstring)."""
    text = json.dumps(value, ensure_ascii=False)
    return Markup(_ESCAPE_PAIR.sub(_quote, text).translate(_ESCAPES))


def register(env: jinja2.Environment) -> None:
    """Make `json` (and `tojson`) in the templates of `env` the escaping helper above."""
    env.filters["json"] = json_for_html
    env.filters["tojson"] = json_for_html


def source_hash(text: str) -> str:
    """The CSP source expression ('sha256-…') that allows exactly this inline script or style."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
