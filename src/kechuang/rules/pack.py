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

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import sqlglot.expressions as exp

from kechuang.rules import ir
from kechuang.rules.columns import DUPLICATE_KEY, RESULT_COLUMNS, outcome_code
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
class PackSQL:
    """A pack's SQL: the statements to run first on the same connection (`setup`: DuckDB's
    ENUM type of the unmet ids, see `_enum_unmet`), then the query of the RESULTS rows.
    `unmet_terms`, per policy in pack order, for PostgreSQL's one row per enterprise: the
    texts of its unmet conditions in bit order where its unmet column is a mask of them (a
    client joins the texts of its bits by `;`, see `_mask_unmet`), None where it is text;
    empty where every unmet column is text. `hundredths`, per policy in the same form: its
    score and benefit_yuan columns sent as integer hundredths (`_hundredths_outputs`)."""

    query: str
    setup: tuple[str, ...] = ()
    unmet_terms: tuple[tuple[str, ...] | None, ...] = ()
    hundredths: tuple[tuple[str, ...], ...] = ()


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


# The DuckDB type of the outcome column (pack_sql's unpivot, _enum_outcomes).
_OUTCOME_ENUM = _enum(o.value for o in Outcome)


def pack_sql(
    pack: PackQuery, dialect: str = "duckdb", unpivot: bool = True, materialize: bool = False
) -> PackSQL:
    """The RESULTS rows of the pack (uscc, policy_id, year, outcome, score, benefit_yuan,
    unmet, then the status columns) as one SQL query of `dialect`. Without `unpivot`
    (PostgreSQL only): one row per enterprise, uscc then each policy's outcome, score,
    benefit_yuan, unmet and status columns in pack order, for a client that unpivots (an
    unmet column may be a mask, `unmet_terms`, an outcome its code, `_code_outcomes`, and a
    score or benefit its count of hundredths, `hundredths`).

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
    typed_outcomes: set[str] = set()
    setup: tuple[str, ...] = ()
    unmet_terms: tuple[tuple[str, ...] | None, ...] = ()
    hundredths: tuple[tuple[str, ...], ...] = ()
    if dialect == "duckdb":
        if not copied:
            wide_query, copied = wide_query.copy(), True
        outcome_names = {mapping["outcome"] for mapping in pack.columns}
        typed_outcomes = _enum_outcomes(wide_query, outcome_names)
        unmet_type = _enum_unmet(wide_query, {mapping["unmet"] for mapping in pack.columns})
        setup = () if unmet_type is None else (unmet_type,)
        _lookup_lists(wide_query)
    if dialect == "postgres":
        # PostgreSQL pulls simple subqueries up into their parent and substitutes each column
        # reference with its expression, so a layer column read n times would be computed n
        # times (and planned as often). OFFSET 0 keeps each layer a computed-once subquery.
        wide_query, copied = wide_query.copy(), True
        for cte in wide_query.find_all(exp.CTE):
            cte.this.set("offset", exp.Offset(expression=exp.Literal.number(0)))
        if not unpivot:
            unmet_terms = tuple(_mask_unmet(wide_query, m["unmet"]) for m in pack.columns)
            _code_outcomes(wide_query, {mapping["outcome"] for mapping in pack.columns})
            sent = _hundredths_outputs(
                wide_query, {m[c] for m in pack.columns for c in HUNDREDTHS_COLUMNS}
            )
            hundredths = tuple(
                tuple(c for c in HUNDREDTHS_COLUMNS if m[c] in sent) for m in pack.columns
            )
        _guard_wide_comparisons(wide_query)
        _inline_single_use(wide_query)
        _share_subexpressions(wide_query)
        _defer_columns(wide_query)
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
            "outcome": _OUTCOME_ENUM,
        }
        lists = []
        for k, name in enumerate(names):
            items = [row[k] for row in rows]
            if name == "policy_id":
                listed = f"CAST([{', '.join(items)}] AS {enums[name]}[])"
            elif name == "outcome":
                # Columns already of the ENUM (_enum_outcomes) are listed as they are.
                cast = [
                    v if v.removeprefix("w.") in typed_outcomes else f"CAST({v} AS {enums[name]})"
                    for v in items
                ]
                listed = "[" + ", ".join(cast) + "]"
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
        return PackSQL(
            f"SELECT {uscc} AS uscc, {lists[0]}, CAST({year} AS INT) AS year, "
            f"{', '.join(lists[1:])} FROM ({wide}) AS w",
            setup,
        )
    if pack.checks_keys:
        raise ValueError("the in-scan key check is DuckDB's (error())")
    if dialect in ("spark", "databricks"):
        flat = ", ".join(v.replace("VARCHAR", "STRING") for row in rows for v in row)
        return PackSQL(
            f"{select} FROM ({wide}) AS w "
            f"LATERAL VIEW STACK({len(rows)}, {flat}) t AS {', '.join(names)}"
        )
    if not unpivot:
        if dialect != "postgres":
            raise ValueError("the one-row-per-enterprise form is PostgreSQL's")
        flat = ", ".join(
            f"{v} AS p{k}_{c}" for k, row in enumerate(rows) for c, v in enumerate(row[1:])
        )
        if not any(unmet_terms):
            unmet_terms = ()
        if not any(hundredths):
            hundredths = ()
        return PackSQL(
            f"SELECT w.uscc AS uscc, {flat} FROM ({wide}) AS w", (), unmet_terms, hundredths
        )
    tuples = ", ".join("(" + ", ".join(row) + ")" for row in rows)
    return PackSQL(
        f"{select} FROM ({wide}) AS w CROSS JOIN LATERAL (VALUES {tuples}) AS t({', '.join(names)})"
    )


def _outcome_leaves(wide: exp.Select, names: set[str]) -> dict[str, list[exp.Literal]]:
    """The outcome columns of `names` in `wide` that no other expression reads and that are
    a tree of CASEs yielding only the outcomes' text constants, with those constants."""
    values = {o.value for o in Outcome}
    read = _layer_reads(wide)
    found = {}
    for item in _layer_items(wide, names):
        if read[item.alias]:
            continue
        leaves = _case_results(item.this)
        if leaves is None or any(not (leaf.is_string and leaf.this in values) for leaf in leaves):
            continue
        found[item.alias] = leaves
    return found


