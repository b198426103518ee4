"""A screening's output files are on disk before they take their names, all or none.

`engines.durable` syncs every staged file before the first rename, so a power loss after a
screening returns cannot leave a RESULTS file whose data never reached the disk, and a failed
sync replaces nothing. Checked on the calls themselves (os.fsync, os.replace) and through
the DuckDB engine, whose RESULTS file is synced while its counts are read back.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kechuang.engines.duckdb import screen
from kechuang.engines.durable import Sync, move_into_place
from kechuang.enterprises.generator import write_panel
from kechuang.screening.inputs import load_policies

YEAR = 2024


def _record(monkeypatch: pytest.MonkeyPatch, fail: str | None = None) -> list[tuple[str, str]]:
    """Record each fsync (by file name) and rename, in order; fail the fsync of `fail`."""
    calls: list[tuple[str, str]] = []
    fsync, replace = os.fsync, os.replace

    def recording_fsync(fd: int) -> None:
        name = Path(os.readlink(f"/proc/self/fd/{fd}")).name
        calls.append(("fsync", name))
        if name == fail:
            raise OSError(5, "Input/output error", name)
        fsync(fd)

    def recording_replace(src: str | Path, dst: str | Path) -> None:
        calls.append(("replace", Path(src).name))
        replace(src, dst)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(os, "replace", recording_replace)
    return calls


def test_every_file_is_synced_before_the_first_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "results.csv").write_text("new results\n")
    (tmp_path / "totals.csv").write_text("new totals\n")
    calls = _record(monkeypatch)
    early = Sync(tmp_path / "results.csv")

    move_into_place(
        [
            (tmp_path / "results.csv", tmp_path / "out.csv", early),
            (tmp_path / "totals.csv", tmp_path / "out.totals.csv", None),
        ]
    )

    assert sorted(calls[:2]) == [("fsync", "results.csv"), ("fsync", "totals.csv")]
    assert calls[2:] == [("replace", "results.csv"), ("replace", "totals.csv")]
    assert (tmp_path / "out.csv").read_text() == "new results\n"
    assert (tmp_path / "out.totals.csv").read_text() == "new totals\n"


def test_a_failed_sync_replaces_no_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, text in [("out.csv", "old"), ("out.totals.csv", "old totals")]:
        (tmp_path / name).write_text(text)
    (tmp_path / "results.csv").write_text("new results\n")
    (tmp_path / "totals.csv").write_text("new totals\n")
    calls = _record(monkeypatch, fail="totals.csv")

    with pytest.raises(OSError, match=r"totals\.csv"):
        move_into_place(
            [
                (tmp_path / "results.csv", tmp_path / "out.csv", Sync(tmp_path / "results.csv")),
                (tmp_path / "totals.csv", tmp_path / "out.totals.csv", None),
            ]
        )

    assert not [call for call in calls if call[0] == "replace"]
    assert (tmp_path / "out.csv").read_text() == "old"
    assert (tmp_path / "out.totals.csv").read_text() == "old totals"


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("panel") / "panel.parquet"
    write_panel(path, 200, list(range(2022, 2025)), seed=5)
    return path


def test_duckdb_screen_syncs_results_and_totals_before_renaming(
    panel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _record(monkeypatch)
    out = tmp_path / "r.csv"

    result = screen(panel, YEAR, load_policies(["all"], YEAR), out, totals=True)

    renames = [k for k, call in enumerate(calls) if call[0] == "replace"]
    synced = {name for kind, name in calls[: renames[0]] if kind == "fsync"}
    assert {"results.csv", "totals.csv"} <= synced
    assert result.totals is not None and result.totals.exists() and out.exists()


def test_duckdb_screen_whose_sync_fails_leaves_no_output(
    panel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(monkeypatch, fail="results.csv")
    out = tmp_path / "r.csv"

    with pytest.raises(OSError, match=r"results\.csv"):
        screen(panel, YEAR, load_policies(["all"], YEAR), out, totals=True)

    assert list(tmp_path.iterdir()) == []
