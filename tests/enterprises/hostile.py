"""Builders of hostile input files and a runner that measures the real CLI on them.

Each builder writes a small file that would expand to gigabytes, nest without end or hold a
field longer than any reader should take; `run_cli` runs `kechuang` in a subprocess and
returns its exit code, output, wall time and the peak resident memory of that child alone
(os.wait4 gives the rusage of exactly the process it waits for).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from kechuang.domain.panel import COLUMNS

GB = 1 << 30
SECONDS = 20  # generous: each refusal takes a few seconds, most of it the interpreter starting
KECHUANG = Path(sys.executable).parent / "kechuang"

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_bytes: int

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


# A small parent for the measured command: Linux starts a child's ru_maxrss at its parent's
# size when it forks, so measuring straight from a pytest grown to a gigabyte would report the
# test runner, not the command. The launcher reports its child's peak on its own stderr line.
_LAUNCHER = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(process.pid, 0)
sys.stderr.write(f"\\n{MARK}{usage.ru_maxrss * 1024}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""
MARK = "__kechuang_peak_bytes__="


def run_cli(*args: str, timeout: float = 120) -> Outcome:
    """`kechuang ARGS` in a subprocess (the environment of this test), measured."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
        launcher = _LAUNCHER.replace("{MARK}", MARK)
        process = subprocess.Popen(
            [sys.executable, "-c", launcher, str(KECHUANG), *args],
            stdout=out, stderr=err, env=env, start_new_session=True,
        )  # fmt: skip
        timer = threading.Timer(timeout, lambda: os.killpg(process.pid, signal.SIGKILL))
        timer.start()
        try:
            process.wait()
        finally:
            timer.cancel()
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stderr, found, peak = err.read().decode("utf-8", "replace").rpartition(f"\n{MARK}")
        assert found, f"the launcher did not report the peak:\n{peak}"
        return Outcome(
            process.returncode,
            out.read().decode("utf-8", "replace"),
            stderr,
            seconds,
            int(peak.strip()),
        )


# .xlsx built part by part, so that a test controls every byte openpyxl would read ------------


def _content_types(shared: bool) -> str:
    strings = (
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{TYPES}.sharedStrings+xml"/>'
        if shared
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{TYPES}.worksheet+xml"/>'
        f"{strings}</Types>"
    )


def _workbook_rels(shared: bool) -> str:
    strings = (
        f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
        if shared
        else ""
    )
    return (
        f'<Relationships xmlns="{PACKAGE}">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        f"{strings}</Relationships>"
    )


def cell(column: int, row: int, value: object) -> str:
    """One cell: text inline, a number as a value, a formula given as ('=', formula, cached)."""
    ref = f"{get_column_letter(column)}{row}"
    if value is None or value == "":
        return ""
    if isinstance(value, tuple):
        _, formula, cached = value
        return f'<c r="{ref}" t="str"><f>{escape(formula)}</f><v>{escape(cached)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, SharedString):
        return f'<c r="{ref}" t="s"><v>{value.index}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


@dataclass(frozen=True)
class SharedString:
    index: int


def sheet_xml(rows: Sequence[Sequence[object]]) -> str:
    body = "".join(
        f'<row r="{r}">' + "".join(cell(c, r, v) for c, v in enumerate(values, 1)) + "</row>"
        for r, values in enumerate(rows, 1)
    )
    return f'<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'


def panel_rows(
    rows: Iterable[Mapping[str, object]], columns: Sequence[str] = COLUMNS
) -> list[list[object]]:
    return [list(columns), *([row.get(name) for name in columns] for row in rows)]


def write_workbook(
    path: Path,
    sheet: str | Iterable[bytes],
    shared: Iterable[bytes] | None = None,
) -> Path:
    """An .xlsx of one sheet (XML text, or chunks streamed into the zip) and shared strings."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _content_types(shared is not None))
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            '<sheet name="panel" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(shared is not None))
        _write_part(archive, "xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            _write_part(archive, "xl/sharedStrings.xml", shared)
    return path


def _write_part(archive: zipfile.ZipFile, name: str, content: str | Iterable[bytes]) -> None:
    if isinstance(content, str):
        archive.writestr(name, content)
        return
    with archive.open(name, "w", force_zip64=True) as part:
        for chunk in content:
            part.write(chunk)


def repeated(prefix: str, byte: bytes, count: int, suffix: str) -> Iterator[bytes]:
    """prefix, `count` copies of one byte in 1 MiB chunks, suffix: a part that packs tiny."""
    yield prefix.encode()
    block = byte * (1 << 20)
    whole, rest = divmod(count, len(block))
    for _ in range(whole):
        yield block
    yield byte * rest
    yield suffix.encode()


def shared_strings(*texts: str | Iterable[bytes]) -> Iterator[bytes]:
    yield f'<sst xmlns="{MAIN}" count="{len(texts)}" uniqueCount="{len(texts)}">'.encode()
    for text in texts:
        if isinstance(text, str):
            yield f"<si><t>{escape(text)}</t></si>".encode()
        else:
            yield b"<si><t>"
            yield from text
            yield b"</t></si>"
    yield b"</sst>"