def _enum_outcomes(wide: exp.Select, names: set[str]) -> set[str]:
    """Give the outcome columns `names` of `wide` the outcome ENUM type where they are
    made, in place, and return those so typed. An outcome is a CASE whose results are the
    outcomes' text constants; each constant becomes the ENUM's constant (cast once, when
    the query is bound), so the CASE yields one-byte codes instead of strings that were
    then cast to the ENUM row by row (9M values at 1M enterprises). A column read by any
    other expression, or not of that form, keeps its text and its cast in the unpivot."""
    to = exp.DataType.build(_OUTCOME_ENUM, dialect="duckdb")
    found = _outcome_leaves(wide, names)
    for leaves in found.values():
        for leaf in leaves:
            leaf.replace(exp.cast(leaf.copy(), to.copy()))
    return set(found)


def _code_outcomes(wide: exp.Select, names: set[str]) -> None:
    """Make the outcome columns `names` of `wide` yield each outcome's one-letter code
    (rules.columns.outcome_code) where they are made, in place, as `_enum_outcomes` picks
    them; the others keep their text. For PostgreSQL's one row per enterprise: COPY then
    writes, and its client parses, one character per outcome instead of up to 13 (9M values
    at 1M enterprises); the client makes the codes the texts again, once per block."""
    for leaves in _outcome_leaves(wide, names).values():
        for leaf in leaves:
            leaf.replace(exp.Literal.string(outcome_code(leaf.this)))


# The RESULTS columns of DECIMAL(18, 2) a policy may send as integer hundredths.
HUNDREDTHS_COLUMNS = ("score", "benefit_yuan")
_DECIMAL_18_2 = "DECIMAL(18, 2)"


def _hundredths_outputs(wide: exp.Select, names: set[str]) -> set[str]:
    """Make the columns `names` of `wide` (scores and benefits, DECIMAL(18, 2)) yield the
    integer count of hundredths they are made of, in place, and return those so made: a
    column no other expression reads, a tree of CASEs whose every result is
    `rules.sql_numeric.fen_to_decimal` of a count with two decimals, or NULL. For
    PostgreSQL's one row per enterprise: no NUMERIC multiplication and cast per row, and
    COPY writes a BIGINT (its client makes it DECIMAL(18, 2) again, exactly, refusing a count
    of 18 digits or more as the cast to DECIMAL(18, 2) would)."""
    read = _layer_reads(wide)
    made = set()
    for item in _layer_items(wide, names):
        if read[item.alias]:
            continue
        leaves = _case_leaves(item.this, lambda node: [node])
        counts = [_hundredths(leaf) for leaf in leaves or []]
        if leaves is None or any(c is None for c in counts):
            continue
        for leaf, count in zip(leaves, counts, strict=True):
            assert count is not None
            leaf.replace(count)
        made.add(item.alias)
    return made


def _hundredths(node: exp.Expression) -> exp.Expression | None:
    """The BIGINT count of hundredths of a DECIMAL(18, 2) made by `fen_to_decimal` (`CAST(
    CAST(x AS DECIMAL(p, 0)) * CAST(0.01 AS DECIMAL(q, 2)) AS DECIMAL(18, 2))`: x), a NULL
    BIGINT for a NULL, else None."""
    if isinstance(node, exp.Null):
        return exp.cast(exp.null(), "BIGINT")
    if not (isinstance(node, exp.Cast) and node.to.sql() == _DECIMAL_18_2):
        return None
    inner = node.this
    if isinstance(inner, exp.Null):
        return exp.cast(exp.null(), "BIGINT")
    if not (isinstance(inner, exp.Mul) and isinstance(inner.this, exp.Cast)):
        return None
    whole, step = inner.this, inner.expression
    if not (
        whole.to.sql().startswith("DECIMAL(")
        and whole.to.sql().endswith(", 0)")
        and isinstance(step, exp.Cast)
        and step.this.is_number
        and step.this.this == "0.01"
    ):
        return None
    return exp.cast(whole.this.copy(), "BIGINT")


# The most conditions one lookup may have (2^k texts, built once); longer lists are looked up
# in chunks of at most this many.
LOOKUP_CONDITIONS = 8


