"""Fixtures of the cultivation tests (the stored world of tests/stats)."""

from tests.stats.world import world, world_env

__all__ = ["world", "world_env"]
