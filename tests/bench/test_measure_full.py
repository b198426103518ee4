"""bench.scale.measure_full times a command to its exit, not to the next poll of its memory."""

from __future__ import annotations

import sys

from bench.scale import measure_full


def test_the_wall_time_is_not_rounded_up_to_the_memory_poll() -> None:
    # The poll period is 0.5 s: a loop that slept between polls reported at least that much.
    measured = measure_full("python", [sys.executable, "-c", "pass"])
    assert 0 < measured.seconds < 0.5
    assert measured.peak_mb > 0 and measured.extra["cpu_seconds"] >= 0
