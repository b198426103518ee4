"""Compile a policy to ONE SQL query over the panel (the vectorised evaluator).

`compile_policy(policy, year)` returns a SQLGlot `Select` over a relation named `panel` (the
contract's columns, one row per enterprise per year) with the RESULTS columns of
shared/DATA-CONTRACT.md for every enterprise that has a row in `year`. It is built only with
SQLGlot expression builders: policy text never reaches SQL as text, only literals do.

Semantics follow docs/policy-language.md and must agree exactly with `rules.scalar`:
- numbers are exact rationals (see `sql_numeric`): no `/` on numbers, comparisons by
  cross-multiplication, benefits rounded half up to the fen only at the end;
- unknown is NULL; SQL's AND/OR/NOT already are Kleene logic, and every CASE that branches on
  a condition yields NULL for an unknown condition;
- earlier years come from one GROUP BY over the years the policy reads (conditional
  aggregates), joined to the evaluation year's rows;
- every named definition, score and condition, and any sub-expression used twice, becomes a
  column of a CTE layer, so each is computed once per row however often it is referenced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import sqlglot.expressions as exp

from kechuang.domain.panel import BY_NAME, Kind
from kechuang.rules import ir
from kechuang.rules import sql_numeric as n
from kechuang.rules.columns import RESULT_COLUMNS as RESULT_COLUMNS  # re-exported
from kechuang.rules.columns import STATUS_COLUMN_PREFIX
from kechuang.rules.policy import Condition, ConditionKind, Policy, Score, Status
from kechuang.rules.sql_numeric import Num

Compiled = Num | exp.Expression
DATE = exp.DataType.build("DATE")
SCORE_DECIMALS = 2

# Fact numerators: yuan facts are counted in fen, ratios in millionths.
_KIND_DENOMINATOR = {
    Kind.YUAN: 100, Kind.RATIO: 10**6, Kind.NUMBER: 10**6, Kind.COUNT: 1, Kind.YEAR: 1,
}  # fmt: skip
# Bounds on |numerator| that the panel's SQL types guarantee: DECIMAL(18,2) yuan is below
# 10^18 fen, DECIMAL(9,6) ratios below 10^9 millionths, counts are BIGINT, years INTEGER.
TYPE_BOUNDS = {Kind.YUAN: 10**18 - 1, Kind.RATIO: 10**9 - 1, Kind.NUMBER: 10**9 - 1,
               Kind.COUNT: n.NARROW_MAX,
               Kind.YEAR: 2**31 - 1}  # fmt: skip
# Where the panel holds yuan as integer fen (`<fact>_fen` BIGINT, the stored tables).
FEN_BOUND = n.NARROW_MAX
WIDE_TYPES = {"postgres": "NUMERIC", "spark": "DECIMAL(38, 0)", "databricks": "DECIMAL(38, 0)"}


class SqlCompileError(ValueError):
    """The IR holds something the SQL compiler does not know (a loader/compiler mismatch)."""


def compile_policy(
    policy: Policy,
    year: int,
    overrides: Mapping[str, ir.Value] | None = None,
    explain_columns: bool = False,
    bounds: Mapping[str, int] | None = None,
    yuan_as_fen: bool = False,
) -> exp.Select:
    """The query returning RESULTS rows of `policy` for evaluation year `year`.

    With `explain_columns`, one status column `c_<condition id>` per evaluated condition
    (met/unmet/unknown/manual_review) follows the contract's columns.

    `bounds` maps a numeric fact to a bound on |its numerator| (fen, millionths, count) that
    the data is known to respect (e.g. from Parquet statistics); tighter bounds keep more of
    the arithmetic in 64 bits. With `yuan_as_fen` the panel has yuan facts as BIGINT columns
    `<fact>_fen` (the stored tables) instead of DECIMAL(18,2) yuan.
    """
    params = policy.parameter_values(year, dict(overrides or {}))
    compiler = _Compiler(policy, year, params)
    compiler.bounds = dict(bounds or {})
    compiler.yuan_as_fen = yuan_as_fen
    return compiler.query(explain_columns)


def to_sql(
    query: exp.Select, dialect: str = "duckdb", pretty: bool = False, copy: bool = True
) -> str:
    """The compiled query as SQL text of `dialect` (duckdb, postgres, spark).

    The 128-bit integer type becomes NUMERIC in PostgreSQL (exact, unbounded) and
    DECIMAL(38, 0) in Spark (ANSI mode raises on overflow).
    """
    wide = WIDE_TYPES.get(dialect)
    if wide is not None:
        target = exp.DataType.build(wide, dialect=dialect)

        def retype(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.INT128:
                return target.copy()
            if dialect == "postgres" and isinstance(node, exp.Extract):
                return _date_part(node)
            return node

        query = query.transform(retype, copy=copy)
    return query.sql(dialect=dialect, pretty=pretty)


def _date_part(node: exp.Extract) -> exp.Expression:
    """EXTRACT(unit FROM d) as PostgreSQL's CAST(DATE_PART('unit', d) AS INT): EXTRACT is
    NUMERIC there (since 14), about twice as slow per row as DATE_PART's double. A date's
    year, month and day are small integers, exact in a double, so the cast is exact."""
    unit = exp.Literal.string(node.this.name.lower())
    return exp.cast(exp.func("DATE_PART", unit, node.expression), "INT")


def to_fraction(value: object) -> Fraction:
    if isinstance(value, bool):
        raise SqlCompileError(f"{value!r} is not a number")
    if isinstance(value, Fraction | int | Decimal):
        return Fraction(value)
    if isinstance(value, str):
        return Fraction(Decimal(value))
    raise SqlCompileError(f"{value!r} is not a number")


@dataclass
class _Layers:
    """Columns computed in successive CTEs; a column may only use columns of lower layers."""

    layers: list[list[tuple[str, exp.Expression]]] = field(default_factory=lambda: [[]])
    layer_of: dict[str, int] = field(default_factory=dict)
    by_sql: dict[str, str] = field(default_factory=dict)
    source: dict[str, exp.Expression] = field(default_factory=dict)

    def column(self, name: str) -> exp.Column:
        """A reference to column `name`, carrying the bound and width of what it holds."""
        col = exp.column(name)
        e = self.source.get(name)
        if e is not None:
            n.like(col, e)
        return col

    def depth(self, e: exp.Expression) -> int:
        return max((self.layer_of.get(c.name, 0) for c in e.find_all(exp.Column)), default=0)

    def add(self, e: exp.Expression, name: str | None = None) -> exp.Column:
        key = e.sql(dialect="duckdb")
        if name is None and key in self.by_sql:
            return self.column(self.by_sql[key])
        level = self.depth(e) + 1
        while len(self.layers) <= level:
            self.layers.append([])
        name = name or f"v{len(self.layer_of)}"
        self.layers[level].append((name, e))
        self.layer_of[name] = level
        self.by_sql.setdefault(key, name)
        self.source[name] = e
        return self.column(name)


def _atomic(e: exp.Expression) -> bool:
    if isinstance(e, exp.Column | exp.Literal | exp.Null | exp.Boolean):
        return True
    if isinstance(e, exp.Neg | exp.Cast):
        return isinstance(e.this, exp.Literal)
    return False


class _Compiler:
    def __init__(self, policy: Policy, year: int, params: Mapping[str, ir.Value]) -> None:
        self.policy = policy
        self.year = year
        self.params = params
        self.layers = _Layers()
        self.base: dict[str, exp.Expression] = {}  # base column -> expression over p / h
        self.hist: dict[str, exp.Expression] = {}  # aggregate column -> expression over panel
        self.history = 0  # years before `year` that are read
        self.refs: dict[tuple[str, str], Compiled] = {}
        self.in_progress: set[tuple[str, str]] = set()
        self.definitions = {d.id: d for d in policy.definitions}
        self.scores = {s.id: s for s in policy.scores}
        self.conditions = {c.id: c for c in policy.conditions}
        self.bounds: dict[str, int] = {}
        self.yuan_as_fen = False
        self.suffix = ""  # appended to the named result columns (a pack holds several)
        # Read the evaluation year's values in the period GROUP BY (no join back to the panel).
        self.single_scan = False
        # With single_scan: the panel has one row per (uscc, year), so the years are joined
        # side by side instead of grouped (see `joined_years`).
        self.join_years = False

    # ----- sharing -------------------------------------------------------------------

    def share(self, e: exp.Expression) -> exp.Expression:
        """Hoist `e` into a column unless it is already atomic (it is about to be reused)."""
        return e if _atomic(e) else self.layers.add(e)

    def share_value(self, value: Compiled) -> Compiled:
        if isinstance(value, Num):
            if value.const is not None:
                return value
            den = value.den if isinstance(value.den, int) else self.share(value.den)
            return Num(self.share(value.num), den)
        return self.share(value)

    # ----- the panel -------------------------------------------------------------------

    def base_column(self, name: str, e: exp.Expression) -> exp.Column:
        self.base.setdefault(name, e)
        self.layers.layer_of.setdefault(name, 0)
        self.layers.source.setdefault(name, e)
        return self.layers.column(name)

    def hist_column(self, name: str, e: exp.Expression, years: int) -> exp.Column:
        self.history = max(self.history, years)
        self.hist.setdefault(name, e)
        return exp.column(name, table="h")

    def fact_bound(self, name: str) -> int:
        kind = _kind(name)
        bound = FEN_BOUND if kind == Kind.YUAN and self.yuan_as_fen else TYPE_BOUNDS[kind]
        known = self.bounds.get(name)
        return bound if known is None else min(bound, known)

    def raw_column(self, name: str, table: str | None = None) -> exp.Column:
        """The panel's column of a fact (`<fact>_fen` for yuan when the panel holds fen)."""
        if self.yuan_as_fen and _kind(name) == Kind.YUAN:
            return exp.column(f"{name}_fen", table=table)
        return exp.column(name, table=table)

    def fact_value(self, raw: exp.Expression, name: str) -> Compiled:
        """A panel value as the compiler's representation (numbers as numerators)."""
        kind = _kind(name)
        if kind in _KIND_DENOMINATOR:
            numerator = _numerator(raw, kind, self.fact_bound(name), self.yuan_as_fen)
            return Num(numerator, _KIND_DENOMINATOR[kind])
        return raw

    def fact(self, node: ir.Fact) -> Compiled:
        kind = _kind(node.name)
        if node.years_ago == 0:
            value = self.fact_value(self.raw_column(node.name, table="p"), node.name)
            return self._as_base(f"f_{node.name}", value)
        earlier = self.year - node.years_ago
        source: exp.Expression = self.raw_column(node.name)
        if kind == Kind.BOOL:
            # MAX of booleans is not portable; carry them as 1/0.
            source = exp.Case(
                ifs=[
                    exp.If(this=source, true=exp.Literal.number(1)),
                    exp.If(this=exp.Not(this=source), true=exp.Literal.number(0)),
                ]
            )
        aggregate = exp.Max(this=self.in_year(earlier, source))
        col = self.hist_column(f"a{node.years_ago}_{node.name}", aggregate, node.years_ago)
        if kind == Kind.BOOL:
            return self._as_base(
                f"f{node.years_ago}_{node.name}", exp.EQ(this=col, expression=exp.Literal.number(1))
            )
        return self._as_base(f"f{node.years_ago}_{node.name}", self.fact_value(col, node.name))

    def _as_base(self, name: str, value: Compiled) -> Compiled:
        if isinstance(value, Num):
            return Num(self.base_column(name, value.num), value.den)
        return self.base_column(name, value)

    def in_year(self, year: int, value: exp.Expression) -> exp.Expression:
        cond = exp.EQ(this=exp.column("year"), expression=exp.Literal.number(year))
        return exp.Case(ifs=[exp.If(this=cond, true=value)])

    def since(self, years: int, value: exp.Expression) -> exp.Expression:
        first = self.year - years + 1
        cond = exp.GTE(this=exp.column("year"), expression=exp.Literal.number(first))
        return exp.Case(ifs=[exp.If(this=cond, true=value)])

    def period(self, node: ir.PeriodAggregate) -> Compiled:
        k = node.years
        rows = self.hist_column(
            f"r{k}", exp.Count(this=self.since(k, exp.Literal.number(1))), k - 1
        )
        # At most k rows (one per year: duplicates are refused before screening).
        rows_big = self.base_column(f"r{k}", n.narrow_cast(rows, k))
        if node.function == "count":
            return Num(rows_big, 1)
        kind = _kind(node.fact)
        if kind not in _KIND_DENOMINATOR:
            raise SqlCompileError(f"{node.function}_years of non-numeric fact {node.fact!r}")
        # Sum the exact integer numerators: a SUM of DECIMALs is a slow 128-bit decimal.
        bound = self.fact_bound(node.fact)
        numerator = _numerator(self.raw_column(node.fact), kind, bound, self.yuan_as_fen)
        total = self.hist_column(
            f"s{k}_{node.fact}",
            n.narrow_cast(exp.Sum(this=self.since(k, numerator)), bound * k),
            k - 1,
        )
        present = self.hist_column(
            f"k{k}_{node.fact}", exp.Count(this=self.since(k, self.raw_column(node.fact))), k - 1
        )
        n.like(total, self.hist[f"s{k}_{node.fact}"])
        # Unknown if any of the existing years lacks the value.
        complete = exp.EQ(this=present, expression=rows)
        summed = n.case([(complete, total)])
        s = self.base_column(f"s{k}_{node.fact}", summed)
        value = Num(s, _KIND_DENOMINATOR[kind])
        if node.function == "sum":
            return value
        if node.function == "avg":
            return Num(s, self.share(n.scale(rows_big, value.den)))
        raise SqlCompileError(f"unknown period function {node.function!r}")

    # ----- expressions -----------------------------------------------------------------

    def value(self, node: ir.Node) -> Compiled:
        method = getattr(self, f"n_{type(node).__name__}", None)
        if method is None:
            raise SqlCompileError(f"cannot compile {type(node).__name__} to SQL")
        result: Compiled = method(node)
        return result

    def num(self, node: ir.Node) -> Num:
        result = self.value(node)
        if not isinstance(result, Num):
            raise SqlCompileError(f"expected a number at {node.span.line}:{node.span.column}")
        return result

    def expr(self, node: ir.Node) -> exp.Expression:
        result = self.value(node)
        if isinstance(result, Num):
            raise SqlCompileError(f"unexpected number at {node.span.line}:{node.span.column}")
        return result

    def literal(self, value: ir.Value, unit: ir.Unit) -> Compiled:
        if value is None:
            return n.unknown() if unit.numeric else exp.Null()
        if isinstance(value, bool):
            return exp.true() if value else exp.false()
        if isinstance(value, dt.date):
            return exp.cast(exp.Literal.string(value.isoformat()), DATE)
        if isinstance(value, str) and not unit.numeric:
            return exp.Literal.string(value)
        return n.constant(to_fraction(value))

    def n_Literal(self, node: ir.Literal) -> Compiled:
        return self.literal(node.value, node.unit)

    def n_Fact(self, node: ir.Fact) -> Compiled:
        return self.fact(node)

    def n_PeriodAggregate(self, node: ir.PeriodAggregate) -> Compiled:
        return self.period(node)

    def n_Parameter(self, node: ir.Parameter) -> Compiled:
        return self.literal(self.params.get(node.name), node.unit)

    def n_Context(self, node: ir.Context) -> Compiled:
        if node.name == "eval_year":
            return n.constant(Fraction(self.year))
        if node.name == "year_start":
            return self.literal(dt.date(self.year, 1, 1), ir.Unit.DATE)
        if node.name == "year_end":
            return self.literal(dt.date(self.year, 12, 31), ir.Unit.DATE)
        raise SqlCompileError(f"unknown context value {node.name!r}")

    def n_Reference(self, node: ir.Reference) -> Compiled:
        return self.reference(node.kind, node.name)

    def n_Arithmetic(self, node: ir.Arithmetic) -> Compiled:
        a, b = self.num(node.left), self.num(node.right)
        if node.operator == "+":
            return n.add(a, b)
        if node.operator == "-":
            return n.add(a, b, subtract=True)
        if node.operator == "*":
            return n.multiply(a, b)
        if node.operator == "/":
            return n.divide(a, b, self.share)
        raise SqlCompileError(f"unknown operator {node.operator!r}")

    def n_Negate(self, node: ir.Negate) -> Compiled:
        return n.negate(self.num(node.operand))

    def n_Compare(self, node: ir.Compare) -> Compiled:
        left, right = self.value(node.left), self.value(node.right)
        if isinstance(left, Num) and isinstance(right, Num):
            if left.unknown_const or right.unknown_const:
                return exp.Null()
            if left.const is not None and right.const is not None:
                return _bool(_PY_COMPARE[node.operator](left.const, right.const))
            return n.compare(node.operator, left, right)
        if isinstance(left, Num) or isinstance(right, Num):
            raise SqlCompileError("comparison of a number with a non-number")
        op = n.COMPARISONS[node.operator]
        return op(this=n.paren(left), expression=n.paren(right))

    def n_And(self, node: ir.And) -> Compiled:
        return exp.Paren(this=exp.and_(*[n.paren(self.expr(o)) for o in node.operands]))

    def n_Or(self, node: ir.Or) -> Compiled:
        return exp.Paren(this=exp.or_(*[n.paren(self.expr(o)) for o in node.operands]))

    def n_Not(self, node: ir.Not) -> Compiled:
        return exp.Not(this=n.paren(self.expr(node.operand)))

    def n_IfElse(self, node: ir.IfElse) -> Compiled:
        cond = self.share(self.expr(node.condition))
        then, otherwise = self.value(node.then), self.value(node.otherwise)
        # Two WHENs and no ELSE: an unknown condition matches neither and gives NULL.
        yes, no = cond, exp.Not(this=n.paren(cond))
        if isinstance(then, Num) and isinstance(otherwise, Num):
            return n.choose([(yes, then), (no, otherwise)], None)
        if isinstance(then, Num) or isinstance(otherwise, Num):
            raise SqlCompileError("if-else branches of different kinds")
        return exp.Case(ifs=[exp.If(this=yes, true=then), exp.If(this=no, true=otherwise)])

    def n_InSet(self, node: ir.InSet) -> Compiled:
        value = self.value(node.value)
        if not node.options:
            found: exp.Expression = exp.false()
            if isinstance(value, Num):
                known = exp.Not(this=exp.Is(this=n.paren(value.num), expression=exp.Null()))
            else:
                known = exp.Not(this=exp.Is(this=n.paren(value), expression=exp.Null()))
            found = exp.Case(ifs=[exp.If(this=known, true=exp.false())])
        elif isinstance(value, Num):
            shared = self.share_value(value)
            assert isinstance(shared, Num)
            tests = [n.compare("==", shared, n.constant(to_fraction(o))) for o in node.options]
            found = exp.Paren(this=exp.or_(*[n.paren(t) for t in tests]))
        else:
            options = [self.expr(ir.Literal(node.value.unit, o)) for o in node.options]
            found = exp.In(this=n.paren(value), expressions=options)
        return exp.Not(this=n.paren(found)) if node.negated else found

    def n_Band(self, node: ir.Band) -> Compiled:
        bands = node.bands
        if node.scale:
            # Parameters are known when the query is compiled (the year's value or the
            # what-if override), so a scale's edges are constants like a literal table's.
            scale = self.params.get(node.scale)
            if not isinstance(scale, ir.Scale):
                return n.unknown()
            bands = scale.bands
        x = self.share_value(self.num(node.input))
        assert isinstance(x, Num)
        branches: list[tuple[exp.Expression, Num]] = [
            (exp.Is(this=n.paren(x.num), expression=exp.Null()), n.unknown())
        ]
        for lower, points in sorted(bands, key=lambda band: band[0], reverse=True):
            branches.append((n.compare(">=", x, n.constant(lower)), n.constant(points)))
        return n.choose(branches, n.constant(node.otherwise))

    def n_Lookup(self, node: ir.Lookup) -> Compiled:
        code = self.share(self.expr(node.code))
        branches: list[tuple[exp.Expression, Num]] = [
            (exp.Is(this=n.paren(code), expression=exp.Null()), n.unknown())
        ]
        heads: dict[int, exp.Expression] = {}  # each prefix length's SUBSTRING, computed once
        for prefix, amount in sorted(node.table, key=lambda item: len(item[0]), reverse=True):
            if len(prefix) not in heads:
                one, size = exp.Literal.number(1), exp.Literal.number(len(prefix))
                heads[len(prefix)] = self.share(exp.Substring(this=code, start=one, length=size))
            test = exp.EQ(this=heads[len(prefix)], expression=exp.Literal.string(prefix))
            branches.append((test, n.constant(amount)))
        default = n.constant(node.default) if node.default is not None else n.unknown()
        return n.choose(branches, default)

    def n_Call(self, node: ir.Call) -> Compiled:
        name, args = node.function, node.arguments
        if name in ("min", "max"):
            return self.extreme(name, [self.num(a) for a in args])
        if name == "abs":
            return n.absolute(self.num(args[0]))
        if name == "ratio":
            return self.ratio([self.num(a) for a in args])
        if name == "years_between":
            return self.years_between(self.expr(args[0]), self.expr(args[1]))
        if name == "startswith":
            code, prefix = self.expr(args[0]), self.expr(args[1])
            length = len(prefix.this) if isinstance(prefix, exp.Literal) else None
            return _starts_with(code, prefix, length)
        if name == "section":
            code = self.expr(args[0])
            one = exp.Literal.number(1)
            # One column however many conditions test the section (above-scale-2019 has three):
            # UPPER of a substring is a string function per row, and in DuckDB a test inlined
            # in a projection is not shared with the others around the IN list's mark join.
            return self.share(exp.Upper(this=exp.Substring(this=code, start=one, length=one)))
        if name == "known":
            value = self.value(args[0])
            inner = value.num if isinstance(value, Num) else value
            return exp.Not(this=exp.Is(this=n.paren(inner), expression=exp.Null()))
        if name == "value_or":
            return self.value_or(self.value(args[0]), self.value(args[1]))
        raise SqlCompileError(f"function {name!r} has no SQL translation")

    def extreme(self, name: str, values: list[Num]) -> Num:
        result = values[0]
        for other in values[1:]:
            a = self.share_value(result)
            b = self.share_value(other)
            assert isinstance(a, Num) and isinstance(b, Num)
            first_wins = n.compare("<=" if name == "min" else ">=", a, b)
            first = self.share(first_wins)
            result = n.choose([(first, a), (exp.Not(this=n.paren(first)), b)], None)
        return result

    def ratio(self, args: list[Num]) -> Num:
        a, b = args[0], args[1]
        if len(args) == 2:
            return n.divide(a, b, self.share)
        shared = self.share_value(b)
        assert isinstance(shared, Num)
        top = self.share_value(a)
        assert isinstance(top, Num)
        a = top
        # As in the scalar evaluator, an unknown dividend is unknown even when b is 0.
        zero = exp.and_(
            exp.EQ(this=n.paren(shared.num), expression=exp.Literal.number(0)),
            exp.Not(this=exp.Is(this=n.paren(top.num), expression=exp.Null())),
        )
        nonzero = exp.NEQ(this=n.paren(shared.num), expression=exp.Literal.number(0))
        return n.choose([(zero, args[2]), (nonzero, n.divide(a, shared, self.share))], None)

    def years_between(self, first: exp.Expression, second: exp.Expression) -> Num:
        """Whole years from `first` to `second` by the birthday rule, negative if second is
        earlier (the same rule as scalar: -(years from second to first))."""
        d1, d2 = self.share(first), self.share(second)

        def part(unit: str, d: exp.Expression) -> exp.Expression:
            return exp.Extract(this=exp.var(unit), expression=d)

        def month_day(d: exp.Expression) -> exp.Expression:
            return exp.Add(
                this=exp.Mul(this=part("MONTH", d), expression=exp.Literal.number(100)),
                expression=part("DAY", d),
            )

        def whole(a: exp.Expression, b: exp.Expression) -> exp.Expression:
            # years from a to b for a <= b
            years = exp.Sub(this=part("YEAR", b), expression=part("YEAR", a))
            early = exp.LT(
                this=exp.Paren(this=month_day(b)), expression=exp.Paren(this=month_day(a))
            )
            adjust = exp.Case(
                ifs=[exp.If(this=early, true=exp.Literal.number(1))], default=exp.Literal.number(0)
            )
            return exp.Sub(this=exp.Paren(this=years), expression=adjust)

        forward = exp.GTE(this=d2, expression=d1)
        backward = exp.LT(this=d2, expression=d1)
        value = exp.Case(
            ifs=[
                exp.If(this=forward, true=whole(d1, d2)),
                exp.If(this=backward, true=exp.Neg(this=exp.Paren(this=whole(d2, d1)))),
            ]
        )
        # Dates are within years 1..9999.
        return Num(n.narrow_cast(value, 10**4), 1)

    def value_or(self, value: Compiled, default: Compiled) -> Compiled:
        if isinstance(value, Num) and isinstance(default, Num):
            shared = self.share_value(value)
            assert isinstance(shared, Num)
            missing = exp.Is(this=n.paren(shared.num), expression=exp.Null())
            return n.choose([(missing, default)], shared)
        if isinstance(value, Num) or isinstance(default, Num):
            raise SqlCompileError("value_or of a number with a non-number")
        return exp.Coalesce(this=value, expressions=[default])

    # ----- named rules -----------------------------------------------------------------

    def reference(self, kind: str, name: str) -> Compiled:
        key = (kind, name)
        if key in self.refs:
            return self.refs[key]
        if key in self.in_progress:
            raise SqlCompileError(f"{kind} {name!r} refers to itself")
        self.in_progress.add(key)
        if kind == "definition":
            value = self.value(self.definitions[name].expr)
        elif kind == "score":
            value = self.score_points(self.scores[name])
        elif kind == "condition":
            value = self.condition_value(self.conditions[name])
        else:
            raise SqlCompileError(f"unknown reference kind {kind!r}")
        self.in_progress.discard(key)
        shared = self.share_value(value)
        self.refs[key] = shared
        return shared

    def score_points(self, score: Score) -> Num:
        if score.expr is None:
            # An expert-scored indicator contributes nothing to the data score.
            return n.constant(Fraction(0))
        return self.num(score.expr)

    def condition_value(self, condition: Condition) -> exp.Expression:
        """A condition's truth as seen by expressions that reference it: its expression for
        required/helper conditions; for manual_review false when the pre-check fails, else
        unknown (experts decide); attestations are unknown."""
        if condition.kind in (ConditionKind.REQUIRED, ConditionKind.HELPER):
            assert condition.expr is not None
            return self.expr(condition.expr)
        if condition.kind == ConditionKind.MANUAL_REVIEW and condition.expr is not None:
            pre = self.expr(condition.expr)
            return exp.Case(ifs=[exp.If(this=exp.Not(this=n.paren(pre)), true=exp.false())])
        return exp.Null()

    def total_score(self) -> Num | None:
        # Expert-scored indicators only widen the range; the data score leaves them out.
        parts = [s for s in self.policy.scores if s.in_total and s.manual_max == 0]
        if not self.policy.scores:
            return None
        total = n.constant(Fraction(0))
        for s in parts:
            points = self.reference("score", s.id)
            assert isinstance(points, Num)
            total = n.add(total, points)
        return total

    def status(self, condition: Condition) -> exp.Expression | None:
        """The status column value (as text) of a condition, or None for attestations."""
        met, unmet = exp.Literal.string(Status.MET), exp.Literal.string(Status.UNMET)
        unknown = exp.Literal.string(Status.UNKNOWN)
        review = exp.Literal.string(Status.MANUAL_REVIEW)
        if condition.kind in (ConditionKind.REQUIRED, ConditionKind.HELPER):
            v = self.reference("condition", condition.id)
            assert isinstance(v, exp.Expression)
            nv = exp.Not(this=n.paren(v))
            return exp.Case(
                ifs=[exp.If(this=v, true=met), exp.If(this=nv, true=unmet)], default=unknown
            )
        if condition.kind == ConditionKind.MANUAL_REVIEW:
            routes = []
            if condition.met_if is not None:
                routes.append(exp.If(this=self.share(self.expr(condition.met_if)), true=met))
            if condition.expr is None:
                return exp.Case(ifs=routes, default=review) if routes else review
            pre = self.share(self.expr(condition.expr))
            npre = exp.Not(this=n.paren(pre))
            return exp.Case(
                ifs=[*routes, exp.If(this=pre, true=review), exp.If(this=npre, true=unmet)],
                default=unknown,
            )
        return None

    def blocking(self) -> list[tuple[Condition, exp.Expression]]:
        """(condition, truth) for required conditions and manual_review pre-checks: the
        policy is ineligible when one is false and unknown when one is unknown."""
        found: list[tuple[Condition, exp.Expression]] = []
        for c in self.policy.conditions:
            if c.kind == ConditionKind.REQUIRED:
                v = self.reference("condition", c.id)
                assert isinstance(v, exp.Expression)
                found.append((c, v))
            elif c.kind == ConditionKind.MANUAL_REVIEW and c.expr is not None:
                pre = self.share(self.expr(c.expr))
                if c.met_if is not None:
                    # A data-decided route meets the condition whatever the pre-check says.
                    route = self.share(self.expr(c.met_if))
                    pre = self.share(
                        exp.Case(ifs=[exp.If(this=route, true=exp.true())], default=pre)
                    )
                found.append((c, pre))
        return found

    def review_cleared(self) -> exp.Expression | None:
        """True where every manual_review condition is met by its data route (met_if), so the
        enterprise needs no review; None when some manual_review condition has no such route
        (review is always needed) or there is nothing to review (never needed)."""
        manual = [c for c in self.policy.conditions if c.kind == ConditionKind.MANUAL_REVIEW]
        if not manual or any(c.met_if is None for c in manual):
            return None
        routes = [n.paren(self.share(self.expr(c.met_if))) for c in manual if c.met_if]
        return self.share(exp.and_(*routes))

    # ----- the query -------------------------------------------------------------------

    def query(self, explain_columns: bool) -> exp.Select:
        return self.assemble(*self.results(explain_columns))

    def results(
        self, explain_columns: bool
    ) -> tuple[exp.Expression, dict[str, exp.Expression], dict[str, exp.Expression]]:
        """The outcome, the other RESULTS columns and the status columns, as layer columns."""
        policy = self.policy
        tag = self.suffix
        blocking = self.blocking()
        has_review = any(c.kind == ConditionKind.MANUAL_REVIEW for c in policy.conditions)
        truths = [v for _, v in blocking]
        every = self.share(exp.and_(*[n.paren(t) for t in truths])) if truths else exp.true()
        cleared = self.review_cleared()
        pass_outcome: exp.Expression = exp.Literal.string(
            "manual_review" if has_review else "eligible"
        )
        if cleared is not None:
            pass_outcome = exp.Case(
                ifs=[exp.If(this=cleared, true=exp.Literal.string("eligible"))],
                default=exp.Literal.string("manual_review"),
            )
            every_paid = self.share(exp.and_(n.paren(every), n.paren(cleared)))
            has_review = False
        else:
            every_paid = every
        outcome = self.layers.add(
            exp.Case(
                ifs=[
                    exp.If(this=every, true=pass_outcome),
                    exp.If(
                        this=exp.Not(this=n.paren(every)), true=exp.Literal.string("ineligible")
                    ),
                ],
                default=exp.Literal.string("unknown"),
            ),
            name=f"outcome{tag}",
        )
        unmet_parts = [
            exp.Case(ifs=[exp.If(this=exp.Not(this=n.paren(v)), true=exp.Literal.string(c.id))])
            for c, v in blocking
        ]
        unmet: exp.Expression = exp.Literal.string("")
        if unmet_parts:
            # Where every blocking condition is met, each part is NULL and CONCAT_WS gives ''
            # anyway: the CASE skips joining the parts for those rows (the eligible ones).
            unmet = exp.Case(
                ifs=[exp.If(this=every, true=exp.Literal.string(""))],
                default=exp.ConcatWs(expressions=[exp.Literal.string(";"), *unmet_parts]),
            )
        unmet_column = self.layers.add(unmet, name=f"unmet_ids{tag}")
        columns: dict[str, exp.Expression] = {"unmet": unmet_column}

        total = self.total_score()
        if total is None:
            score: exp.Expression = exp.cast(exp.Null(), _decimal(SCORE_DECIMALS))
        else:
            s = self.share_value(total)
            assert isinstance(s, Num)
            score = n.fen_to_decimal(n.round_half_up(s, 10**SCORE_DECIMALS), SCORE_DECIMALS)
        columns["score"] = self.layers.add(score, name=f"score_value{tag}")

        columns["benefit_yuan"] = self.layers.add(
            self.benefit(every_paid, has_review), name=f"benefit{tag}"
        )
        statuses: dict[str, exp.Expression] = {}
        if explain_columns:
            for c in policy.conditions:
                st = self.status(c)
                if st is not None:
                    statuses[STATUS_COLUMN_PREFIX + c.id] = self.layers.add(st)
        return outcome, columns, statuses

    def benefit(self, every: exp.Expression, has_review: bool) -> exp.Expression:
        benefit = self.policy.benefit
        if benefit is None or has_review:
            return exp.cast(exp.Null(), _decimal(2))
        amount = self.num(benefit.amount)
        if benefit.cap is not None:
            amount = self.extreme("min", [amount, self.num(benefit.cap)])
        a = self.share_value(amount)
        assert isinstance(a, Num)
        if a.unknown_const:
            return exp.cast(exp.Null(), _decimal(2))
        num = self.share(a.num)
        den: n.Den = a.den if isinstance(a.den, int) else self.share(a.den)
        # Never negative (as the scalar evaluator): a negative amount pays nothing.
        negative = exp.LT(this=num, expression=exp.Literal.number(0))
        rounded = n.round_half_up(Num(num, den), 100)
        fen = self.share(
            exp.Case(ifs=[exp.If(this=negative, true=exp.Literal.number(0))], default=rounded)
        )
        yuan = n.fen_to_decimal(fen, 2)
        return exp.Case(ifs=[exp.If(this=every, true=yuan)])

    def assemble(
        self,
        outcome: exp.Expression,
        columns: dict[str, exp.Expression],
        statuses: dict[str, exp.Expression],
    ) -> exp.Select:
        ctes, previous = self.layer_ctes()
        final = exp.select(
            exp.column("uscc"),
            exp.alias_(exp.Literal.string(self.policy.id), "policy_id"),
            exp.alias_(exp.cast(exp.Literal.number(self.year), "INT"), "year"),
            exp.alias_(outcome, "outcome"),
            exp.alias_(columns["score"], "score"),
            exp.alias_(columns["benefit_yuan"], "benefit_yuan"),
            exp.alias_(columns["unmet"], "unmet"),
            *[exp.alias_(e, name) for name, e in statuses.items()],
        ).from_(previous)
        return with_ctes(final, ctes)

    def layer_ctes(self) -> tuple[list[tuple[str, exp.Select]], str]:
        """The CTEs computing every column (the period aggregates, the evaluation year's
        row joined to them, then the layers), and the name of the last one."""
        if self.single_scan and self.hist:
            return self.single_scan_ctes()
        # Without period aggregates (nor the key check's counts), the evaluation year's rows
        # are read as they are: one row per enterprise, no GROUP BY to pay for.
        ctes: list[tuple[str, exp.Select]] = []
        if self.hist:
            hist = exp.select(
                "uscc", *[exp.alias_(e, name) for name, e in self.hist.items()]
            ).from_("panel")
            first = exp.Literal.number(self.year - self.history)
            last = exp.Literal.number(self.year)
            hist = hist.where(exp.Between(this=exp.column("year"), low=first, high=last))
            ctes.append(("hist", hist.group_by("uscc")))
        base = exp.select(
            exp.alias_(exp.column("uscc", table="p"), "uscc"),
            *[exp.alias_(e, name) for name, e in self.base.items()],
        ).from_(exp.alias_(exp.to_table("panel"), "p", table=True))
        if self.hist:
            on = exp.EQ(
                this=exp.column("uscc", table="h"), expression=exp.column("uscc", table="p")
            )
            base = base.join(exp.alias_(exp.to_table("hist"), "h", table=True), on=on)
        base = base.where(
            exp.EQ(this=exp.column("year", table="p"), expression=exp.Literal.number(self.year))
        )
        ctes.append(("l0", base))
        return self.layer_chain(ctes)

    def single_scan_ctes(self) -> tuple[list[tuple[str, exp.Select]], str]:
        """As `layer_ctes`, but the evaluation year's values are conditional aggregates of the
        same GROUP BY as the period aggregates (one row per (uscc, year), so each is that
        row's value): the panel is scanned once and nothing is joined."""
        year = exp.Literal.number(self.year)
        in_year = exp.EQ(this=exp.column("year"), expression=year)
        current: dict[str, exp.Expression] = {}

        def lift(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column) and node.table == "p":
                name = f"p__{node.name}"
                if name not in current:
                    value = exp.Case(ifs=[exp.If(this=in_year.copy(), true=exp.column(node.name))])
                    kind = BY_NAME[node.name].kind if node.name in BY_NAME else None
                    if kind == Kind.BOOL:
                        current[name] = exp.LogicalOr(this=value)
                    else:
                        current[name] = exp.Max(this=value)
                return exp.column(name, table="h")
            return node

        base_items = {name: e.transform(lift) for name, e in self.base.items()}
        aggregates = {**self.hist, **current}
        complete: dict[str, tuple[exp.Expression, exp.Expression]] = {}
        if self.join_years:
            # A sum known only where every existing year's value is (`period`) is one
            # expression of the joined rows, not a sum and a count compared in l0.
            found = {name: _complete_sum_parts(e) for name, e in base_items.items()}
            matched = {name: parts for name, parts in found.items() if parts is not None}
            elsewhere = {
                c.name
                for name, e in base_items.items()
                if name not in matched
                for c in e.find_all(exp.Column)
            }
            for name, (total, count) in matched.items():
                if total not in elsewhere:  # else the sum itself is read too: left as it is
                    complete[total] = (aggregates[total], aggregates[count])
                    base_items[name] = exp.column(total, table="h")
            read = {c.name for e in base_items.values() for c in e.find_all(exp.Column)}
            aggregates = {n: e for n, e in aggregates.items() if n in read and n not in complete}
        base = exp.select(
            exp.alias_(exp.column("uscc", table="h"), "uscc"),
            *[exp.alias_(e, name) for name, e in base_items.items()],
        ).from_(exp.alias_(exp.to_table("hist"), "h", table=True))
        if self.join_years:
            hist = self.joined_years(aggregates, complete)
            return self.layer_chain([("hist", hist), ("l0", base)])
        here = exp.Count(this=exp.Case(ifs=[exp.If(this=in_year, true=exp.Literal.number(1))]))
        hist = exp.select("uscc", *[exp.alias_(e, name) for name, e in aggregates.items()]).from_(
            "panel"
        )
        first = exp.Literal.number(self.year - self.history)
        hist = hist.where(exp.Between(this=exp.column("year"), low=first, high=year.copy()))
        hist = hist.group_by("uscc").having(exp.GT(this=here, expression=exp.Literal.number(0)))
        return self.layer_chain([("hist", hist), ("l0", base)])

    def joined_years(
        self,
        aggregates: Mapping[str, exp.Expression],
        complete: Mapping[str, tuple[exp.Expression, exp.Expression]] | None = None,
    ) -> exp.Select:
        """The row of `aggregates` per enterprise with a row in the evaluation year, from the
        years' rows joined side by side (`y0` the evaluation year's, LEFT JOIN `y<k>` the row
        of k years before) instead of a GROUP BY: with one row per (uscc, year), an aggregate
        over the years is a row-wise expression of those rows' values. A hash aggregate holds
        every aggregate's state for every enterprise at once (and spills past memory_limit);
        the joins hold only the few columns read from earlier years.

        Only the conditional aggregates the compiler builds are rewritten (MAX or BOOL_OR of
        one year's value, COUNT and SUM over some years, each optionally CAST); anything else
        is a SqlCompileError, never a silently different query. `complete` maps a column to
        a SUM and the COUNT of the same value over the same years: the SUM where the COUNT
        is that of the existing rows (every existing year's value known), else NULL.
        """
        # Per year: the values read from its rows, by SQL text -> (column name, expression).
        # A value that is not a plain column (a numerator such as CAST(x * 100 AS BIGINT)) is
        # computed once in that year's subquery, however many aggregates use it.
        read: dict[int, dict[str, tuple[str, exp.Expression]]] = {
            k: {} for k in range(self.history + 1)
        }

        def at(k: int, value: exp.Expression) -> exp.Expression:
            """`value` (over panel columns) in the row of k years before."""
            if any(c.name == "year" for c in value.find_all(exp.Column)):
                raise SqlCompileError("the year column inside a conditional aggregate")
            key = value.sql(dialect="duckdb")
            if key not in read[k]:
                name = value.name if isinstance(value, exp.Column) else f"e{len(read[k])}"
                read[k][key] = (name, value)
            return exp.column(read[k][key][0], table=f"y{k}")

        def not_null(k: int, value: exp.Expression) -> exp.Expression:
            """True where `value` is not NULL in the row of k years before. A panel column read
            only for this is not carried through the join when a value already read from it in
            that year is NULL exactly where it is: the joined rows stay narrower."""
            if isinstance(value, exp.Column) and value.sql(dialect="duckdb") not in read[k]:
                for name, e in read[k].values():
                    if _null_exactly_where(e, value.name):
                        column = exp.column(name, table=f"y{k}")
                        return exp.Not(this=exp.Is(this=column, expression=exp.Null()))
            return exp.Not(this=exp.Is(this=n.paren(at(k, value)), expression=exp.Null()))

        def present(k: int) -> exp.Expression:
            """True where the row of k years before exists (the evaluation year's always)."""
            if k == 0:
                return exp.true()
            row = exp.column("uscc", table=f"y{k}")
            return exp.Not(this=exp.Is(this=row, expression=exp.Null()))

        def years_of(condition: exp.Expression) -> list[int]:
            """The k (years before) among those read where `condition` on year holds."""
            if not (
                isinstance(condition, exp.EQ | exp.GTE)
                and isinstance(condition.this, exp.Column)
                and condition.this.name == "year"
                and isinstance(condition.expression, exp.Literal)
            ):
                raise SqlCompileError(f"unexpected year condition {condition.sql()}")
            bound = int(condition.expression.this)
            years = range(self.history + 1)
            if isinstance(condition, exp.EQ):
                return [k for k in years if self.year - k == bound]
            return [k for k in years if self.year - k >= bound]

        def rewrite(aggregate: exp.Expression, to: exp.DataType | None = None) -> exp.Expression:
            if isinstance(aggregate, exp.Cast):
                # A SUM is added up in the type it is cast to (SUM itself is 128-bit).
                return exp.Cast(this=rewrite(aggregate.this, aggregate.to), to=aggregate.to.copy())
            inner = aggregate.this
            if not (isinstance(inner, exp.Case) and len(inner.args["ifs"]) == 1) or inner.args.get(
                "default"
            ):
                raise SqlCompileError(f"unexpected aggregate {aggregate.sql()}")
            branch = inner.args["ifs"][0]
            ks, value = years_of(branch.this), branch.args["true"]
            if isinstance(aggregate, exp.Max | exp.LogicalOr):
                if len(ks) != 1:
                    raise SqlCompileError(f"unexpected aggregate {aggregate.sql()}")
                return at(ks[0], value)
            if isinstance(aggregate, exp.Count):
                counted = [
                    present(k) if isinstance(value, exp.Literal) else not_null(k, value) for k in ks
                ]
                ones = [
                    exp.Case(
                        ifs=[exp.If(this=c, true=exp.Literal.number(1))],
                        default=exp.Literal.number(0),
                    )
                    for c in counted
                ]
                total: exp.Expression = exp.Literal.number(0)
                for one in ones:
                    total = exp.Add(this=total, expression=one)
                return exp.cast(exp.Paren(this=total), "BIGINT")
            if isinstance(aggregate, exp.Sum):
                # SQL's SUM: NULL when no value is known, else the sum of the known ones.
                values = [n.paren(at(k, value)) for k in ks]
                if to is not None:
                    values = [exp.cast(v, to.copy()) for v in values]
                known = [exp.Not(this=exp.Is(this=v, expression=exp.Null())) for v in values]
                summed: exp.Expression = exp.Coalesce(
                    this=values[0], expressions=[exp.Literal.number(0)]
                )
                for v in values[1:]:
                    summed = exp.Add(
                        this=summed,
                        expression=exp.Coalesce(this=v.copy(), expressions=[exp.Literal.number(0)]),
                    )
                return exp.Case(ifs=[exp.If(this=exp.or_(*known), true=summed)])
            raise SqlCompileError(f"unexpected aggregate {aggregate.sql()}")

        def rewrite_complete(total: exp.Expression, count: exp.Expression) -> exp.Expression:
            summed = rewrite(total)
            case = summed.this if isinstance(summed, exp.Cast) else summed
            counted = count.this if isinstance(count, exp.Cast) else count
            if not (
                isinstance(case, exp.Case)
                and isinstance(counted, exp.Count)
                and isinstance(counted.this, exp.Case)
            ):
                raise SqlCompileError(f"unexpected complete sum {total.sql()}")
            branch = counted.this.args["ifs"][0]
            ks, value = years_of(branch.this), branch.args["true"]
            if isinstance(value, exp.Literal):
                raise SqlCompileError(f"unexpected complete sum {total.sql()}")
            # Each year's value known, or (before the evaluation year) its row missing.
            known = [
                not_null(k, value)
                if k == 0
                else exp.or_(
                    exp.Is(this=exp.column("uscc", table=f"y{k}"), expression=exp.Null()),
                    not_null(k, value),
                )
                for k in ks
            ]
            case.args["ifs"][0].set("this", exp.and_(*known))
            return summed

        # The counts last: `not_null` then sees every value the other aggregates read.
        complete = complete or {}
        rewritten: dict[str, exp.Expression] = {}
        for name, e in aggregates.items():
            if not _is_count(e):
                rewritten[name] = rewrite(e)
        for name, (total, count) in complete.items():
            rewritten[name] = rewrite_complete(total, count)
        for name, e in aggregates.items():
            if _is_count(e):
                rewritten[name] = rewrite(e)
        items = [exp.alias_(rewritten[name], name) for name in [*aggregates, *complete]]
        # Earlier years whose rows are only counted still need their presence.
        needed = {int(c.table[1:]) for item in items for c in item.find_all(exp.Column) if c.table}

        def year_rows(k: int) -> exp.Select:
            values = [exp.alias_(e, name) for name, e in read[k].values() if name != "uscc"]
            select = exp.select(exp.column("uscc"), *values).from_("panel")
            literal = exp.Literal.number(self.year - k)
            return select.where(exp.EQ(this=exp.column("year"), expression=literal))

        query = exp.select(exp.alias_(exp.column("uscc", table="y0"), "uscc"), *items).from_(
            year_rows(0).subquery("y0")
        )
        for k in sorted(needed - {0}):
            on = exp.EQ(
                this=exp.column("uscc", table=f"y{k}"), expression=exp.column("uscc", table="y0")
            )
            query = query.join(year_rows(k).subquery(f"y{k}"), on=on, join_type="left")
        return query

    def layer_chain(
        self, ctes: list[tuple[str, exp.Select]]
    ) -> tuple[list[tuple[str, exp.Select]], str]:
        previous = "l0"
        for level, items in enumerate(self.layers.layers[1:], start=1):
            if not items:
                continue
            layer = exp.select(exp.Star(), *[exp.alias_(e, name) for name, e in items]).from_(
                previous
            )
            name = f"l{level}"
            ctes.append((name, layer))
            previous = name
        return ctes, previous


