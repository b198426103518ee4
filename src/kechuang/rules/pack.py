"""Compile a whole pack of policies to ONE query: each fact read once, one GROUP BY.

`compile_pack(policies, year)` compiles every policy with the compiler of `rules.sql`, but all
of them into one set of column layers: the period aggregates of every policy are columns of the
same GROUP BY over the panel, the evaluation year's row is read once, and a definition, ratio
or sum that two policies compute alike (the same SQL) is one column, computed once per row.
The result is one row per enterprise holding every policy's outcome, score, benefit and unmet
conditions (`wide`); `pack_sql` turns it into the RESULTS rows (one per enterprise per
policy) in the dialect's own way of unpivoting a row: UNNEST of lists in DuckDB, a LATERAL
VALUES list in PostgreSQL, `stack` in Spark. The arithmetic and the exact semantics are the
compiler's, so the output is row for row that of `compile_policy` run policy by policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlglot.expressions as exp

from kechuang.rules import ir
from kechuang.rules.columns import DUPLICATE_KEY, RESULT_COLUMNS
from kechuang.rules.policy import Outcome, Policy
from kechuang.rules.sql import (
    _Compiler,
    _Layers,
    to_sql,
    with_ctes,
)

# The RESULTS columns each policy contributes, after uscc (the key) and year (the constant).
PER_POLICY = ("outcome", "score", "benefit_yuan", "unmet")
# With `check_keys`: an enterprise's rows and distinct years among the years read.
KEY_ROWS, KEY_YEARS = "kc_rows", "kc_years"


@dataclass(frozen=True)
class PackQuery:
    """One row per enterprise (`wide`) and, per policy, the wide column of each output."""

    wide: exp.Select
    year: int
    policy_ids: tuple[str, ...]
    columns: tuple[dict[str, str], ...]  # per policy: output column -> wide column
    status_names: tuple[str, ...]  # the `c_<condition>` columns, in order of first use
    checks_keys: bool = False  # `wide` has KEY_ROWS and KEY_YEARS (see compile_pack)

    @property
    def output_columns(self) -> list[str]:
        return [*RESULT_COLUMNS, *self.status_names]


def compile_pack(
    policies: Sequence[Policy],
    year: int,
    overrides: Mapping[str, Mapping[str, ir.Value]] | None = None,
    explain_columns: bool = False,
    bounds: Mapping[str, int] | None = None,
    yuan_as_fen: bool = False,
    check_keys: bool = False,
    single_scan: bool = True,
    join_years: bool = False,
) -> PackQuery:
    """The single query screening `policies` (in pack order) for `year`.

    `overrides` maps a policy id to its parameter overrides; `bounds` and `yuan_as_fen` are
    those of `compile_policy`. With `check_keys` the period GROUP BY also counts each
    enterprise's rows and (as a bit set, so at most 63 years back) its distinct years among
    the years read: the DuckDB query then fails with DUPLICATE_KEY and the enterprise's code
    where they differ, so duplicates that could change a result are refused in the same scan.
    With `join_years` (and not `check_keys`: the panel is known to hold one row per (uscc,
    year)) the years are joined side by side instead of grouped (`_Compiler.joined_years`).
    """
    if not policies:
        raise ValueError("a pack has at least one policy")
    overrides = overrides or {}
    layers = _Layers()
    base: dict[str, exp.Expression] = {}
    hist: dict[str, exp.Expression] = {}
    history = 0
    first: _Compiler | None = None
    columns: list[dict[str, str]] = []
    status_names: dict[str, None] = {}
    for i, policy in enumerate(policies):
        params = policy.parameter_values(year, dict(overrides.get(policy.id) or {}))
        compiler = _Compiler(policy, year, params)
        compiler.bounds = dict(bounds or {})
        compiler.yuan_as_fen = yuan_as_fen
        # Shared between the policies: the same fact or aggregate is one column.
        compiler.layers, compiler.base, compiler.hist = layers, base, hist
        compiler.suffix = f"_{i}"
        compiler.single_scan = single_scan
        compiler.join_years = join_years and single_scan and not check_keys
        outcome, results, statuses = compiler.results(explain_columns)
        history = max(history, compiler.history)
        mapping = {"outcome": _name(outcome)}
        for column in ("score", "benefit_yuan", "unmet"):
            mapping[column] = _name(results[column])
        for status, expression in statuses.items():
            mapping[status] = _name(expression)
            status_names.setdefault(status, None)
        columns.append(mapping)
        first = first or compiler
    assert first is not None
    first.history = history
    items = sorted({name for mapping in columns for name in mapping.values()})
    if check_keys:
        if history > 62:
            raise ValueError("the key check reads at most 63 years")
        back = exp.Sub(this=exp.Literal.number(year), expression=exp.column("year"))
        bit = exp.BitwiseLeftShift(
            this=exp.cast(exp.Literal.number(1), "BIGINT"), expression=exp.Paren(this=back)
        )
        hist[KEY_ROWS] = exp.Count(this=exp.Star())
        hist[KEY_YEARS] = exp.func("BIT_COUNT", exp.func("BIT_OR", bit))
        for name in (KEY_ROWS, KEY_YEARS):
            base[name] = exp.column(name, table="h")
            items.append(name)
    ctes, previous = first.layer_ctes()
    wide = with_ctes(exp.select(exp.column("uscc"), *items).from_(previous), ctes)
    ids = tuple(p.id for p in policies)
    return PackQuery(wide, year, ids, tuple(columns), tuple(status_names), check_keys)


def _name(column: exp.Expression) -> str:
    assert isinstance(column, exp.Column), column
    return str(column.name)


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _enum(values: Iterable[str]) -> str:
    return f"ENUM({', '.join(_text(v) for v in values)})"


def pack_sql(
    pack: PackQuery, dialect: str = "duckdb", unpivot: bool = True, materialize: bool = False
) -> str:
    """The RESULTS rows of the pack (uscc, policy_id, year, outcome, score, benefit_yuan,
    unmet, then the status columns) as one SQL query of `dialect`. Without `unpivot`
    (PostgreSQL only): one row per enterprise, uscc then each policy's outcome, score,
    benefit_yuan, unmet and status columns in pack order, for a client that unpivots.

    With `materialize` (DuckDB only), the first layer (the years read, one row per
    enterprise) is a MATERIALIZED CTE. DuckDB runs a pipeline on as many threads as its
    source has parts, and a Parquet scan's parts are its row groups: when the evaluation
    year is one row group, every layer above the scan, the unpivot and the Parquet writer
    run on one thread. A materialized CTE is a pipeline breaker whose scan is split by
    chunks, so the layers above it run on every thread, for the cost of holding that layer
    in memory (the caller asks for it only on a small panel)."""
    if materialize and dialect != "duckdb":
        raise ValueError("a materialized first layer is DuckDB's")
    wide_query = pack.wide
    copied = False
    if materialize:
        wide_query, copied = wide_query.copy(), True
        wide_query.args["with_"].expressions[0].set("materialized", True)
    if dialect == "postgres":
        # PostgreSQL pulls simple subqueries up into their parent and substitutes each column
        # reference with its expression, so a layer column read n times would be computed n
        # times (and planned as often). OFFSET 0 keeps each layer a computed-once subquery.
        wide_query, copied = wide_query.copy(), True
        for cte in wide_query.find_all(exp.CTE):
            cte.this.set("offset", exp.Offset(expression=exp.Literal.number(0)))
        _inline_single_use(wide_query)
        _narrow_layers(wide_query)
    wide = to_sql(wide_query, dialect, copy=not copied)
    year = int(pack.year)
    statuses = pack.status_names
    rows = []
    for policy_id, mapping in zip(pack.policy_ids, pack.columns, strict=True):
        values = [_text(policy_id)]
        values += [f"w.{mapping[c]}" for c in PER_POLICY]
        values += [f"w.{mapping[s]}" if s in mapping else "CAST(NULL AS VARCHAR)" for s in statuses]
        rows.append(values)
    names = ["policy_id", *PER_POLICY, *statuses]
    select = (
        f"SELECT w.uscc AS uscc, t.policy_id AS policy_id, CAST({year} AS INT) AS year, "
        + ", ".join(f"t.{c} AS {c}" for c in names[1:])
    )
    if dialect == "duckdb":
        # Zipped UNNESTs: one output row per list element, streamed from the wide row.
        # policy_id and outcome are ENUMs of their few values: the Parquet writer takes an
        # ENUM's codes as the column's dictionary, where it hashes every VARCHAR value to
        # build one (about 0.7 of 9 CPU seconds at 1M); readers see the same String column.
        # The list of ids is a constant (cast once); an outcome outside OUTCOMES would fail.
        enums = {
            "policy_id": _enum(dict.fromkeys(pack.policy_ids)),
            "outcome": _enum(o.value for o in Outcome),
        }
        lists = []
        for k, name in enumerate(names):
            items = [row[k] for row in rows]
            if name == "policy_id":
                listed = f"CAST([{', '.join(items)}] AS {enums[name]}[])"
            elif name == "outcome":
                listed = "[" + ", ".join(f"CAST({v} AS {enums[name]})" for v in items) + "]"
            else:
                listed = f"[{', '.join(items)}]"
            lists.append(f"UNNEST({listed}) AS {name}")
        uscc = "w.uscc"
        if pack.checks_keys:
            # Evaluated for every output row (uscc is written), so it cannot be pruned away.
            uscc = (
                f"CASE WHEN w.{KEY_ROWS} > w.{KEY_YEARS} "
                f"THEN error({_text(DUPLICATE_KEY)} || w.uscc) ELSE w.uscc END"
            )
        return (
            f"SELECT {uscc} AS uscc, {lists[0]}, CAST({year} AS INT) AS year, "
            f"{', '.join(lists[1:])} FROM ({wide}) AS w"
        )
    if pack.checks_keys:
        raise ValueError("the in-scan key check is DuckDB's (error())")
    if dialect in ("spark", "databricks"):
        flat = ", ".join(v.replace("VARCHAR", "STRING") for row in rows for v in row)
        return (
            f"{select} FROM ({wide}) AS w "
            f"LATERAL VIEW STACK({len(rows)}, {flat}) t AS {', '.join(names)}"
        )
    if not unpivot:
        if dialect != "postgres":
            raise ValueError("the one-row-per-enterprise form is PostgreSQL's")
        flat = ", ".join(
            f"{v} AS p{k}_{c}" for k, row in enumerate(rows) for c, v in enumerate(row[1:])
        )
        return f"SELECT w.uscc AS uscc, {flat} FROM ({wide}) AS w"
    tuples = ", ".join("(" + ", ".join(row) + ")" for row in rows)
    return (
        f"{select} FROM ({wide}) AS w CROSS JOIN LATERAL (VALUES {tuples}) AS t({', '.join(names)})"
    )


def _narrow_layers(wide: exp.Select) -> None:
    """Replace each layer's `*` by the columns of the layer below that are read above it,
    and drop the layer's own columns that nothing reads, in place. PostgreSQL evaluates a
    layer (a subquery kept by OFFSET 0) column by column, so every column passed up by `*`
    costs a step per row in every layer above, read or not."""
    ctes = [(cte.alias, cte.this) for cte in wide.args["with_"].expressions]
    outputs: dict[str, list[str]] = {}
    for name, query in ctes:
        names: list[str] = []
        for item in query.expressions:
            if isinstance(item, exp.Star):
                names += outputs[query.args["from_"].this.name]
            else:
                names.append(item.alias_or_name)
        outputs[name] = names
    body = wide.copy()
    body.set("with_", None)
    needed = {c.name for c in body.find_all(exp.Column)}
    for _name, query in reversed(ctes):
        items = query.expressions
        if not any(isinstance(item, exp.Star) for item in items):
            # l0 and hist list their columns: PostgreSQL itself drops those nothing reads
            # (only a column passed on by `*` counts as read).
            break
        own = [i for i in items if not isinstance(i, exp.Star) and i.alias_or_name in needed]
        computed = {i.alias_or_name for i in items if not isinstance(i, exp.Star)}
        below = outputs[query.args["from_"].this.name]
        passed = [c for c in below if c in needed and c not in computed]
        query.set("expressions", [exp.column(c) for c in passed] + own)
        needed = set(passed) | {c.name for i in own for c in i.find_all(exp.Column)}


def _inline_single_use(wide: exp.Select) -> None:
    """Substitute each layer column read exactly once (by a higher layer, not by the outer
    select) into the expression that reads it, and drop it from its layer, in place; then
    drop the layers left with no column of their own. Read once, it is computed once either
    way (PostgreSQL computes a column per row whether or not a CASE branch reads it; inlined
    it is computed only where that branch is taken), but it no longer costs a column of its
    layer and a pass through every layer in between."""
    ctes = wide.args["with_"].expressions
    layers = [c.this for c in ctes if any(isinstance(i, exp.Star) for i in c.this.expressions)]
    defined: dict[str, exp.Alias] = {}
    for query in layers:
        for item in query.expressions:
            if isinstance(item, exp.Alias):
                defined[item.alias] = item
    body = wide.copy()
    body.set("with_", None)
    outer = {c.name for c in body.find_all(exp.Column)}
    readers: dict[str, list[exp.Column]] = {}
    for query in layers:
        for column in query.find_all(exp.Column):
            if not column.table:
                readers.setdefault(column.name, []).append(column)
    # From the highest layer down: a column's expression may itself read single-use columns,
    # whose one reader then moves with it (the node is the same).
    for name in reversed(list(defined)):
        found = readers.get(name, [])
        if name in outer or len(found) != 1:
            continue
        item = defined[name]
        found[0].replace(exp.Paren(this=item.this))
        item.pop()
    # A layer left with only `*` passes its source on unchanged: read the source instead.
    kept = []
    renamed: dict[str, str] = {}
    for cte in ctes:
        source = cte.this.args["from_"].this
        if source.name in renamed:
            source.set("this", exp.to_identifier(renamed[source.name]))
        if all(isinstance(i, exp.Star) for i in cte.this.expressions):
            renamed[cte.alias] = source.name
        else:
            kept.append(cte)
    wide.args["with_"].set("expressions", kept)
    source = wide.args["from_"].this
    if source.name in renamed:
        source.set("this", exp.to_identifier(renamed[source.name]))
