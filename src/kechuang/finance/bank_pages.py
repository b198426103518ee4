"""The lending bank's pages: its queue of loans by state, each with the step buttons the loan's
state allows (approve or refuse, disburse, repay, default, claim, recover, close: the declared
steps of kechuang.finance.steps), and the repayment file import in the browser.

The import reuses finance.importer: the file (CSV or .xlsx) is checked whole and stored in one
transaction; if any row is bad, every bad row is named on the page (row, column, value, reason)
and nothing is stored. The bank's organisation is the importer's, never a column.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kechuang.accounts.service import Principal
from kechuang.finance import dating, importer
from kechuang.finance.errors import FinanceError
from kechuang.finance.tables import Loan
from kechuang.http.security import db, require
from kechuang.http.steps import today
from kechuang.http.templating import register_templates, render
from kechuang.workflow.errors import Invalid

router = APIRouter(include_in_schema=False)
register_templates("kechuang.finance")
Lender = require("bank")
# The queue's sections, in the order a loan moves through them.
QUEUE = ("applied", "approved", "overdue", "disbursed", "defaulted", "claimed", "compensated")
MAX_BYTES = 1_000_000  # under the app's 1 MiB body limit (kechuang.http.limits)


def queue(session: Session, org: str) -> dict[str, list[Loan]]:
    """The bank's own loans that need it, by state (newest first)."""
    rows = session.scalars(
        select(Loan).where(Loan.bank_org == org, Loan.state.in_(QUEUE)).order_by(Loan.id.desc())
    )
    by_state: dict[str, list[Loan]] = {state: [] for state in QUEUE}
    for row in rows:
        by_state[row.state].append(row)
    return by_state


def _org(who: Principal) -> str:
    if not who.org:
        raise Invalid("a bank account needs its organisation", zh="银行账号须有所属机构")
    return who.org


@router.get("/finance/queue")
def queue_page(
    request: Request, who: Principal = Depends(Lender), session: Session = Depends(db)
) -> Response:
    imported = request.query_params.get("imported")
    context: dict[str, Any] = {
        "queue": queue(session, _org(who)), "report": None,
        "imported": int(imported) if imported and imported.isdigit() else None,
    }  # fmt: skip
    return render(request, "finance/queue.html", context)


def _import(session: Session, content: bytes, suffix: str, who: Principal, on: Any) -> Any:
    with tempfile.TemporaryDirectory(prefix="kechuang-repayments-") as work:
        path = Path(work) / f"repayments{suffix}"
        path.write_bytes(content)
        try:
            report = importer.import_repayments(session, path, _org(who), who.username, on)
        except (importer.ImportFileError, FinanceError) as exc:
            session.rollback()
            raise Invalid(str(exc).replace(str(path), "file"), field="file") from None
    if not report.ok:
        session.rollback()
        return report
    dating.record_step(session, who.username, "finance.import_repayments", "file", "upload", on,
                       detail={"bank_org": who.org, "stored": report.stored})  # fmt: skip
    session.commit()
    return report


@router.post("/finance/repayments/import")
async def import_page(
    request: Request,
    file: UploadFile = File(),
    who: Principal = Depends(Lender),
    session: Session = Depends(db),
) -> Response:
    """Upload a repayment file: all rows stored, or none and each bad row named."""
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise Invalid("file: a repayment file is .csv or .xlsx", field="file",
                      zh="file：还款文件须为 .csv 或 .xlsx")  # fmt: skip
    content = await file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise Invalid(f"file: over {MAX_BYTES:,} bytes", field="file",
                      zh=f"file：文件超过 {MAX_BYTES:,} 字节")  # fmt: skip
    report = await run_in_threadpool(_import, session, content, suffix, who, today(request))
    if report.ok:
        return RedirectResponse(f"/finance/queue?imported={report.stored}", status_code=303)
    context = {"queue": queue(session, _org(who)), "report": report, "imported": None}
    return render(request, "finance/queue.html", context, status_code=422)
