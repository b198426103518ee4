"""Pickers: a step form's field that names an organisation offers the caller's allowed choices
by their labels (kechuang.http.pickers), and the form renderer shows such a field as a picker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("KECHUANG_PASSWORD_HASH", "fast")

import pytest
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal, create_account
from kechuang.http import pickers
from kechuang.http.steps import _form_field
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade


def _who(role: str, org: str | None = None) -> Principal:
    return Principal(1, "caller", "Caller", role, None, org)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'pickers.db'}")
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        for username, role, org in (
            ("bank1", "bank", "icbc-sh"), ("bank2", "bank", "boc-sh"),
            ("insurer1", "insurer", "picc-sh"), ("guarantor1", "guarantor", "sh-smb-guarantee"),
        ):  # fmt: skip
            create_account(session, username, "a-strong-pass-9", role, org=org)
        session.commit()
        yield session
    engine.dispose()


def test_an_officer_picks_among_every_bank_by_its_label(session: Session) -> None:
    choices = pickers.choices(session, _who("officer"), "org:bank", "zh")
    assert choices == [("boc-sh", "中国银行上海市分行"), ("icbc-sh", "工商银行上海市分行")]
    assert pickers.choices(session, _who("officer"), "org:bank", "en")[1] == (
        "icbc-sh", "ICBC Shanghai",
    )  # fmt: skip


def test_a_bank_may_only_name_itself(session: Session) -> None:
    assert pickers.choices(session, _who("bank", "icbc-sh"), "org:bank", "zh") == [
        ("icbc-sh", "工商银行上海市分行")
    ]


def test_two_roles_in_one_picker(session: Session) -> None:
    codes = [c for c, _ in pickers.choices(session, _who("bank"), "org:insurer+guarantor", "zh")]
    assert codes == ["picc-sh", "sh-smb-guarantee"]


def test_nobody_signed_in_has_no_choices_and_an_unknown_kind_is_an_error(
    session: Session,
) -> None:
    assert pickers.choices(session, None, "org:bank", "zh") == []
    with pytest.raises(KeyError, match="no picker"):
        pickers.choices(session, _who("officer"), "nothing-like-this", "zh")


class _LoanIn(BaseModel):
    bank_org: str = Field(description="Bank", json_schema_extra={"picker": "org:bank"})
    counterparty: str | None = Field(
        None, description="Counterparty", json_schema_extra={"picker": "enterprise",
                                                             "picker_open": True},
    )  # fmt: skip
    note: str = Field("", description="Note")


def test_a_field_marked_as_a_picker_is_rendered_as_one() -> None:
    bank = _form_field("bank_org", _LoanIn.model_fields["bank_org"], "zh")
    assert (bank.kind, bank.picker, bank.picker_open) == ("picker", "org:bank", False)
    open_ = _form_field("counterparty", _LoanIn.model_fields["counterparty"], "en")
    assert (open_.kind, open_.picker, open_.picker_open) == ("picker", "enterprise", True)
    assert _form_field("note", _LoanIn.model_fields["note"], "zh").kind == "text"


def test_the_finance_forms_name_banks_and_partners_through_pickers() -> None:
    from kechuang.finance.schemas import ApplicationIn, OverdueIn

    partner = _form_field("partner_org", ApplicationIn.model_fields["partner_org"], "zh")
    assert (partner.kind, partner.picker, partner.picker_open) == (
        "picker", "org:insurer+guarantor", True,
    )  # fmt: skip
    for model in (ApplicationIn, OverdueIn):
        bank = _form_field("bank_org", model.model_fields["bank_org"], "zh")
        assert (bank.kind, bank.picker, bank.required) == ("picker", "org:bank", False)
