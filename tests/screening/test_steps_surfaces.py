"""One screening step taken from the API, a page form and the CLI: the same bounds, the same
audit rows, the same refusals (issue 19's drift, fixed by declaring each step once).

- `kechuang runs publish 1 --notice-days 500` is refused (exit 2) as the API and the form refuse
  it (422): one bound, 1 to 60 working days, and nothing is changed;
- the approve form's `confirm_days` comes from its input (the model's default shown in it);
- a CLI `start` and `publish` write the audit rows the API writes;
- a LedgerError is 409 on the API and the form, exit 2 on the CLI, and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.screening.people import PASSWORD, Today, enterprise_account
from tests.screening.population import eligible_usccs
from typer.testing import CliRunner

from kechuang.accounts.tables import AuditEntry
from kechuang.cli import app as cli_app
from kechuang.http import labels
from kechuang.ledger import AccountType, open_account
from kechuang.screening.tables import ScreeningRun
from kechuang.store.engine import make_sessionmaker
from kechuang.web.app import create_app

POLICY = "first-above-scale-reward"
REASON = "复核三种入口"
runner = CliRunner()


class Officer:
    """A signed-in officer's browser (API calls and form posts share its session)."""

    def __init__(self, app: Any, username: str) -> None:
        self.client = TestClient(app)
        response = self.client.post(
            "/api/v1/session", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 201, response.text
        self.csrf = str(response.json()["csrf_token"])

    def api(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(path, json=body, headers={"X-CSRF-Token": self.csrf})

    def form(self, path: str, fields: dict[str, str]) -> Any:
        data = {**fields, "csrf_token": self.csrf}
        return self.client.post(path, data=data, follow_redirects=False)

    def start(self) -> int:
        body = {"policy_id": POLICY, "year": 2024, "reason": REASON}
        response = self.api("/api/v1/runs", body)
        assert response.status_code == 202, response.text
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = self.client.get(f"/api/v1/jobs/{response.json()['id']}").json()
            if job["finished"]:
                assert job["error"] is None, job
                return int(job["run_id"])
            time.sleep(0.1)
        raise AssertionError("the run did not finish")


def cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(cli_app, ["runs", *args])
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def cli_start() -> int:
    shown = cli("start", "--policy", POLICY, "--year", "2024", "--by", "officer-li",
                "--reason", REASON)  # fmt: skip
    return int(shown.split("run ", 1)[1].split(":", 1)[0])


def audit_rows(engine: Engine, action: str) -> list[tuple[Any, ...]]:
    """(actor, action, subject type, before, after) of every row of `action`, oldest first."""
    with make_sessionmaker(engine)() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).all()
        return [(r.actor, r.action, r.subject_type, r.before, r.after) for r in rows]


def subjects(engine: Engine, action: str) -> list[str]:
    with make_sessionmaker(engine)() as session:
        return list(
            session.scalars(
                select(AuditEntry.subject_id)
                .where(AuditEntry.action == action)
                .order_by(AuditEntry.id)
            )
        )


def run_of(engine: Engine, run_id: int) -> ScreeningRun:
    with make_sessionmaker(engine)() as session:
        run = session.get(ScreeningRun, run_id)
        assert run is not None
        session.expunge(run)
        return run


@pytest.fixture
def app(engine: Engine, people: None) -> Any:
    return create_app(engine)


def test_start_and_publish_write_the_same_audit_rows_from_every_surface(
    engine: Engine, app: Any, today: Today
) -> None:
    li = Officer(app, "officer-li")
    by_api, by_cli = li.start(), cli_start()
    starts = audit_rows(engine, "run.start")
    assert len(starts) == 2 and starts[0] == starts[1]
    assert starts[0][0] == "officer-li" and starts[0][4]["reason"] == REASON
    by_form = cli_start()

    today.set("2025-03-03")
    api = li.api(f"/api/v1/runs/{by_api}/publish", {"notice_days": 3})
    assert api.status_code == 200, api.text
    form = li.form(f"/officer/runs/{by_form}/publish", {"notice_days": "3"})
    assert form.status_code == 303, form.text
    assert form.headers["location"].startswith(f"/officer/runs/{by_form}?done=run.publish")
    assert "notice_ends_on: 2025-03-06" in cli(
        "publish", str(by_cli), "--notice-days", "3", "--by", "OFFICER-LI"
    )
    rows = audit_rows(engine, "run.publish")
    assert len(rows) == 3 and rows[0] == rows[1] == rows[2]
    actor, _, kind, before, after = rows[0]
    assert (actor, kind, before) == ("officer-li", "run", {"state": "screened"})
    assert after == {"input": {"notice_days": 3}, "state": "published"}
    assert subjects(engine, "run.publish") == [str(by_api), str(by_form), str(by_cli)]
    for run_id in (by_api, by_form, by_cli):
        run = run_of(engine, run_id)
        assert (run.published_on, run.notice_ends_on) == (dt.date(2025, 3, 3), dt.date(2025, 3, 6))


@pytest.mark.parametrize("days", ["500", "61", "0", "-1"])
def test_a_notice_period_out_of_bounds_is_refused_on_every_surface(
    engine: Engine, app: Any, days: str
) -> None:
    li = Officer(app, "officer-li")
    run_id = li.start()
    api = li.api(f"/api/v1/runs/{run_id}/publish", {"notice_days": int(days)})
    assert api.status_code == 422 and "notice_days" in api.text
    form = li.form(f"/officer/runs/{run_id}/publish", {"notice_days": days})
    # the form's error page names the field as the page does, in the page's language
    named = (labels.lookup("field", "notice_days") or ("notice_days",))[0]
    assert form.status_code == 422 and f"{named}: " in form.text
    refused = cli("publish", str(run_id), "--notice-days", days, "--by", "officer-li", code=2)
    assert "--notice-days" in refused
    assert audit_rows(engine, "run.publish") == []
    assert run_of(engine, run_id).state == "screened"


def test_the_approve_form_takes_confirm_days_from_its_input(
    engine: Engine, app: Any, today: Today
) -> None:
    li, wang = Officer(app, "officer-li"), Officer(app, "officer-wang")
    runs = [li.start(), cli_start(), cli_start()]
    today.set("2025-03-03")
    for run_id in runs:
        cli("publish", str(run_id), "--notice-days", "3", "--by", "officer-li")
    today.set("2025-03-07")
    page = wang.client.get(f"/officer/runs/{runs[1]}").text
    # the form shows the model's default, and sends what the officer types instead
    assert 'name="confirm_days" value="10"' in page
    assert wang.form(f"/officer/runs/{runs[1]}/approve", {"confirm_days": "91"}).status_code == 422
    api = wang.api(f"/api/v1/runs/{runs[0]}/approve", {"confirm_days": 15})
    assert api.status_code == 200 and api.json()["confirm_by"] == "2025-03-28", api.text
    form = wang.form(f"/officer/runs/{runs[1]}/approve", {"confirm_days": "15"})
    assert form.status_code == 303, form.text
    assert "confirm_by: 2025-03-28" in cli(
        "approve", str(runs[2]), "--confirm-days", "15", "--by", "officer-wang"
    )
    for run_id in runs:
        run = run_of(engine, run_id)
        assert (run.confirm_days, run.confirm_by) == (15, dt.date(2025, 3, 28))
    rows = audit_rows(engine, "run.approve")
    # The same row apart from the state reached: the repeated runs hold no award (the once
    # scope is held by the first run's), so approving them settles them at once (closed).
    assert [(*row[:4], row[4]["input"]) for row in rows] == [
        ("officer-wang", "run.approve", "run", {"state": "published"}, {"confirm_days": 15})
    ] * 3
    assert [row[4]["state"] for row in rows] == ["approved", "closed", "closed"]


def test_a_ledger_refusal_is_409_on_the_api_and_exit_2_on_the_cli(
    engine: Engine, app: Any, today: Today
) -> None:
    li, wang = Officer(app, "officer-li"), Officer(app, "officer-wang")
    run_id = li.start()
    today.set("2025-03-03")
    assert li.api(f"/api/v1/runs/{run_id}/publish", {}).status_code == 200
    # The chart of accounts already holds the policy's expense account as an asset: the
    # ledger refuses to open it again as an expense (AccountConflict, a LedgerError).
    with make_sessionmaker(engine)() as session:
        open_account(session, f"expense:screening:{POLICY}", AccountType.ASSET)
        session.commit()
    today.set("2025-03-11")
    api = wang.api(f"/api/v1/runs/{run_id}/approve", {})
    assert api.status_code == 409, api.text
    assert api.json()["type"].endswith("/ledger-refused")
    form = wang.form(f"/officer/runs/{run_id}/approve", {})
    assert form.status_code == 409
    assert "refused" in cli("approve", str(run_id), "--by", "officer-wang", code=2)
    # nothing changed: still on notice, no approval audited, no award approved
    run = run_of(engine, run_id)
    assert (run.state, run.approved_by) == ("published", None)
    assert audit_rows(engine, "run.approve") == []


def test_objections_recorded_lodged_and_decided_from_each_surface(
    engine: Engine, app: Any, today: Today
) -> None:
    li, zhao = Officer(app, "officer-li"), Officer(app, "officer-zhao")
    run_id = li.start()
    first, second = eligible_usccs()[:2]
    today.set("2025-03-03")
    assert li.api(f"/api/v1/runs/{run_id}/publish", {}).status_code == 200
    today.set("2025-03-04")
    # an officer records a person's objection from the CLI, the enterprise lodges its own
    shown = cli("object", str(run_id), "--uscc", first, "--reason", "收入虚报", "--name", "张三",
                "--contact", "13800000000", "--by", "officer-li")  # fmt: skip
    recorded = int(shown.split("id: ", 1)[1].split(" ", 1)[0])
    own = TestClient(app)
    login = own.post(
        "/api/v1/session", json={"username": enterprise_account(second), "password": PASSWORD}
    )
    award = own.get(f"/api/v1/enterprises/{second}/awards").json()["items"][0]
    lodged = own.post(
        f"/api/v1/enterprises/{second}/awards/{award['id']}/objections",
        json={"reason": "金额有误"},
        headers={"X-CSRF-Token": login.json()["csrf_token"]},
    )
    assert lodged.status_code == 201, lodged.text
    # the run's page offers a decision on each open objection; its form returns to the page
    page = zhao.client.get(f"/officer/runs/{run_id}").text
    assert f'action="/officer/objections/{recorded}/decision"' in page
    form = zhao.form(
        f"/officer/objections/{recorded}/decision", {"decision": "upheld", "reason": "核实属实"}
    )
    assert form.status_code == 303, form.text
    back = zhao.client.get(form.headers["location"], follow_redirects=False)
    assert back.headers["location"].startswith(f"/officer/runs/{run_id}?done=objection.decide")
    api = zhao.api(
        f"/api/v1/objections/{lodged.json()['id']}/decision",
        {"decision": "upheld", "reason": "核实属实"},
    )
    assert api.status_code == 200, api.text
    rows = audit_rows(engine, "objection.decide")
    assert len(rows) == 2 and rows[0] == rows[1]
    assert rows[0][4] == {"input": {"decision": "upheld", "reason": "核实属实"}}
    assert [row[0] for row in audit_rows(engine, "objection.lodge")] == [enterprise_account(second)]
    assert audit_rows(engine, "run.object")[0][4]["input"]["uscc"] == first
    # the same decision twice is refused, on every surface, changing nothing
    again = zhao.api(f"/api/v1/objections/{recorded}/decision",
                     {"decision": "rejected", "reason": "r"})  # fmt: skip
    assert again.status_code == 409 and "already upheld" in again.text
    refused = cli("decide", str(recorded), "--decision", "rejected", "--reason", "r",
                  "--by", "officer-zhao", code=2)  # fmt: skip
    assert "already upheld" in refused
    assert len(audit_rows(engine, "objection.decide")) == 2