def with_ctes(final: exp.Select, ctes: list[tuple[str, exp.Select]]) -> exp.Select:
    # The builders' default copy would deep-copy the growing query once per CTE.
    for name, cte in ctes:
        final = final.with_(name, as_=cte, copy=False)
    return final


_PY_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _bool(value: bool) -> exp.Expression:
    return exp.true() if value else exp.false()


def _decimal(scale: int) -> exp.DataType:
    return exp.DataType.build(f"DECIMAL(18, {scale})")


def _numerator(raw: exp.Expression, kind: Kind, bound: int, fen: bool = False) -> exp.Expression:
    """The exact integer numerator of a panel number over its kind's denominator, as BIGINT
    (every panel type fits 64 bits: DECIMAL(18,2) yuan is below 10^18 fen), tagged with
    `bound`.

    Arithmetic on DECIMAL(38, s) is about twenty times slower in DuckDB than on 64-bit
    decimals, and `revenue * 100` overflows DECIMAL(18, 2) above 10^14 yuan; so a yuan amount
    becomes whole yuan * 100 plus its fen part, each computed in 64 bits.
    """
    if kind == Kind.YUAN and fen:
        return n.tag(exp.cast(raw, n.BIGINT), bound, False)
    if kind == Kind.YUAN and bound < 10**16:
        # x * 100 stays DECIMAL(18, 2), exact while |x| * 100 is below 10^16 yuan.
        hundredfold = exp.Mul(this=raw, expression=exp.Literal.number(100))
        return n.tag(exp.cast(hundredfold, n.BIGINT), bound, False)
    if kind == Kind.YUAN:
        whole = exp.func("TRUNC", raw)
        cents = exp.Mul(
            this=exp.Paren(this=exp.Sub(this=raw, expression=whole)),
            expression=exp.Literal.number(100),
        )
        value = exp.Add(
            this=exp.Mul(this=exp.cast(whole, n.BIGINT), expression=exp.Literal.number(100)),
            expression=exp.cast(cents, n.BIGINT),
        )
        return n.tag(value, bound, False)
    if kind in (Kind.RATIO, Kind.NUMBER):
        # At most 6 decimals and below 1000: millionths fit a 64-bit decimal.
        wide = exp.cast(raw, exp.DataType.build("DECIMAL(18, 6)"))
        millionths = exp.Mul(this=wide, expression=exp.Literal.number(10**6))
        return n.tag(exp.cast(millionths, n.BIGINT), bound, False)
    return n.tag(exp.cast(raw, n.BIGINT), bound, False)


