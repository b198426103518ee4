"""Put an engine's staged output files in place only once they are on disk.

An engine writes RESULTS (and its totals) under a temporary name and renames them at the
end, so a failed run leaves nothing behind. A rename alone does not survive a power loss:
the new name can reach the disk before the file's data does. So each staged file is synced
(fsync) before its rename. The sync of the RESULTS file starts on its own thread as soon as
the file is complete and runs while the engine reads it back for its counts and totals: the
disk writes overlap that work, instead of being forced by the rename (ext4 flushes a file
renamed over an existing one then, on the caller's thread).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from kechuang.engines.common import totals_file


class Sync:
    """fsync of one complete file, running on a thread from construction to `wait()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name=f"sync {path.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            self._error = exc

    def wait(self) -> None:
        """Block until the file is on disk; raise the sync's error, if it failed."""
        self._thread.join()
        if self._error is not None:
            raise self._error


# (staged file, its target, the Sync started for it or None)
Move = tuple[Path, Path, Sync | None]


def move_into_place(moves: Sequence[Move]) -> None:
    """Rename each staged file to its target, in order, once every one is on disk.

    A move is (staged, target, its Sync if one was started, else None: synced here). All
    the files are synced before the first rename, so a failed sync leaves every target as
    it was."""
    syncs = [sync or Sync(staged) for staged, _, sync in moves]
    for sync in syncs:
        sync.wait()
    for staged, target, _ in moves:
        os.replace(staged, target)


def place_results(
    staged: Path, out: Path, synced: Sync | None, staged_totals: Path | None
) -> Path | None:
    """Move a screening's staged RESULTS file to `out` and, if it wrote one, its staged totals
    file beside it (`totals_file`), all or none (`move_into_place`); `synced` is the RESULTS
    file's Sync if the engine started one. Returns the totals file's path, or None."""
    moves: list[Move] = [(staged, out, synced)]
    totals_path = None
    if staged_totals is not None:
        totals_path = totals_file(out)
        moves.append((staged_totals, totals_path, None))
    move_into_place(moves)
    return totals_path
