"""The one map from a workflow refusal to an HTTP answer (status and problem `type`).

Features raise the kernel's refusals (kechuang.workflow.errors), never HTTP errors; this module
is the only place that decides what status each kind gets, for the API and the pages alike.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from kechuang.http.problems import problem_response
from kechuang.ledger.errors import LedgerError
from kechuang.workflow.errors import Conflict, Forbidden, Invalid, NotFound, Refusal

# Most specific first: IllegalTransition is a Conflict, so it is found by its own kind below.
STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (Invalid, 422),
    (Conflict, 409),
    (LedgerError, 409),
    (Refusal, 409),
)


def status_of(exc: Exception) -> int:
    for kind, status in STATUS:
        if isinstance(exc, kind):
            return status
    raise TypeError(f"{type(exc).__name__} is not a refusal")


def kind_of(exc: Exception) -> str:
    return exc.kind if isinstance(exc, Refusal) else "ledger-refused"


def refusal_response(request: Request, exc: Exception) -> Response:
    from kechuang.http.templating import language

    detail = exc.text(language(request)) if isinstance(exc, Refusal) else str(exc)
    errors = None
    if isinstance(exc, Invalid) and exc.field:
        errors = [{"loc": ["body", exc.field], "msg": detail, "type": "invalid"}]
    return problem_response(request, status_of(exc), detail, kind_of(exc), errors)


def install(app: FastAPI) -> None:
    """Answer every refusal a route lets through with its problem (or its error page)."""

    async def handler(request: Request, exc: Exception) -> Response:
        return refusal_response(request, exc)

    app.add_exception_handler(Refusal, handler)
    app.add_exception_handler(LedgerError, handler)
