"""The ledger accounts of an institution's transformation income and its inventors' rewards.

Codes (one set per institution `org`):
  transfer:bank:<org>                      asset     the institution's receipts
  transfer:income:<org>                    income    licence, transfer, equity and profit income
  transfer:costs:<org>                     expense   costs deducted before distribution
  transfer:reward:<org>                    expense   the inventors' reward
  transfer:equity:<org>:<company uscc>     asset     shares held in a company (at valuation)
  transfer:payable:<org>:<inventor id>     liability cash owed to an inventor
  transfer:shares:<org>:<inventor id>      liability shares (at valuation) owed to an inventor
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kechuang.ledger import AccountType, OwnerKind, open_account


def _inst(session: Session, code: str, kind: AccountType, zh: str, en: str, org: str) -> str:
    open_account(
        session, code, kind, name_zh=zh, name_en=en, owner_kind=OwnerKind.INSTITUTION, owner_id=org
    )
    return code


def bank(session: Session, org: str) -> str:
    return _inst(
        session, f"transfer:bank:{org}", AccountType.ASSET, "成果转化收款", "Receipts", org
    )


def income(session: Session, org: str) -> str:
    return _inst(
        session,
        f"transfer:income:{org}",
        AccountType.INCOME,
        "成果转化收入",
        "Transfer income",
        org,
    )


def costs(session: Session, org: str) -> str:
    return _inst(
        session, f"transfer:costs:{org}", AccountType.EXPENSE, "转化成本", "Transfer costs", org
    )


def reward(session: Session, org: str) -> str:
    return _inst(
        session, f"transfer:reward:{org}", AccountType.EXPENSE, "完成人奖励", "Inventor reward", org
    )


def equity(session: Session, org: str, company_uscc: str) -> str:
    return _inst(
        session, f"transfer:equity:{org}:{company_uscc}", AccountType.ASSET,
        "作价投资股权", "Equity held", org,
    )  # fmt: skip


def inventor(session: Session, org: str, inventor_id: int, *, shares: bool = False) -> str:
    prefix = "shares" if shares else "payable"
    code = f"transfer:{prefix}:{org}:{inventor_id}"
    open_account(
        session, code, AccountType.LIABILITY,
        name_zh="应付完成人股权奖励" if shares else "应付完成人奖励",
        name_en="Shares owed to inventor" if shares else "Owed to inventor",
        owner_kind=OwnerKind.PERSON, owner_id=str(inventor_id),
    )  # fmt: skip
    return code
