"""Readable everywhere (issue 20): every page a demo account can reach by following links from
its landing page shows statuses, products, districts and industries by their labels, never as
the codes stored, in Chinese and in English.

The demo is the one `make run` seeds (tests.demo.test_demo_accounts' fixture: pillars, then
the demo accounts). Each account starts at its home page and follows the links of the pages it
is shown (a bounded walk: each page pattern twice at most). Only what a reader sees is checked:
the text of the page, not its attributes, hidden inputs, scripts or styles.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from kechuang.accounts.auth_pages import home_of
from kechuang.finance.products import load_products
from kechuang.http import labels
from kechuang.web.app import create_app
from tests.demo.test_demo_accounts import _login, demo  # noqa: F401 - the demo fixture

# Label tables whose codes are not shown to readers (field and step names, roles, which also
# appear in user names such as "admin").
NOT_CODES = {"field", "step", "role", "choice"}
# The audit log is the record of what was stored, verbatim (its before/after as JSON): a
# reader of it reads codes on purpose.
SKIP = re.compile(
    r"^/(api|static)/|^/admin/audit|/logout|/export|\.(csv|xlsx|pdf|json|parquet|zip)$"
)
MAX_PAGES = 60  # per account and language: the walk is bounded, each pattern visited twice
VISITS_PER_PATTERN = 2


class _Visible(HTMLParser):
    """The text a reader sees, and the links a reader can follow."""

    # Not read as labels: scripts and styles, and the code excerpts of a method's description
    # (an indicator's SQL names the stored codes it counts, as code).
    HIDDEN = frozenset({"script", "style", "template", "noscript", "pre", "code"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.text.append(data.strip())


def _codes() -> re.Pattern[str]:
    """The raw-code pattern, the same for Chinese and English pages.

    Codes spelled with `_` or `-` (equity_investment, icbc-sh, performance-loan) are never
    words, nor are district and industry codes: found anywhere. Status codes that are English
    words (approved, disclosed) are also words of the pages' English captions, so they are
    found where they are the whole text of an element (a table cell showing the state as
    stored); a label is capitalised ("Approved").
    """
    codes: set[str] = {product.id for product in load_products().values()}
    for kind in list(labels._TABLES):  # every registered label table
        if kind not in NOT_CODES:
            codes.update(c for c in labels.known(kind) if re.fullmatch(r"[a-z][a-z0-9_-]+", c))
    joined = [c for c in codes if "_" in c or "-" in c]
    words = [c for c in codes if c not in joined and len(c) > 3]
    district = r"31[0-9]{4}"
    industry = r"[A-T][0-9]{4}"
    never = "|".join(sorted(map(re.escape, joined), key=len, reverse=True))
    plain = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    edge_l, edge_r = r"(?<![A-Za-z0-9_-])", r"(?![A-Za-z0-9_-])"
    # Text nodes are joined with a tab, so `\t word \t` is an element's whole text.
    alone = rf"(?:(?<=\t)|^)({plain})(?=\t|$)"
    return re.compile(rf"{edge_l}({never}|{district}|{industry}){edge_r}|{alone}")


# The features registered their labels when kechuang.web.app was imported.
RAW = _codes()


def _pattern(path: str) -> str:
    return re.sub(r"/[0-9]+(?=/|$)|/91[0-9A-Z]{16}(?=/|$)", "/{id}", path)


def _walk(client: TestClient, headers: dict[str, str], start: str, lang: str) -> list[str]:
    """The pages reachable from `start` (followed links), each with its raw codes found."""
    seen: set[str] = set()
    per_pattern: dict[str, int] = {}
    queue = deque([start])
    found: list[str] = []
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        page = client.get(path, params={"lang": lang}, headers=headers)
        if "text/html" not in page.headers.get("content-type", ""):
            continue
        parser = _Visible()
        parser.feed(page.text)
        text = "\t".join(parser.text)
        found += [
            f"{_pattern(path)} [{page.status_code}] {m.group(0)}: "
            f"…{text[max(0, m.start() - 30) : m.end() + 10]!r}"
            for m in RAW.finditer(text)
        ]
        for href in parser.links:
            target = urlsplit(urljoin(path, href))
            if target.netloc or not target.path.startswith("/") or SKIP.search(target.path):
                continue
            pattern = _pattern(target.path)
            if target.path in seen or per_pattern.get(pattern, 0) >= VISITS_PER_PATTERN:
                continue
            per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
            queue.append(target.path)
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_shows_a_raw_status_district_product_or_industry_code(
    demo: Any,  # noqa: F811
    lang: str,
) -> None:
    engine, created = demo
    app = create_app(engine)
    found: list[str] = []
    walked = 0
    for username, account in sorted(created.items()):
        with TestClient(app) as client:
            headers = _login(client, username)
            pages = _walk(client, headers, home_of(account.role), lang)
            found += [f"{username} {line}" for line in pages]
            walked += 1
    assert walked >= 8  # every demo role was walked
    # One line per page pattern and code (the same code on many rows is one finding).
    distinct = {line.split(": …")[0]: line for line in found}
    assert not distinct, "\n".join(sorted(distinct.values())[:80])
