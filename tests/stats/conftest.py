"""Fixtures of the stats tests (the stored world is shared with tests/cultivation)."""

from tests.stats.world import world, world_env

__all__ = ["world", "world_env"]
