"""Pickers: a step form's field that names an organisation, an enterprise or an account offers
the choices the caller may name, instead of a free-text code.

A step input's field says what it names with `json_schema_extra={"picker": KIND}`; a feature
registers, for each KIND, a function giving the (value, label) pairs this caller may choose
from (`register`). The form renderer (kechuang.http.steps) shows such a field as a list of
labels (a `select`), or, for a field marked `"picker_open": True`, as a text input with
suggestions (a `datalist`) where a value outside the list is still allowed (a counterparty
without an account). The service still checks what is posted: a picker is for reading, not
for access.

Built in: `org:ROLE` (or `org:ROLE+ROLE`), the organisations of the active accounts of those
roles (a caller of one of those roles sees only its own), labelled by the `org` labels.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.accounts.tables import Account
from kechuang.http.labels import label

Choices = list[tuple[str, str]]
Provider = Callable[[Session, Principal, str], Choices]

_PROVIDERS: dict[str, Provider] = {}


def register(kind: str, provider: Provider) -> None:
    """Say how to list the choices of fields marked `picker=kind` (value, label in `lang`)."""
    _PROVIDERS[kind] = provider


def known(kind: str) -> bool:
    return kind in _PROVIDERS or kind.startswith("org:")


def _orgs(session: Session, who: Principal, lang: str, roles: list[str]) -> Choices:
    if who.role in roles:
        codes = [who.org] if who.org else []
    else:
        codes = sorted(
            {
                str(code)
                for code in session.scalars(
                    select(Account.org).where(
                        Account.role.in_(roles),
                        Account.active.is_(True),
                        Account.org.is_not(None),
                    )
                )
            }
        )
    return [(code, label("org", code, lang)) for code in codes]


def choices(session: Session, who: Principal | None, kind: str, lang: str) -> Choices:
    """The (value, label) pairs `who` may pick for a field marked `picker=kind`."""
    if who is None:
        return []
    if kind.startswith("org:"):
        return _orgs(session, who, lang, kind.removeprefix("org:").split("+"))
    provider = _PROVIDERS.get(kind)
    if provider is None:
        raise KeyError(f"no picker {kind!r} is registered")
    return provider(session, who, lang)


def picker_choices(request: Request, who: Principal | None, kind: str, lang: str) -> Choices:
    """`choices` for a page being rendered (the template global the form macro calls)."""
    with request.app.state.sessionmaker() as session:
        return choices(session, who, kind, lang)
