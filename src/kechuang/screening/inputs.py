"""The inputs of `screen` and `explain`, each checked whole before any work starts.

A `--policy` value is a pack id (the version in force for the year), `all` (the whole pack in
pack order), or a path to a policy YAML file. Loading every policy first means a policy that
fails to load never gives partial results.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kechuang.rules.errors import PolicyError
from kechuang.rules.policy import Policy, reference_date

if TYPE_CHECKING:
    from kechuang.rules.ir import Value

# Imported where used: `kechuang screen --help` and a cached pack need none of the loader,
# the store or DuckDB.


class InputError(ValueError):
    """A policy id, policy file or --set that cannot be used; the message says why."""


def _is_file(value: str) -> bool:
    return value.endswith((".yaml", ".yml")) or "/" in value


def load_policy_file(path: Path) -> Policy:
    from kechuang.policies.pack import read_policy_file
    from kechuang.rules.load import load_policy_text

    if not path.is_file():
        raise InputError(f"{path}: no such policy file")
    try:
        return load_policy_text(read_policy_file(path), str(path))
    except PolicyError as exc:
        raise InputError(str(exc)) from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


def load_policies(values: Sequence[str], year: int) -> list[Policy]:
    """The policies named on the command line, in pack order for `all`."""
    if not values:
        raise InputError("name at least one --policy (an id, a YAML file, or all)")
    files = [v for v in values if _is_file(v)]
    ids = [v for v in values if not _is_file(v)]
    policies: list[Policy] = [load_policy_file(Path(v)) for v in files]
    if ids:
        try:
            from kechuang.policies.cached import cli_pack

            pack = cli_pack()
            resolved = pack.resolve(ids, year)
        except (PolicyError, KeyError, LookupError, ValueError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            raise InputError(str(message)) from None
        policies = [*resolved, *policies]
    seen: set[str] = set()
    for p in policies:
        if p.id in seen:
            raise InputError(f"policy {p.id} is named twice")
        seen.add(p.id)
        if not p.in_force(reference_date(year)):
            raise InputError(f"policy {p.id} version {p.version} is not in force in {year}")
    return policies


def parse_sets(sets: Sequence[str], policies: Sequence[Policy]) -> dict[str, dict[str, Value]]:
    if not sets:
        return {}
    from kechuang.rules.overrides import OverrideError, parse_overrides

    try:
        return parse_overrides(sets, policies)
    except OverrideError as exc:
        raise InputError(str(exc)) from None


def read_history(
    data: Path, uscc: str, year: int, history_years: int
) -> dict[int, dict[str, object]]:
    """One enterprise's panel rows for the years a policy reads: {year: {column: value}}."""
    import duckdb

    from kechuang.domain.panel import BY_NAME
    from kechuang.engines.lookup import source_for
    from kechuang.engines.panel import PanelError, open_panel

    con = duckdb.connect()
    try:
        # Only the part of a large panel that can hold this code is read (engines.lookup).
        open_panel(con, data, check=False, source_sql=source_for(data, uscc))
        names = list(BY_NAME)
        rows = con.execute(
            "SELECT * FROM panel WHERE uscc = ? AND year BETWEEN ? AND ?",
            [uscc, year - history_years, year],
        ).fetchall()
    except duckdb.Error as exc:
        raise PanelError(f"{data}: {exc}") from None
    finally:
        con.close()
    history: dict[int, dict[str, object]] = {}
    for row in rows:
        record = dict(zip(names, row, strict=True))
        history[int(str(record["year"]))] = record
    if year not in history:
        raise InputError(f"{data}: enterprise {uscc} has no row for {year}")
    return history