def _complete_sum_parts(e: exp.Expression) -> tuple[str, str] | None:
    """The hist columns (sum, count) of `CASE WHEN h.<count> = h.<rows> THEN h.<sum> END`,
    the sum known only where every existing year's value is (`period`), else None."""
    if not isinstance(e, exp.Case) or e.args.get("default") or len(e.args["ifs"]) != 1:
        return None
    branch = e.args["ifs"][0]
    test, total = branch.this, branch.args.get("true")
    if not (
        isinstance(test, exp.EQ)
        and isinstance(test.this, exp.Column)
        and isinstance(test.expression, exp.Column)
        and isinstance(total, exp.Column)
        and all(c.table == "h" for c in (test.this, test.expression, total))
    ):
        return None
    count, rows, name = test.this.name, test.expression.name, total.name
    years = rows.removeprefix("r")
    fact = count.removeprefix(f"k{years}_")
    if rows == years or count == fact or name != f"s{years}_{fact}":
        return None
    return name, count


def _is_count(aggregate: exp.Expression) -> bool:
    inner = aggregate.this if isinstance(aggregate, exp.Cast) else aggregate
    return isinstance(inner, exp.Count)


# Operators that are NULL exactly where one of their operands is (an overflow raises, it does
# not give NULL); TryCast, a subclass of Cast, is not one of them.
_STRICT_NODES = (
    exp.Mul, exp.Add, exp.Sub, exp.Neg, exp.Paren, exp.Trunc,
    exp.Literal, exp.Column, exp.Identifier, exp.DataType, exp.DataTypeParam,
)  # fmt: skip


