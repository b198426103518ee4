"""The policy pack: every `*.yaml` policy shipped in this package, loaded and checked.

A pack maps policy ids to their versions; the version used for evaluation year Y is the one
in force on 31 December of Y. Loading is all or nothing: the first bad file raises its
PolicyError (with the file's path), so a broken policy never yields partial results.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kechuang.rules.errors import PolicyError
from kechuang.rules.policy import Policy, reference_date


class PackError(LookupError):
    """A policy id or year the pack cannot answer for."""


@dataclass(frozen=True)
class Pack:
    policies: tuple[Policy, ...] = field(default_factory=tuple)

    def ids(self) -> list[str]:
        """Every policy id, sorted."""
        return sorted({p.id for p in self.policies})

    def versions(self, policy_id: str) -> list[Policy]:
        """Every version of `policy_id`, oldest effective period first."""
        found = sorted(
            (p for p in self.policies if p.id == policy_id), key=lambda p: p.effective_from
        )
        if not found:
            raise PackError(f"unknown policy '{policy_id}' (known: {', '.join(self.ids())})")
        return found

    def get(self, policy_id: str, year: int) -> Policy:
        """The version of `policy_id` in force on 31 December of `year`."""
        day = reference_date(year)
        for policy in self.versions(policy_id):
            if policy.in_force(day):
                return policy
        periods = ", ".join(
            f"{p.version}: {p.effective_from}..{p.effective_to or ''}"
            for p in self.versions(policy_id)
        )
        raise PackError(f"policy '{policy_id}' has no version in force in {year} ({periods})")

    def resolve(self, ids: Sequence[str], year: int) -> list[Policy]:
        """The policies named by `ids` (or every policy in force, for ["all"]) for `year`."""
        if list(ids) == ["all"]:
            day = reference_date(year)
            return [p for pid in self.ids() for p in self.versions(pid) if p.in_force(day)]
        seen: list[str] = []
        for policy_id in ids:
            if policy_id not in seen:
                seen.append(policy_id)
        return [self.get(policy_id, year) for policy_id in seen]


def _check_overlaps(policies: Iterable[Policy]) -> None:
    by_id: dict[str, list[Policy]] = {}
    for policy in policies:
        by_id.setdefault(policy.id, []).append(policy)
    for versions in by_id.values():
        versions.sort(key=lambda p: p.effective_from)
        for before, after in itertools.pairwise(versions):
            end = before.effective_to or dt.date.max
            if before.version == after.version or end >= after.effective_from:
                raise PolicyError(
                    f"versions {before.version} ({before.source_file}) and {after.version} of "
                    f"'{after.id}' overlap or repeat: effective periods must not overlap",
                    after.source_file,
                    1,
                    1,
                )


def read_policy_file(path: Path) -> str:
    """A policy file's text, read no further than the loader accepts (rules.safe_yaml)."""
    from kechuang.rules import safe_yaml

    with path.open(encoding="utf-8") as handle:
        return handle.read(safe_yaml.MAX_CHARS + 1)


def load_files(paths: Iterable[Path]) -> Pack:
    """Load the given policy files into a pack (the first error is raised)."""
    from kechuang.rules.load import load_policy_text

    policies = [load_policy_text(read_policy_file(path), str(path)) for path in sorted(paths)]
    _check_overlaps(policies)
    return Pack(tuple(policies))


def load_pack(directory: Path | None = None) -> Pack:
    """Every `*.yaml` in `directory`, by default the policies shipped in this package."""
    if directory is not None:
        return load_files(directory.glob("*.yaml"))
    from importlib import resources

    from kechuang.rules.load import load_policy_text

    root = resources.files("kechuang.policies")
    policies = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml") and entry.is_file():
            path = Path(str(entry))
            policies.append(load_policy_text(entry.read_text(encoding="utf-8"), str(path)))
    _check_overlaps(policies)
    return Pack(tuple(policies))


# The shipped loader, to tell it from a replacement (policies.cached caches only the former).
SHIPPED_LOADER = load_pack
