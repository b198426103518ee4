"""The same steps from the command line: `kechuang applications <noun> <verb> KEY --by ACCOUNT`,
refusals exit 2 with the reason, and the queue lists what the API holds."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kechuang.cli import app as cli_app
from kechuang.workflow import clock
from tests.applications.conftest import World
from tests.applications.test_journey_api import apply_complete


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli_app, ["applications", *args])
    return result.exit_code, result.output


def test_steps_from_the_command_line(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", world.clock)  # the CLI's business day is the round's
    application_id = str(apply_complete(world))
    code, output = run("application", "submit", application_id, "--by", "ent_b")
    assert code == 2, output  # another enterprise: not found, nothing changes
    code, output = run("application", "submit", application_id, "--by", "ENT_A")
    assert code == 0, output
    code, output = run(
        "application", "return", application_id, "--reasons", "缺少审计报告", "--by", "officer1"
    )
    assert code == 0, output
    code, output = run(
        "application", "return", application_id, "--reasons", "再退一次", "--by", "officer1"
    )
    assert code == 2 and "已退回" in output
    code, output = run("list", "--state", "returned")
    assert code == 0 and f"-{int(application_id):06d}-1" in output
    detail = world.client("officer1").get(f"/api/v1/applications/{application_id}").json()
    assert detail["state"] == "returned" and detail["versions"] == [1]