def _lookup_lists(node: exp.Expression, most: int = LOOKUP_CONDITIONS) -> None:
    """Replace each `CONCAT_WS(sep, CASE WHEN c1 THEN 't1' END, ..., CASE WHEN ck THEN 'tk'
    END)` under `node` by lookups in constant lists of its possible texts, in place (DuckDB).
    Up to `most` terms: `LIST_EXTRACT([the 2^k texts], 1 + CASE WHEN c1 THEN 1 ELSE 0
    END + ... + CASE WHEN ck THEN 2^(k-1) ELSE 0 END)`. A term is skipped by CONCAT_WS
    exactly where its condition is false or unknown, which is where its bit is 0, so each
    row gets the same text; but integer CASEs and one pick from a constant replace string
    CASEs and a string built row by row (the unmet ids of every policy, 9M at 1M).

    More terms are cut into chunks of at most `most`, each looked up with NULL
    for its empty text, and joined by `CONCAT_WS(sep, chunk1, chunk2, ...)`: CONCAT_WS skips
    a NULL but not an empty string, so an empty chunk adds no separator, and all chunks
    empty give '' as all terms skipped did."""
    for call in list(node.find_all(exp.ConcatWs)):
        separator, *terms = call.expressions
        if not isinstance(separator, exp.Literal) or not separator.is_string or not terms:
            continue
        pairs = [_condition_text(term) for term in terms]
        if any(pair is None for pair in pairs):
            continue
        found = [pair for pair in pairs if pair is not None]
        sep = str(separator.this)
        if len(found) <= most:
            call.replace(_lookup(sep, found, empty=""))
            continue
        count = -(-len(found) // most)
        size = -(-len(found) // count)  # balanced: 10 terms are 5 + 5, not 8 + 2
        chunks = [found[i : i + size] for i in range(0, len(found), size)]
        lookups = [_lookup(sep, chunk, empty=None) for chunk in chunks]
        call.replace(exp.ConcatWs(expressions=[separator.copy(), *lookups]))


def _condition_text(term: exp.Expression) -> tuple[exp.Expression, str] | None:
    """The condition and text of `CASE WHEN c THEN 'text' END`, or None for any other term."""
    if not isinstance(term, exp.Case) or term.this is not None or term.args.get("default"):
        return None
    branches = term.args.get("ifs") or []
    if len(branches) != 1:
        return None
    text = branches[0].args["true"]
    if not isinstance(text, exp.Literal) or not text.is_string:
        return None
    return branches[0].this, str(text.this)


def _lookup(sep: str, terms: list[tuple[exp.Expression, str]], empty: str | None) -> exp.Expression:
    """`LIST_EXTRACT` of the texts `terms` join into by `sep`, indexed by their conditions'
    bits; `empty` (a text, or None for NULL) where no condition holds."""
    table: list[exp.Expression] = [
        exp.Literal.string(sep.join(t for i, (_, t) in enumerate(terms) if mask >> i & 1))
        for mask in range(2 ** len(terms))
    ]
    table[0] = exp.Null() if empty is None else exp.Literal.string(empty)
    index = _bit_sum([condition for condition, _ in terms], exp.Literal.number(1))
    listed = exp.Array(expressions=table)
    return exp.Anonymous(this="LIST_EXTRACT", expressions=[listed, index])


def _bit_sum(
    conditions: Sequence[exp.Expression], start: exp.Expression | None = None
) -> exp.Expression:
    """`start + CASE WHEN c1 THEN 1 ELSE 0 END + ... + CASE WHEN ck THEN 2^(k-1) ELSE 0 END`
    (without `start`, from the first CASE): bit i is 1 exactly where condition i is true."""
    total = start
    for i, condition in enumerate(conditions):
        bit = exp.Case(
            ifs=[exp.If(this=condition.copy(), true=exp.Literal.number(2**i))],
            default=exp.Literal.number(0),
        )
        total = bit if total is None else exp.Add(this=total, expression=bit)
    assert total is not None, "a sum of no bits"
    return total


# The most conditions an unmet list may have for its texts to be an ENUM's constants (one
# lookup of 2^k of them), and the most texts that ENUM may hold: the Parquet writer stores
# the whole ENUM as the dictionary of every row group of `unmet`.
UNMET_ENUM_CONDITIONS = 10
UNMET_ENUM_TEXTS = 4096
# Characters that may join a list of unmet texts into one constant (the first in no text).
_SEPARATORS = ("|", ",", "#", "\x1f")


def _enum_unmet(wide: exp.Select, names: set[str]) -> str | None:
    """Make the unmet columns `names` of `wide` yield the constants of one ENUM of every
    text they can take, in place, and return the `CREATE TYPE` of that ENUM (run before the
    query, on the same connection); or leave `wide` as it is and return None.

    An unmet column is a CASE whose results are texts and CONCAT_WS lists of condition
    texts; each list becomes one lookup (`_lookup_lists`, no chunks) in a list of its 2^k
    texts, and each text and list is cast to the ENUM once, when the query is bound. Each
    row then carries a 2-byte code from the lookup to the Parquet writer, which takes the
    ENUM's codes as its dictionary, where a text was copied by the lookup and the unpivot
    and hashed by the writer (9M values at 1M enterprises). The type is named by a hash of
    its texts, so two packs on one connection do not collide.

    All or none: where a column is read by another expression, or a list has more than
    UNMET_ENUM_CONDITIONS conditions, or the texts are more than UNMET_ENUM_TEXTS, no
    column is typed (a list of text and ENUM values in the unpivot would be cast to text
    row by row)."""
    read = _layer_reads(wide)
    items = _layer_items(wide, names)
    if len(items) != len(names) or any(read[item.alias] for item in items):
        return None
    rewritten: list[tuple[exp.Alias, exp.Paren, list[exp.Expression]]] = []
    texts: set[str] = set()
    for item in items:
        holder = exp.Paren(this=item.this.copy())
        _lookup_lists(holder, UNMET_ENUM_CONDITIONS)
        holder.set("this", _text_into_index(holder.this))
        leaves = _unmet_leaves(holder.this)
        if leaves is None:
            return None
        for leaf in leaves:
            if isinstance(leaf, exp.Literal):
                texts.add(str(leaf.this))
            else:
                texts.update(str(t.this) for t in leaf.expressions)
        if len(texts) > UNMET_ENUM_TEXTS:
            return None
        rewritten.append((item, holder, leaves))
    ordered = sorted(texts)
    digest = hashlib.sha256("\x00".join(ordered).encode()).hexdigest()[:16]
    name = f"kc_unmet_{digest}"
    separator = next((c for c in _SEPARATORS if not any(c in t for t in ordered)), None)
    for item, holder, leaves in rewritten:
        for leaf in leaves:
            to = exp.DataType.build(f"{name}[]" if isinstance(leaf, exp.Array) else name,
                                    dialect="duckdb", udt=True)  # fmt: skip
            listed = leaf.copy()
            if isinstance(leaf, exp.Array) and separator is not None:
                # One text split when the query is bound: 2^10 literals took DuckDB 30 ms
                # to bind, at every size of panel.
                joined = separator.join(str(t.this) for t in leaf.expressions)
                listed = exp.Anonymous(
                    this="STRING_SPLIT",
                    expressions=[exp.Literal.string(joined), exp.Literal.string(separator)],
                )
            leaf.replace(exp.cast(listed, to))
        item.set("this", holder.this)
    return f"CREATE TYPE IF NOT EXISTS {name} AS {_enum(ordered)}"


# The most conditions an unmet mask may hold (the bits of a BIGINT below its sign).
UNMET_MASK_CONDITIONS = 62


def _mask_unmet(wide: exp.Select, name: str) -> tuple[str, ...] | None:
    """Make the unmet column `name` of `wide` a BIGINT mask of its conditions not met, in
    place, and return their texts in bit order; or leave it as it is and return None.

    The column is a CASE whose results are '' and one `CONCAT_WS(';', CASE WHEN c1 THEN
    't1' END, ...)`; '' becomes 0 and the list `CASE WHEN c1 THEN 1 ELSE 0 END + ... + CASE
    WHEN ck THEN 2^(k-1) ELSE 0 END`. A term is joined exactly where its condition is
    true, which is where its bit is 1, so joining the texts of a mask's bits by ';' gives
    the same text on every row. PostgreSQL's CONCAT_WS calls each text's output function
    and copies it, for every enterprise and policy that fails; the mask is integer
    arithmetic, and its client makes each distinct mask's text once (a few hundred per
    block of rows) instead of parsing a text per row."""
    items = _layer_items(wide, {name})
    if len(items) != 1:
        return None
    lists: list[exp.ConcatWs] = []

    def leaf(node: exp.Expression) -> list[exp.Expression] | None:
        if isinstance(node, exp.Literal) and node.is_string and node.this == "":
            return [node]
        if isinstance(node, exp.ConcatWs):
            lists.append(node)
            return [node]
        return None

    leaves = _case_leaves(items[0].this, leaf)
    if leaves is None or len(lists) != 1:
        return None
    separator, *terms = lists[0].expressions
    pairs = [_condition_text(term) for term in terms]
    if (
        not (isinstance(separator, exp.Literal) and separator.is_string and separator.this == ";")
        or not 0 < len(pairs) <= UNMET_MASK_CONDITIONS
        or any(pair is None for pair in pairs)
    ):
        return None
    found = [pair for pair in pairs if pair is not None]
    mask = _bit_sum([condition for condition, _ in found])
    for node in leaves:
        if isinstance(node, exp.ConcatWs):
            node.replace(exp.cast(mask, "BIGINT"))
        else:
            node.replace(exp.cast(exp.Literal.number(0), "BIGINT"))
    return tuple(text for _, text in found)


def _text_into_index(e: exp.Expression) -> exp.Expression:
    """`CASE WHEN c THEN 't' ELSE LIST_EXTRACT(list, i) END`, where 't' is the list's k-th
    text, as `LIST_EXTRACT(list, CASE WHEN c THEN k ELSE i END)` (the same text on every
    row); any other expression as it is. One cast to the unmet ENUM instead of two: DuckDB
    compares an ENUM's every text each time it binds a cast to it."""
    if not isinstance(e, exp.Case) or e.this is not None:
        return e
    branches = e.args.get("ifs") or []
    lookup = e.args.get("default")
    if len(branches) != 1 or not isinstance(lookup, exp.Anonymous):
        return e
    text = branches[0].args["true"]
    if str(lookup.this).upper() != "LIST_EXTRACT" or not isinstance(text, exp.Literal):
        return e
    listed, index = lookup.expressions
    if not isinstance(listed, exp.Array) or not text.is_string:
        return e
    at = next(
        (k for k, t in enumerate(listed.expressions, 1) if isinstance(t, exp.Literal)
         and t.is_string and t.this == text.this),
        None,
    )  # fmt: skip
    if at is None:
        return e
    picked = exp.Case(
        ifs=[exp.If(this=branches[0].this.copy(), true=exp.Literal.number(at))],
        default=index.copy(),
    )
    return exp.Anonymous(this="LIST_EXTRACT", expressions=[listed.copy(), picked])


def _unmet_leaves(e: exp.Expression) -> list[exp.Expression] | None:
    """The text constants and constant text lists (of `LIST_EXTRACT`s) a tree of CASEs
    yields, or None if it yields anything else (a NULL in a list, a text built per row)."""

    def leaf(node: exp.Expression) -> list[exp.Expression] | None:
        if isinstance(node, exp.Literal):
            return [node] if node.is_string else None
        if isinstance(node, exp.Anonymous) and str(node.this).upper() == "LIST_EXTRACT":
            listed = node.expressions[0]
            if isinstance(listed, exp.Array) and all(
                isinstance(t, exp.Literal) and t.is_string for t in listed.expressions
            ):
                return [listed]
        return None

    return _case_leaves(e, leaf)


def _case_results(e: exp.Expression) -> list[exp.Literal] | None:
    """The constants a tree of CASEs yields (a missing ELSE yields NULL, the same in either
    type), or None if any result is not a constant."""
    return _case_leaves(e, lambda node: [node] if isinstance(node, exp.Literal) else None)


_Leaf = TypeVar("_Leaf", bound=exp.Expression)


def _case_leaves(
    e: exp.Expression, leaf: Callable[[exp.Expression], list[_Leaf] | None]
) -> list[_Leaf] | None:
    """What `leaf` makes of each result of a tree of CASEs (a missing ELSE yields NULL),
    or None if it refuses any (returns None)."""
    if not isinstance(e, exp.Case) or e.this is not None:
        return leaf(e)
    results = [branch.args["true"] for branch in e.args.get("ifs") or []]
    default = e.args.get("default")
    if default is not None:
        results.append(default)
    found: list[_Leaf] = []
    for result in results:
        leaves = _case_leaves(result, leaf)
        if leaves is None:
            return None
        found += leaves
    return found


def _star_layers(wide: exp.Select) -> list[exp.Select]:
    """The layers of the wide query: the CTEs that pass their source on (`SELECT *, ...`)."""
    ctes = wide.args["with_"].expressions
    return [c.this for c in ctes if any(isinstance(i, exp.Star) for i in c.this.expressions)]


def _layer_reads(wide: exp.Select) -> Counter[str]:
    """How many times the layers' expressions read each column name."""
    read: Counter[str] = Counter()
    for query in _star_layers(wide):
        for column in query.find_all(exp.Column):
            read[column.name] += 1
    return read


def _layer_items(wide: exp.Select, names: set[str]) -> list[exp.Alias]:
    """The layers' columns named in `names` (their `expression AS name` items)."""
    return [
        item
        for query in _star_layers(wide)
        for item in query.expressions
        if isinstance(item, exp.Alias) and item.alias in names
    ]


def _outer_columns(wide: exp.Select) -> list[exp.Column]:
    """The columns the outer select of the wide query reads (its WITH left out)."""
    body = wide.copy()
    body.set("with_", None)
    return list(body.find_all(exp.Column))


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
    needed = {c.name for c in _outer_columns(wide)}
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


def _defer_columns(wide: exp.Select) -> None:
    """Move layer columns up to the layer just below their first reader where that passes
    fewer values between layers, in place (the layers still read `*`; `_narrow_layers`
    then lists what each passes). A column is computed in the first layer whose source
    has its inputs, so one read five layers higher is passed up through four layers;
    computed later, only its inputs travel, and they often travel anyway for other
    readers. The values are the same: each column is computed once either way, from the
    same inputs. Measured at 1M: 521 values passed per row become 380."""
    layers = _star_layers(wide)
    top = len(layers)  # the outer select reads above the last layer
    own: dict[str, tuple[int, exp.Alias, set[str]]] = {}
    reads: dict[str, Counter[int]] = {}
    for k, query in enumerate(layers):
        for item in query.expressions:
            if isinstance(item, exp.Alias):
                inputs = {c.name for c in item.find_all(exp.Column) if not c.table}
                own[item.alias] = (k, item, inputs)
                for name in inputs:
                    reads.setdefault(name, Counter())[k] += 1
    for column in _outer_columns(wide):
        reads.setdefault(column.name, Counter())[top] += 1
    # From the highest layer down: a column moved up may let the columns it reads move too.
    for name in sorted(own, key=lambda n: -own[n][0]):
        at, item, inputs = own[name]
        target = min((k for k, n in reads.get(name, Counter()).items() if n), default=top) - 1
        if target <= at:
            continue
        # Each input read no higher than `at` by others now travels up to `target`.
        cost = sum(max(0, target - max(_last_read(reads[x], at), at)) for x in inputs)
        if cost >= target - at:
            continue
        item.pop()
        layers[target].append("expressions", item)
        own[name] = (target, item, inputs)
        for x in inputs:
            reads[x][at] -= 1
            reads[x][target] += 1


def _last_read(levels: Counter[int], at: int) -> int:
    """The highest layer reading a name, not counting one read at layer `at`."""
    rest = levels.copy()
    rest[at] -= 1
    return max((k for k, n in rest.items() if n > 0), default=-1)


def _inline_single_use(wide: exp.Select) -> None:
    """Substitute each layer column read exactly once (by a higher layer, not by the outer
    select) into the expression that reads it, and drop it from its layer, in place; then
    drop the layers left with no column of their own. Read once, it is computed once either
    way (PostgreSQL computes a column per row whether or not a CASE branch reads it; inlined
    it is computed only where that branch is taken), but it no longer costs a column of its
    layer and a pass through every layer in between."""
    ctes = wide.args["with_"].expressions
    layers = _star_layers(wide)
    defined: dict[str, exp.Alias] = {}
    for query in layers:
        for item in query.expressions:
            if isinstance(item, exp.Alias):
                defined[item.alias] = item
    outer = {c.name for c in _outer_columns(wide)}
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


_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
# (value when left > right, value when left < right) of each comparison.
_DECIDED = {
    exp.EQ: (False, False),
    exp.NEQ: (True, True),
    exp.GT: (True, False),
    exp.GTE: (True, False),
    exp.LT: (False, True),
    exp.LTE: (False, True),
}
# The relative margin beyond which a DOUBLE difference decides a comparison: the rounding
# error of k operations in DOUBLE is at most about k * 2^-53 of the magnitude (the same sum
# with every term made positive), far below this for any compiled expression.
_MARGIN = "1e-9"
_DOUBLE = "DOUBLE PRECISION"


class _Unsupported(Exception):
    """An expression outside the +, -, *, CASE forms `_guard_wide_comparisons` rewrites."""


def _is_numeric(node: exp.Expression) -> bool:
    return isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.INT128


def _guard_wide_comparisons(wide: exp.Select) -> None:
    """Decide each comparison of 128-bit (NUMERIC) integers in DOUBLE where the difference
    is clearly beyond DOUBLE's rounding error, and exactly in NUMERIC only where it is not
    (a near tie, or an unknown value), in place. NUMERIC arithmetic is software arithmetic
    on digit arrays in PostgreSQL: the growth ratios' products of two fen amounts cost about
    a fifth of a share's server CPU at 1M. A layer column of NUMERIC value (`v = E`) gets a
    DOUBLE twin and a DOUBLE magnitude (E with every term made positive); `L op R` becomes
    CASE WHEN F(L) - F(R) > margin * (M(L) + M(R)) THEN <as L > R> WHEN ... < -margin ...
    THEN <as L < R> ELSE L op R END, the exact form with the NUMERIC columns' expressions
    substituted (so they are computed only for the rows that need them). Left unchanged if
    any NUMERIC value is read other than by a comparison or an IS NULL test."""
    try:
        plan = _plan_guard(wide)
    except _Unsupported:
        return
    for node, replacement in plan:
        if isinstance(node, exp.Select):
            node.set("expressions", [*node.expressions, *replacement.expressions])
        else:
            node.replace(replacement)


def _plan_guard(wide: exp.Select) -> list[tuple[exp.Expression, exp.Expression]]:
    layers = _star_layers(wide)
    defs: dict[str, exp.Expression] = {}
    plan: list[tuple[exp.Expression, exp.Expression]] = []
    for query in layers:
        twins: list[exp.Expression] = []
        for item in query.expressions:
            if not isinstance(item, exp.Alias):
                continue
            guarded = [n for n in _wide_tests(item.this, defs)]
            covered = {id(x) for n in guarded for x in n.walk()}
            loose = [
                x for x in item.this.walk() if id(x) not in covered and _is_wide(x, defs, False)
            ]
            if loose and guarded:
                raise _Unsupported
            if loose:
                # A NUMERIC-valued column: its DOUBLE twin and magnitude, next to it.
                defs[item.alias] = item.this
                twins.append(exp.alias_(_float(item.this, defs), f"{item.alias}_f"))
                twins.append(exp.alias_(_magnitude(item.this, defs), f"{item.alias}_m"))
                continue
            for node in guarded:
                plan.append((node, _guarded(node, defs)))
        if twins:
            # Added with the rest of the plan (nothing changes if a later step is unsupported).
            names = {i.alias_or_name for q in layers for i in q.expressions}
            if any(t.alias in names for t in twins):
                raise _Unsupported
            plan.append((query, exp.select(*twins)))
    if any(c.name in defs for c in _outer_columns(wide)):
        raise _Unsupported
    return plan


def _is_wide(node: exp.Expression, defs: dict[str, exp.Expression], deep: bool = True) -> bool:
    """`node` is (deep: or holds) a NUMERIC cast or a NUMERIC column."""
    nodes = node.walk() if deep else [node]
    for x in nodes:
        if _is_numeric(x) or (isinstance(x, exp.Column) and not x.table and x.name in defs):
            return True
    return False


def _wide_tests(e: exp.Expression, defs: dict[str, exp.Expression]) -> list[exp.Expression]:
    """The outermost comparisons and IS NULL tests of NUMERIC values within `e`."""
    found: list[exp.Expression] = []

    def visit(node: exp.Expression) -> None:
        if isinstance(node, _COMPARISONS) and _is_wide(node, defs):
            found.append(node)
            return
        if isinstance(node, exp.Is) and _is_wide(node, defs):
            found.append(node)
            return
        for child in node.iter_expressions():
            visit(child)

    visit(e)
    return found


def _guarded(node: exp.Expression, defs: dict[str, exp.Expression]) -> exp.Expression:
    if isinstance(node, exp.Is):
        # Unknown in DOUBLE exactly where unknown in NUMERIC (the same CASE branches).
        if not isinstance(node.expression, exp.Null):
            raise _Unsupported
        return exp.Is(this=_float(node.this, defs), expression=exp.Null())
    left, right = node.this, node.expression
    difference = exp.Sub(
        this=exp.Paren(this=_float(left, defs)), expression=exp.Paren(this=_float(right, defs))
    )
    scale = exp.Add(
        this=exp.Paren(this=_magnitude(left, defs)),
        expression=exp.Paren(this=_magnitude(right, defs)),
    )
    margin = exp.Mul(this=exp.Literal.number(_MARGIN), expression=exp.Paren(this=scale))
    kind = type(node)
    assert issubclass(kind, exp.Binary)
    above, below = _DECIDED[kind]
    exact = _exact(node.copy(), defs)
    return exp.Paren(
        this=exp.Case(
            ifs=[
                exp.If(
                    this=exp.GT(this=exp.Paren(this=difference), expression=margin),
                    true=exp.Boolean(this=above),
                ),
                exp.If(
                    this=exp.LT(
                        this=exp.Paren(this=difference.copy()),
                        expression=exp.Neg(this=margin.copy()),
                    ),
                    true=exp.Boolean(this=below),
                ),
            ],
            default=exact,
        )
    )


def _exact(e: exp.Expression, defs: dict[str, exp.Expression]) -> exp.Expression:
    """`e` with each NUMERIC column replaced by its expression (itself so expanded)."""

    def expand(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in defs:
            return exp.Paren(this=_exact(defs[node.name].copy(), defs))
        return node

    expanded: exp.Expression = e.transform(expand, copy=False)
    return expanded


def _float(e: exp.Expression, defs: dict[str, exp.Expression]) -> exp.Expression:
    """`e` evaluated in DOUBLE (every leaf converted, then the same operations)."""
    return _rewrite(e, defs, magnitude=False)


def _magnitude(e: exp.Expression, defs: dict[str, exp.Expression]) -> exp.Expression:
    """A bound on the terms of `e` in DOUBLE: e with every leaf and difference made positive."""
    return _rewrite(e, defs, magnitude=True)


def _rewrite(e: exp.Expression, defs: dict[str, exp.Expression], magnitude: bool) -> exp.Expression:
    suffix = "_m" if magnitude else "_f"
    if isinstance(e, exp.Paren):
        return exp.Paren(this=_rewrite(e.this, defs, magnitude))
    if isinstance(e, exp.Column) and not e.table and e.name in defs:
        return exp.column(e.name + suffix)
    if _is_numeric(e) or isinstance(e, (exp.Column, exp.Literal)):
        inner = e.this if _is_numeric(e) else e
        if _is_wide(inner, defs) or (isinstance(e, exp.Literal) and e.is_string):
            raise _Unsupported
        value = exp.cast(inner.copy(), _DOUBLE)
        return exp.Abs(this=value) if magnitude else value
    if isinstance(e, (exp.Add, exp.Sub, exp.Mul)):
        left = _rewrite(e.this, defs, magnitude)
        right = _rewrite(e.expression, defs, magnitude)
        kind = exp.Add if magnitude and isinstance(e, exp.Sub) else type(e)
        return kind(this=left, expression=right)
    if isinstance(e, exp.Neg):
        inner = _rewrite(e.this, defs, magnitude)
        return inner if magnitude else exp.Neg(this=inner)
    if isinstance(e, exp.Case) and e.this is None:
        ifs = []
        for branch in e.args.get("ifs") or []:
            if _is_wide(branch.this, defs):
                raise _Unsupported
            ifs.append(
                exp.If(this=branch.this.copy(), true=_rewrite(branch.args["true"], defs, magnitude))
            )
        default = e.args.get("default")
        return exp.Case(
            ifs=ifs, default=_rewrite(default, defs, magnitude) if default is not None else None
        )
    raise _Unsupported


# The forms a shared subexpression may hold: none of them can raise for a value the compiler
# admits (its integer arithmetic is bounded in BIGINT by the panel's bounds; no division, no
# NUMERIC), so computing one for every row, where it was computed only in some CASE branch,
# changes no result and raises no error.
_SHAREABLE = (
    exp.Case, exp.If, exp.Paren, exp.Column, exp.Identifier, exp.Literal, exp.Boolean,
    exp.Null, exp.Not, exp.And, exp.Or, exp.Is, exp.Neg, exp.Add, exp.Sub, exp.Mul, exp.Abs,
    exp.Extract, exp.Var, exp.Cast, exp.DataType, *_COMPARISONS,
)  # fmt: skip
_SHAREABLE_CASTS = (
    exp.DataType.Type.INT, exp.DataType.Type.BIGINT, exp.DataType.Type.DOUBLE,
    exp.DataType.Type.DATE,
)  # fmt: skip
# Nodes that cost nothing to read again (a column, a constant, a parenthesis).
_FREE = (exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.DataType)
# Shared only if it holds at least this many operations (reading a column costs about one).
_SHARE_MIN_OPS = 4


def _share_subexpressions(wide: exp.Select) -> None:
    """Compute once, as a layer column, each subexpression that the layers' columns compute
    alike in several places, in place (PostgreSQL has no common-subexpression elimination:
    the age in whole years read by two policies' conditions was computed twice a row, each
    guarded comparison's DOUBLE difference and margin twice, the signed amounts of the
    growth ratios up to five times).
    Only occurrences a row always evaluates count (not those in the exact NUMERIC fallback
    of a guarded comparison, taken at near ties only), and only the forms of `_SHAREABLE`
    are shared. The column goes in the lowest layer whose source has its inputs, below all
    its readers (`_defer_columns` then moves it up as far as pays); the values are the
    same expressions' values."""
    layers = _star_layers(wide)
    names = {i.alias_or_name for q in layers for i in q.expressions}
    level: dict[str, int] = {}  # a layer column's name -> its layer
    for k, query in enumerate(layers):
        for item in query.expressions:
            if isinstance(item, exp.Alias):
                level[item.alias] = k
    # The first layer's source (l0) and what it computes each of its columns from.
    ctes = {cte.alias: cte.this for cte in wide.args["with_"].expressions}
    source = ctes[layers[0].args["from_"].this.name]
    base = {
        i.alias_or_name: i.this if isinstance(i, exp.Alias) else i
        for i in source.expressions
        if isinstance(i, exp.Alias | exp.Column)
    }
    if any(isinstance(i, exp.Star) for i in source.expressions):
        base = {}
    made = 0
    # Each subexpression's SQL text, kept from one round to the next (rendering it is most of
    # this pass's time); a node's entry goes when a shared column replaces something under it.
    texts: dict[int, tuple[exp.Expression, str]] = {}
    while True:
        found: dict[str, list[tuple[int, exp.Expression]]] = {}
        ops: dict[str, int] = {}
        for k, query in enumerate(layers):
            for item in query.expressions:
                if isinstance(item, exp.Alias):
                    _shareable_nodes(item.this, k, found, ops, texts)
        best = None
        for text, places in found.items():
            if len(places) < 2:
                continue
            node = places[0][1]
            inputs = {c.name for c in node.find_all(exp.Column)}
            if not inputs:
                continue  # a constant: PostgreSQL folds it when planning
            lowest = max((level.get(x, -1) for x in inputs), default=-1) + 1
            if lowest >= min(k for k, _ in places):
                if lowest > 0 or not inputs <= set(base):
                    continue
                lowest = -1  # read by the first layer: computed in its source (`base`)
            gain = (len(places) - 1) * ops[text]
            if best is None or gain > best[0]:
                best = (gain, text, lowest)
        if best is None:
            return
        _, text, lowest = best
        made += 1
        name = f"x{made}"
        while name in names:
            made += 1
            name = f"x{made}"
        names.add(name)
        places = found[text]
        shared = places[0][1].copy()
        if lowest < 0:
            # The source lists its columns, each a simple expression of its own source:
            # the inputs are read as it reads them.
            shared = shared.transform(
                lambda n: base[n.name].copy() if isinstance(n, exp.Column) else n, copy=False
            )
            source.append("expressions", exp.alias_(shared, name))
        else:
            layers[lowest].append("expressions", exp.alias_(shared, name))
        level[name] = lowest
        for _, node in places:
            above = node.parent
            while above is not None:
                texts.pop(id(above), None)
                above = above.parent
            node.replace(exp.column(name))


def _shareable_nodes(
    e: exp.Expression,
    k: int,
    found: dict[str, list[tuple[int, exp.Expression]]],
    ops: dict[str, int],
    texts: dict[int, tuple[exp.Expression, str]],
) -> int | None:
    """Record in `found` (by SQL text, cached in `texts`) the subexpressions of `e`, read in
    layer `k`, that are shareable and worth sharing; return the number of operations `e`
    holds if it is shareable itself, else None. (A subexpression inside a larger shared one
    is shared with it: the larger saves more and is chosen first.)"""
    if _is_guard(e):
        # The exact fallback (the default) is computed at near ties only: not counted.
        for branch in e.args.get("ifs") or []:
            _shareable_nodes(branch, k, found, ops, texts)
        return None
    inner = [_shareable_nodes(c, k, found, ops, texts) for c in e.iter_expressions()]
    shareable = isinstance(e, _SHAREABLE) and None not in inner
    if isinstance(e, exp.Cast) and e.to.this not in _SHAREABLE_CASTS:
        shareable = False
    if isinstance(e, exp.Column) and e.table:
        shareable = False
    if not shareable:
        return None
    count = sum(n for n in inner if n is not None) + (0 if isinstance(e, _FREE) else 1)
    # A CASE branch (If) is part of its CASE, not a value of its own.
    if count >= _SHARE_MIN_OPS and not isinstance(e, (*_FREE, exp.If)):
        cached = texts.get(id(e))
        if cached is None or cached[0] is not e:
            cached = texts[id(e)] = (e, e.sql("postgres"))
        text = cached[1]
        ops[text] = count
        found.setdefault(text, []).append((k, e))
    return count


def _is_guard(e: exp.Expression) -> bool:
    """A guarded comparison's CASE (`_guarded`): its default holds NUMERIC."""
    default = e.args.get("default") if isinstance(e, exp.Case) else None
    return default is not None and any(_is_numeric(x) for x in default.walk())
