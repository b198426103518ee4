"""`kechuang policies seed | import | add-case | submit | approve | publish | export | history |
diff | check` on SQLite and PostgreSQL: the same life cycle as the API, refusals exiting 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kechuang.accounts.service import create_account
from kechuang.cli import app
from kechuang.policies import source
from kechuang.store.engine import make_engine, session_scope
from kechuang.store.migrate import upgrade
from tests.policies.workbench_helpers import CASES, DATA, REWARD

runner = CliRunner()


def kc(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["policies", *args])
    assert result.exit_code == code, result.output
    return result.output


def _accounts(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        for name in ("officer1", "officer2"):
            create_account(session, name, "pass-word-1", "officer")
        create_account(session, "admin1", "pass-word-1", "admin")
    engine.dispose()


def test_the_life_cycle_from_the_command_line(store_env: str, tmp_path: Path) -> None:
    _accounts(store_env)
    shipped = len(source.shipped().policies)
    assert f"{shipped} added" in kc("seed")
    assert f"0 added, {shipped} already stored" in kc("seed")

    created = kc("import", str(DATA / "city-growth-reward.yaml"), "--by", "officer1")
    assert "policy.draft: done" in created and "state: draft" in created
    vid = next(line.split(":")[1].strip() for line in created.splitlines()
               if line.strip().startswith("id:"))  # fmt: skip
    assert "refused" in kc("import", str(DATA / "city-growth-reward.yaml"), "--by", "admin1",
                           code=2)  # fmt: skip

    # A draft without golden cases passes the check; a failing case blocks the submission.
    kc("add-case", vid, "--name", "wrong", "--year", "2024", "--facts",
       json.dumps(CASES[1][1]), "--outcome", "eligible", "--by", "officer1")  # fmt: skip
    assert "FAIL wrong" in kc("check", vid, code=2)
    assert "cannot be submitted" in kc("submit", vid, "--by", "officer1", code=2)

    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(REWARD.replace("〔2024〕1号", "〔2024〕9号"), encoding="utf-8")
    other = kc("import", str(fixed), "--by", "officer1", code=2)
    assert "already has a version 2024.1" in other
    kc("withdraw", vid, "--reason", "golden case was wrong", "--by", "officer1")

    copy = kc("copy", vid, "--new-version", "2024.2", "--by", "officer1")
    cid = next(line.split(":")[1].strip() for line in copy.splitlines()
               if line.strip().startswith("id:"))  # fmt: skip
    assert "FAIL wrong" in kc("check", cid, code=2)  # the copy keeps the cases
    kc("withdraw", cid, "--reason", "the copy carries the wrong case", "--by", "officer1")
    clean = tmp_path / "clean.yaml"
    clean.write_text(REWARD.replace('version: "2024.1"', 'version: "2024.4"'), encoding="utf-8")
    made = kc("import", str(clean), "--by", "officer1")
    did = next(line.split(":")[1].strip() for line in made.splitlines()
               if line.strip().startswith("id:"))  # fmt: skip
    for name, facts, outcome, fen in CASES:
        extra = ["--benefit-yuan", f"{fen / 100:.2f}"] if fen is not None else []
        kc("add-case", did, "--name", name, "--year", "2024", "--facts", json.dumps(facts),
           "--outcome", outcome, *extra, "--by", "officer1")  # fmt: skip
    assert "city-growth-reward@2024.4: ok" in kc("check", did)
    kc("submit", did, "--by", "officer1")
    assert "four eyes" in kc("approve", did, "--by", "officer1", code=2)
    kc("approve", did, "--comment", "checked", "--by", "officer2")
    kc("publish", did, "--by", "officer2")
    assert "已发布" in kc("edit", did, "--source", REWARD, "--revision", "1", "--by", "officer1",
                         code=2)  # fmt: skip

    exported = tmp_path / "out.yaml"
    kc("export", "city-growth-reward@2024.4", "--out", str(exported))
    assert exported.read_text(encoding="utf-8") == clean.read_text(encoding="utf-8")
    history, _, thread = kc("history", did).partition("review:\n")
    assert [line.split()[3] for line in history.splitlines()] == [
        "create:", "submit:", "approve:", "publish:"
    ]  # fmt: skip
    assert "officer2 approve (revision 1): checked" in thread  # the approval's comment
    assert "+id: city-growth-reward" in kc("diff", did)  # nothing it replaces: all new
    listed = json.loads(kc("list", "--json"))
    assert {"city-growth-reward"} <= {p["id"] for p in listed}
    assert [p["version"] for p in listed if p["id"] == "city-growth-reward"] == ["2024.4"]
