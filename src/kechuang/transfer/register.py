"""The separate register of service inventions (单列管理): results, inventors, status, rules.

Results enter as `disclosed` with inventors whose contribution shares sum to 100%; a result's
status then follows ResultFlow. Each institution may set its distribution rule, which is
refused below the statutory minimums; without one, the statutory minimums apply.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.transfer import distribution, flows
from kechuang.transfer.access import Actor
from kechuang.transfer.drafts import ResultDraft
from kechuang.transfer.errors import NotFound, TransferError
from kechuang.transfer.tables import DistributionRule, Inventor, Result


def add_result(
    session: Session, institution: str, draft: ResultDraft, actor: str, *, listed: bool = True
) -> Result:
    """Put a validated draft into the institution's register (flushes, caller commits)."""
    if not institution or len(institution) > 64:
        raise TransferError(
            "a result belongs to an institution (organisation code)",
            zh="成果须属于一个单位（单位代码）",
        )
    if draft.application_number is not None:
        taken = session.scalar(
            select(Result.id).where(
                Result.institution == institution,
                Result.application_number == draft.application_number,
            )
        )
        if taken is not None:
            raise TransferError(
                f"application {draft.application_number} is already result {taken}",
                zh=f"申请号 {draft.application_number} 已登记为成果 {taken}",
            )
    result = Result(
        institution=institution, kind=draft.kind, title_zh=draft.title_zh,
        title_en=draft.title_en, abstract_zh=draft.abstract_zh, abstract_en=draft.abstract_en,
        keywords=draft.keywords,
        application_number=draft.application_number, ipc_codes=";".join(draft.ipc_codes),
        industry_code=draft.industry_code, status="disclosed", listed=listed,
        disclosed_on=draft.disclosed_on, created_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    session.add(result)
    session.flush()
    for inventor in draft.inventors:
        session.add(
            Inventor(
                result_id=result.id, name=inventor.name, share_bp=inventor.share_bp,
                main=inventor.main,
            )
        )  # fmt: skip
    flows.log(session, "result", result.id, "disclose", None, "disclosed", actor)
    session.flush()
    return result


def get_result(session: Session, who: Actor, result_id: int) -> Result:
    """The result if the caller's institution owns it (or the caller reads all), else NotFound."""
    result = session.get(Result, result_id)
    if result is None:
        raise NotFound(f"no result {result_id} here", zh=f"没有成果 {result_id}")
    who.see_institution(result.institution, f"result {result_id}")
    return result


def inventors_of(session: Session, result_id: int) -> list[Inventor]:
    return list(
        session.scalars(
            select(Inventor).where(Inventor.result_id == result_id).order_by(Inventor.id)
        )
    )


def list_results(
    session: Session, who: Actor, *, limit: int = 50, offset: int = 0, status: str | None = None
) -> tuple[int, list[Result]]:
    where = [who.institution_filter(Result.institution)]
    if status:
        where.append(Result.status == status)
    total = session.scalar(select(func.count()).select_from(Result).where(*where)) or 0
    rows = session.scalars(
        select(Result).where(*where).order_by(Result.id).limit(limit).offset(offset)
    )
    return total, list(rows)


def rule_of(session: Session, institution: str) -> distribution.Rule:
    """The institution's rule, or the statutory minimums when it has set none."""
    row = session.get(DistributionRule, institution)
    if row is None:
        return distribution.STATUTORY
    return distribution.Rule(
        licence_bp=row.licence_bp, transfer_bp=row.transfer_bp, equity_bp=row.equity_bp,
        operating_profit_bp=row.operating_profit_bp, main_contributors_bp=row.main_contributors_bp,
    )  # fmt: skip


def set_rule(session: Session, institution: str, rule: distribution.Rule) -> DistributionRule:
    """Set the institution's rule; BelowStatutoryMinimum if any share is under the law's."""
    rule.checked()
    row = session.get(DistributionRule, institution) or DistributionRule(institution=institution)
    row.licence_bp = rule.licence_bp
    row.transfer_bp = rule.transfer_bp
    row.equity_bp = rule.equity_bp
    row.operating_profit_bp = rule.operating_profit_bp
    row.main_contributors_bp = rule.main_contributors_bp
    row.updated_at = dt.datetime.now(dt.UTC)
    session.add(row)
    session.flush()
    return row


def link_inventor(
    session: Session, who: Actor, result_id: int, inventor_name: str, username: str
) -> Inventor:
    """Link the inventor named `inventor_name` on the result to the inventor account `username`
    (of the result's own institution): that account's page then shows this record's results and
    payouts. An account is one inventor record; linking it again elsewhere is refused."""
    from kechuang.accounts.tables import Account

    if not who.is_office:
        raise TransferError(
            "only the result's tech-transfer office links its inventors",
            zh="只有成果所属的技术转移机构可以关联成果完成人账户",
        )
    result = get_result(session, who, result_id)
    inventor = session.scalar(
        select(Inventor).where(Inventor.result_id == result.id, Inventor.name == inventor_name)
    )
    if inventor is None:
        raise TransferError(
            f"result {result_id} has no inventor named {inventor_name!r}",
            "inventor",
            zh=f"成果 {result_id} 没有名为“{inventor_name}”的完成人",
        )
    account = session.scalar(
        select(Account).where(func.lower(Account.username) == username.strip().lower())
    )
    if account is None or account.role != "inventor" or account.org != result.institution:
        # Another institution's accounts are not told apart from ones that do not exist.
        raise TransferError(
            f"no inventor account {username!r} of this institution",
            "account",
            zh=f"本机构没有成果完成人账户“{username}”",
        )
    taken = session.scalar(
        select(Inventor.id).where(Inventor.account_id == account.id, Inventor.id != inventor.id)
    )
    if taken is not None:
        raise TransferError(
            f"account {account.username!r} is already linked to another inventor record",
            "account",
            zh=f"账户“{account.username}”已关联另一条完成人记录",
        )
    inventor.account_id = account.id  # the step's audit row records who linked whom
    session.flush()
    return inventor
