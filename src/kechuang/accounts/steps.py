"""The administration steps on accounts, declared once (API, admin page forms, CLI).

Creating an account, setting its password and unlocking it after failed logins are an admin's
steps. The services (accounts.service) write their own audit rows with the account's details, so
the declarations say `audit=False`. The very first admin of a new installation is created by
`kechuang accounts bootstrap-admin`, which refuses once any admin exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.accounts import service
from kechuang.accounts.tables import Account
from kechuang.domain.text import CleanLine
from kechuang.workflow.errors import NotFound
from kechuang.workflow.steps import (
    Actor,
    Context,
    Key,
    Label,
    NoInput,
    Step,
    StepInput,
    Subject,
    described,
)

ADMIN = ("admin",)
Role = Literal[
    "officer", "enterprise", "bank", "insurer", "guarantor", "tech_transfer", "inventor",
    "analyst", "admin",
]  # fmt: skip


class AccountIn(StepInput):
    username: CleanLine = Field(min_length=1, max_length=64, **described("Login name", "登录名"))
    role: Role = Field(**described("Role", "角色"))
    password: CleanLine = Field(
        min_length=1, max_length=256, **described("Password", "密码", secret=True)
    )
    display_name: CleanLine = Field("", max_length=200, **described("Display name", "显示名称"))
    uscc: CleanLine | None = Field(
        None,
        max_length=18,
        **described("USCC (enterprise accounts)", "统一社会信用代码（企业账号）"),
    )
    org: CleanLine | None = Field(
        None, max_length=64, **described("Organisation code (banks, offices)", "机构代码")
    )


class PasswordIn(StepInput):
    password: CleanLine = Field(
        min_length=1, max_length=256, **described("New password", "新密码", secret=True)
    )


class AccountCreated(BaseModel):
    id: int
    username: str
    role: str


class UnlockOut(BaseModel):
    username: str
    was_locked: bool


class PasswordSet(BaseModel):
    username: str


def _account(session: Session, actor: Actor, keys: Mapping[str, Any]) -> Account:
    name = str(keys["username"]).strip().lower()
    account = session.scalars(
        select(Account).where(func.lower(Account.username) == name)
    ).one_or_none()
    if account is None:
        raise NotFound(f"no account {keys['username']}", zh=f"没有账号 {keys['username']}")
    return account


ACCOUNTS = Subject("account", (), lambda s, a, k: None, api_path="/api/v1/accounts",
                   page_path="/admin/accounts", return_to="/admin/audit#accounts")  # fmt: skip
ACCOUNT = Subject(
    "account", (Key("username", str, "Login name"),), _account,
    api_path="/api/v1/accounts/{username}", page_path="/admin/accounts/{username}",
    ident=lambda a: str(a.id), return_to="/admin/audit#accounts",
)  # fmt: skip


def _create(ctx: Context, _: None, body: AccountIn) -> AccountCreated:
    account = service.create_account(
        ctx.session, body.username, body.password, body.role, display_name=body.display_name,
        uscc=body.uscc or None, org=body.org or None, actor=ctx.actor.name,
    )  # fmt: skip
    return AccountCreated(id=account.id, username=account.username, role=account.role)


def _set_password(ctx: Context, account: Account, body: PasswordIn) -> PasswordSet:
    service.set_password(ctx.session, account.username, body.password, actor=ctx.actor.name)
    return PasswordSet(username=account.username)


def _unlock(ctx: Context, account: Account, _: NoInput) -> UnlockOut:
    was = service.unlock(ctx.session, account.username, ctx.actor.name, ctx.actor.ip)
    return UnlockOut(username=account.username, was_locked=was)


STEPS: tuple[Step[Any, Any], ...] = (
    Step("account.create", subject=ACCOUNTS, roles=ADMIN, input=AccountIn, act=_create,
         output=AccountCreated, status_code=201, path="", audit=False, tags=("accounts",),
         summary="Create an account (admin); the password must pass the password rule.",
         label=Label("新建账号", "Create account")),
    Step("account.passwd", subject=ACCOUNT, roles=ADMIN, input=PasswordIn, act=_set_password,
         output=PasswordSet, path="/password", audit=False, tags=("accounts",),
         summary="Set an account's password (admin); its open sessions end.",
         label=Label("重设密码", "Set password")),
    Step("account.unlock", subject=ACCOUNT, roles=ADMIN, input=NoInput, act=_unlock,
         output=UnlockOut, audit=False, tags=("accounts",),
         summary="Unlock an account locked by failed logins (admin); audited.",
         label=Label("解锁", "Unlock")),
)  # fmt: skip
