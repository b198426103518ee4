"""Exact rational arithmetic in SQL: every number is a pair (numerator, positive denominator).

DuckDB divides DECIMALs in DOUBLE, and thresholds must be exact (3,000,000 / 50,000,000 is
exactly 6 %), so the compiler never emits `/` on numbers. A value is a `Num`: a 128-bit
integer numerator expression and a denominator that is a Python int whenever it is known at
compile time (yuan facts are fen / 100, ratios millionths / 10^6, counts / 1). Constant
denominators are combined with lcm/gcd at compile time, which keeps products small (128-bit
overflow) and the SQL fast. Only a division by a column gives a per-row denominator.

Unknown is SQL NULL in the numerator; a denominator is only meaningful when its numerator is
not NULL. Helpers here are pure functions of SQLGlot expressions; `share` is the hook the
compiler passes in to hoist an expression into a column when it would be used twice.

**Widths.** Every integer expression carries, in its SQLGlot `meta`, a bound on its magnitude
(`bound`, from the column types or the file's statistics, propagated through +, -, *, CASE)
and whether its SQL type is the wide 128-bit one (`wide`). An operation whose result bound
exceeds BIGINT casts an operand to HUGEINT first; everything else stays in 64 bits, which is
several times faster. An expression without a known bound is treated as wide and unbounded.
Overflow is never silent: DuckDB and PostgreSQL raise on BIGINT/HUGEINT overflow (Spark runs
with ANSI mode), and PostgreSQL's NUMERIC, which HUGEINT becomes there, is unbounded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import sqlglot.expressions as exp

HUGEINT = exp.DataType.build("HUGEINT", dialect="duckdb")
BIGINT = exp.DataType.build("BIGINT")
SMALL = 2**62  # literals below this are plain SQL integers; larger ones are cast to HUGEINT
NARROW_MAX = 2**63 - 1  # a bound up to this fits BIGINT


def bound_of(e: exp.Expression) -> int | None:
    """A bound on |e| for an integer expression, or None when none is known."""
    if "bound" in e.meta:
        found: int | None = e.meta["bound"]
        return found
    if isinstance(e, exp.Null):
        return 0
    if isinstance(e, exp.Paren):
        return bound_of(e.this)
    value = _int_value(e)
    return abs(value) if value is not None else None


def is_wide(e: exp.Expression) -> bool:
    """True when e's SQL type may be the 128-bit one (or is not known to be 64-bit)."""
    if "wide" in e.meta:
        return bool(e.meta["wide"])
    if isinstance(e, exp.Paren):
        return is_wide(e.this)
    if isinstance(e, exp.Cast):
        return bool(e.to.this != exp.DataType.Type.BIGINT)
    if isinstance(e, exp.Null):
        return False
    value = _int_value(e)
    return value is None or abs(value) >= SMALL


def tag(e: exp.Expression, bound: int | None, wide: bool) -> exp.Expression:
    """Record e's bound and width in its meta (returns e)."""
    e.meta["bound"] = bound
    e.meta["wide"] = wide or bound is None or bound > NARROW_MAX
    return e


def like(e: exp.Expression, source: exp.Expression) -> exp.Expression:
    """Give e (a column standing for `source`) the bound and width of source."""
    return tag(e, bound_of(source), is_wide(source))


def widen(e: exp.Expression) -> exp.Expression:
    if is_wide(e):
        return e
    return tag(exp.cast(e, HUGEINT), bound_of(e), True)


def narrow_cast(e: exp.Expression, bound: int | None) -> exp.Expression:
    """CAST(e AS BIGINT) when `bound` allows, else CAST(e AS HUGEINT); tagged."""
    if bound is not None and bound <= NARROW_MAX:
        return tag(exp.cast(e, BIGINT), bound, False)
    return tag(exp.cast(e, HUGEINT), bound, True)