def _null_exactly_where(e: exp.Expression, column: str) -> bool:
    """Whether `e` reads only the panel column `column` and is NULL exactly where it is: a
    numerator (`_numerator`: casts and arithmetic with literals) or a boolean as 1/0."""
    columns = list(e.find_all(exp.Column))
    if len(columns) != 1 or columns[0].name != column or columns[0].table:
        return False
    if isinstance(e, exp.Case) and not e.args.get("default"):
        # CASE WHEN c THEN 1 WHEN NOT c THEN 0 END (`fact`: a boolean as 1/0).
        ifs = e.args["ifs"]
        return (
            len(ifs) == 2
            and isinstance(ifs[0].this, exp.Column)
            and isinstance(ifs[1].this, exp.Not)
            and isinstance(ifs[1].this.this, exp.Column)
            and all(isinstance(i.args.get("true"), exp.Literal) for i in ifs)
        )
    return all(type(node) is exp.Cast or isinstance(node, _STRICT_NODES) for node in e.walk())


def _kind(name: str) -> Kind:
    found = BY_NAME.get(name)
    if found is None:
        raise SqlCompileError(f"{name!r} is not a column of the enterprise panel")
    return found.kind


def _starts_with(
    code: exp.Expression, prefix: exp.Expression, length: int | None
) -> exp.Expression:
    size: exp.Expression = (
        exp.Literal.number(length) if length is not None else exp.Length(this=prefix)
    )
    head = exp.Substring(this=code, start=exp.Literal.number(1), length=size)
    return exp.EQ(this=head, expression=prefix)