def _mul_bound(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a * b


def _add_bound(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def arith(
    op: type[exp.Binary], a: exp.Expression, b: exp.Expression, bound: int | None
) -> exp.Expression:
    """a op b computed in a type wide enough for `bound` (an operand is widened if needed)."""
    wide = is_wide(a) or is_wide(b)
    if (bound is None or bound > NARROW_MAX) and not wide:
        a, wide = widen(a), True
    return tag(op(this=paren(a), expression=paren(b)), bound, wide)


def mul(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return arith(exp.Mul, a, b, _mul_bound(bound_of(a), bound_of(b)))


def case(
    ifs: list[tuple[exp.Expression, exp.Expression]], default: exp.Expression | None = None
) -> exp.Expression:
    """CASE over integer branches, tagged with the largest bound of its branches."""
    values = [v for _, v in ifs] + ([default] if default is not None else [])
    bounds = [bound_of(v) for v in values]
    bound = None if any(b is None for b in bounds) else max([0, *(b or 0 for b in bounds)])
    wide = any(is_wide(v) for v in values)
    result: exp.Expression = exp.Case(ifs=[exp.If(this=c, true=v) for c, v in ifs], default=default)
    if not wide and all(_literal(v) for v in values):
        # A CASE of small literals is a 32-bit INTEGER in DuckDB, PostgreSQL and Spark, and
        # its product with another overflows there: the 64 bits the bounds assume are a cast.
        result = exp.cast(result, BIGINT)
    return tag(result, bound, wide)


def _literal(e: exp.Expression) -> bool:
    return isinstance(e, exp.Literal | exp.Null) or (
        isinstance(e, exp.Neg) and isinstance(e.this, exp.Literal)
    )


Den = int | exp.Expression
Share = Callable[[exp.Expression], exp.Expression]


@dataclass(frozen=True)
class Num:
    """num / den with den > 0; `const` is set when the value is known at compile time."""

    num: exp.Expression
    den: Den
    const: Fraction | None = None

    @property
    def unknown_const(self) -> bool:
        return isinstance(self.num, exp.Null)


def int_lit(value: int) -> exp.Expression:
    if abs(value) < SMALL:
        literal = exp.Literal.number(abs(value))
        return tag(exp.Neg(this=literal) if value < 0 else literal, abs(value), False)
    return tag(exp.cast(exp.Literal.number(value), HUGEINT), abs(value), True)


def constant(value: Fraction) -> Num:
    return Num(int_lit(value.numerator), value.denominator, value)


def unknown() -> Num:
    return Num(exp.Null(), 1)


def paren(e: exp.Expression) -> exp.Expression:
    """Wrap anything but atoms so that operator precedence never depends on the generator."""
    if isinstance(e, exp.Column | exp.Literal | exp.Null | exp.Paren | exp.Cast | exp.Func):
        return e
    if isinstance(e, exp.Boolean):
        return e
    return exp.Paren(this=e)


def den_expr(den: Den) -> exp.Expression:
    return int_lit(den) if isinstance(den, int) else den


def _int_value(e: exp.Expression) -> int | None:
    """The value of an integer literal built by `int_lit`, else None."""
    if isinstance(e, exp.Literal) and e.is_int:
        return int(e.this)
    if isinstance(e, exp.Neg) and isinstance(e.this, exp.Literal) and e.this.is_int:
        return -int(e.this.this)
    if isinstance(e, exp.Cast) and isinstance(e.this, exp.Literal) and e.this.is_int:
        return int(e.this.this)
    return None


def scale(e: exp.Expression, factor: Den) -> exp.Expression:
    """e * factor, folding literals and skipping the multiplication by 1."""
    known = _int_value(e)
    if isinstance(factor, int) and known is not None:
        return int_lit(known * factor)
    if known == 1:
        return den_expr(factor)
    if isinstance(factor, int):
        if factor == 1:
            return e
        return mul(e, int_lit(factor))
    return mul(e, factor)


def mul_den(a: Den, b: Den) -> Den:
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if isinstance(a, int) and a == 1:
        return b
    if isinstance(b, int) and b == 1:
        return a
    return mul(den_expr(a), den_expr(b))


def cross(a: Num, b: Num) -> tuple[exp.Expression, exp.Expression]:
    """(a.num * b.den, b.num * a.den) reduced by the gcd of constant denominators: the two
    sides of any comparison of a and b."""
    if isinstance(a.den, int) and isinstance(b.den, int):
        g = math.gcd(a.den, b.den)
        if b.const is not None:
            # Fold the constant side: a.num * q OP p * a.den.
            q, p = b.const.denominator, b.const.numerator
            g = math.gcd(q, a.den)
            return scale(a.num, q // g), int_lit(p * (a.den // g))
        if a.const is not None:
            q, p = a.const.denominator, a.const.numerator
            g = math.gcd(q, b.den)
            return int_lit(p * (b.den // g)), scale(b.num, q // g)
        return scale(a.num, b.den // g), scale(b.num, a.den // g)
    return scale(a.num, b.den), scale(b.num, a.den)


COMPARISONS: dict[str, type[exp.Binary]] = {
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
    "==": exp.EQ,
    "!=": exp.NEQ,
}


def compare(operator: str, a: Num, b: Num) -> exp.Expression:
    left, right = cross(a, b)
    return COMPARISONS[operator](this=paren(left), expression=paren(right))


def add(a: Num, b: Num, subtract: bool = False) -> Num:
    if a.const is not None and b.const is not None:
        return constant(a.const - b.const if subtract else a.const + b.const)
    if b.const == 0:
        return a
    if a.const == 0:
        return negate(b) if subtract else b
    op = exp.Sub if subtract else exp.Add
    if isinstance(a.den, int) and isinstance(b.den, int):
        lcm = math.lcm(a.den, b.den)
        left, right = scale(a.num, lcm // a.den), scale(b.num, lcm // b.den)
        return Num(arith(op, left, right, _add_bound(bound_of(left), bound_of(right))), lcm)
    left, right = scale(a.num, b.den), scale(b.num, a.den)
    total = arith(op, left, right, _add_bound(bound_of(left), bound_of(right)))
    return Num(total, mul_den(a.den, b.den))


def multiply(a: Num, b: Num) -> Num:
    if a.const is not None and b.const is not None:
        return constant(a.const * b.const)
    if b.const is not None:
        a, b = b, a
    if a.const is not None and isinstance(b.den, int):
        # constant * value: reduce the constant's numerator against the value's denominator.
        p, q = a.const.numerator, a.const.denominator
        g = math.gcd(p, b.den * q) or 1
        return Num(scale(b.num, p // g), b.den * q // g)
    return Num(mul(a.num, b.num), mul_den(a.den, b.den))


def negate(a: Num) -> Num:
    if a.const is not None:
        return constant(-a.const)
    return Num(like(exp.Neg(this=paren(a.num)), a.num), a.den)


def absolute(a: Num) -> Num:
    if a.const is not None:
        return constant(abs(a.const))
    return Num(like(exp.Abs(this=a.num), a.num), a.den)


def divide(a: Num, b: Num, share: Share) -> Num:
    """a / b; unknown when b is 0. The sign moves to the numerator so the denominator stays
    positive (comparisons by cross-multiplication rely on it)."""
    if b.const is not None:
        if b.const == 0:
            return unknown()
        return multiply(a, constant(1 / b.const))
    if a.const is not None and a.const == 0:
        # 0 / b is 0 unless b is 0 or unknown.
        bn = share(b.num)
        return Num(case([(exp.NEQ(this=paren(bn), expression=int_lit(0)), int_lit(0))]), 1)
    bn = share(b.num)
    bottom_factor: Den
    if isinstance(a.den, int) and isinstance(b.den, int):
        g = math.gcd(a.den, b.den)
        top, bottom_factor = scale(a.num, b.den // g), a.den // g
    else:
        top, bottom_factor = scale(a.num, b.den), a.den
    # The sign of b moves to the numerator (no SIGN(): PostgreSQL's would be a float).
    negated = like(exp.Neg(this=paren(top)), top)
    positive = exp.GT(this=paren(bn), expression=int_lit(0))
    num = case([(positive, top), (exp.LT(this=paren(bn), expression=int_lit(0)), negated)])
    den = share(scale(like(exp.Abs(this=bn), bn), bottom_factor))
    return Num(num, den)


def choose(branches: list[tuple[exp.Expression, Num]], otherwise: Num | None) -> Num:
    """CASE WHEN cond THEN value ... [ELSE value] END over numbers with different
    denominators: constant ones are brought to their lcm, otherwise the denominator is a CASE
    of its own (only meaningful where the numerator is known)."""
    values = [num for _, num in branches] + ([otherwise] if otherwise is not None else [])
    dens = [v.den for v in values if not v.unknown_const]
    if all(isinstance(d, int) for d in dens):
        lcm = math.lcm(*[d for d in dens if isinstance(d, int)]) if dens else 1

        def numerator(v: Num) -> exp.Expression:
            if v.unknown_const or not isinstance(v.den, int):
                return v.num
            return scale(v.num, lcm // v.den)

        ifs = [(cond, numerator(v)) for cond, v in branches]
        default = numerator(otherwise) if otherwise is not None else None
        return Num(case(ifs, default), lcm)
    ifs = [(cond, v.num) for cond, v in branches]
    dens_ifs = [(cond, den_expr(v.den)) for cond, v in branches]
    num_case = case(ifs, otherwise.num if otherwise is not None else None)
    den_case = case(dens_ifs, den_expr(otherwise.den) if otherwise is not None else int_lit(1))
    return Num(num_case, den_case)


def round_half_up(a: Num, unit: int) -> exp.Expression:
    """floor(a * unit + 1/2) as a 128-bit integer: the amount in 1/unit (fen for unit=100),
    rounded half up. `//` truncates toward zero in DuckDB, so negatives are floored by hand."""
    scaled, den = scale(a.num, 2 * unit), den_expr(a.den)
    top = arith(exp.Add, scaled, den, _add_bound(bound_of(scaled), bound_of(den)))
    bottom = int_lit(2 * a.den) if isinstance(a.den, int) else scale(a.den, 2)
    return floor_div(top, bottom)


def floor_div(top: exp.Expression, bottom: exp.Expression) -> exp.Expression:
    """floor(top / bottom) for bottom > 0 without relying on a dialect's rounding of `//`."""
    bt, bb = bound_of(top), bound_of(bottom)
    positive = like(exp.IntDiv(this=paren(top), expression=paren(bottom)), top)
    # For top < 0: floor(t/b) = -ceil(-t/b) = -((-t + b - 1) // b)
    flipped = like(exp.Neg(this=paren(top)), top)
    sum_bound = _add_bound(bt, bb)
    negated = arith(
        exp.Sub, arith(exp.Add, flipped, bottom, sum_bound), int_lit(1), _add_bound(sum_bound, 1)
    )
    quotient = like(exp.IntDiv(this=exp.Paren(this=negated), expression=paren(bottom)), negated)
    negative = like(exp.Neg(this=exp.Paren(this=quotient)), quotient)
    return case([(exp.GTE(this=paren(top), expression=int_lit(0)), positive)], negative)


def fen_to_decimal(fen: exp.Expression, scale_digits: int = 2) -> exp.Expression:
    """An integer count of 1/10^scale units as DECIMAL(18, scale), exactly (no DOUBLE).

    When the count's bound keeps it below 10^(18 - scale), the product is DECIMAL(18, scale)
    itself (a 64-bit multiplication in DuckDB) instead of a 128-bit DECIMAL(21, scale).
    """
    bound = bound_of(fen)
    narrow = bound is not None and bound < 10 ** (18 - scale_digits)
    digits = 18 - scale_digits if narrow else 18
    whole = exp.cast(fen, exp.DataType.build(f"DECIMAL({digits}, 0)"))
    step = exp.cast(
        exp.Literal.number(f"0.{'0' * (scale_digits - 1)}1"),
        exp.DataType.build(
            f"DECIMAL({scale_digits if narrow else scale_digits + 1}, {scale_digits})"
        ),
    )
    return exp.cast(
        exp.Mul(this=whole, expression=step), exp.DataType.build(f"DECIMAL(18, {scale_digits})")
    )
