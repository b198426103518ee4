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
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import sqlglot.expressions as exp

HUGEINT = exp.DataType.build("HUGEINT", dialect="duckdb")
SMALL = 2**62  # literals below this are plain SQL integers; larger ones are cast to HUGEINT

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
        return exp.Neg(this=literal) if value < 0 else literal
    return exp.cast(exp.Literal.number(value), HUGEINT)


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
        return exp.Mul(this=paren(e), expression=int_lit(factor))
    return exp.Mul(this=paren(e), expression=paren(factor))


def mul_den(a: Den, b: Den) -> Den:
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if isinstance(a, int) and a == 1:
        return b
    if isinstance(b, int) and b == 1:
        return a
    return exp.Mul(this=paren(den_expr(a)), expression=paren(den_expr(b)))


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
        return Num(op(this=paren(left), expression=paren(right)), lcm)
    left, right = scale(a.num, b.den), scale(b.num, a.den)
    return Num(op(this=paren(left), expression=paren(right)), mul_den(a.den, b.den))


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
    product = exp.Mul(this=paren(a.num), expression=paren(b.num))
    return Num(product, mul_den(a.den, b.den))


def negate(a: Num) -> Num:
    if a.const is not None:
        return constant(-a.const)
    return Num(exp.Neg(this=paren(a.num)), a.den)


def absolute(a: Num) -> Num:
    if a.const is not None:
        return constant(abs(a.const))
    return Num(exp.Abs(this=a.num), a.den)


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
        zero = exp.If(this=exp.NEQ(this=paren(bn), expression=int_lit(0)), true=int_lit(0))
        return Num(exp.Case(ifs=[zero]), 1)
    bn = share(b.num)
    bottom_factor: Den
    if isinstance(a.den, int) and isinstance(b.den, int):
        g = math.gcd(a.den, b.den)
        top, bottom_factor = scale(a.num, b.den // g), a.den // g
    else:
        top, bottom_factor = scale(a.num, b.den), a.den
    signed = exp.Mul(this=paren(top), expression=exp.func("SIGN", bn))
    num = exp.Case(ifs=[exp.If(this=exp.NEQ(this=paren(bn), expression=int_lit(0)), true=signed)])
    den = share(scale(exp.Abs(this=bn), bottom_factor))
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

        ifs = [exp.If(this=cond, true=numerator(v)) for cond, v in branches]
        default = numerator(otherwise) if otherwise is not None else None
        return Num(exp.Case(ifs=ifs, default=default), lcm)
    ifs = [exp.If(this=cond, true=v.num) for cond, v in branches]
    dens_ifs = [exp.If(this=cond, true=den_expr(v.den)) for cond, v in branches]
    num_case = exp.Case(ifs=ifs, default=otherwise.num if otherwise is not None else None)
    den_case = exp.Case(
        ifs=dens_ifs, default=den_expr(otherwise.den) if otherwise is not None else int_lit(1)
    )
    return Num(num_case, den_case)


def round_half_up(a: Num, unit: int) -> exp.Expression:
    """floor(a * unit + 1/2) as a 128-bit integer: the amount in 1/unit (fen for unit=100),
    rounded half up. `//` truncates toward zero in DuckDB, so negatives are floored by hand."""
    top = exp.Add(
        this=paren(scale(a.num, 2 * unit)), expression=paren(den_expr(a.den))
    )  # 2*unit*num + den
    bottom = int_lit(2 * a.den) if isinstance(a.den, int) else scale(a.den, 2)
    return floor_div(top, bottom)


def floor_div(top: exp.Expression, bottom: exp.Expression) -> exp.Expression:
    """floor(top / bottom) for bottom > 0 without relying on a dialect's rounding of `//`."""
    positive = exp.IntDiv(this=paren(top), expression=paren(bottom))
    # For top < 0: floor(t/b) = -ceil(-t/b) = -((-t + b - 1) // b)
    negated = exp.Sub(
        this=exp.Add(this=exp.Neg(this=paren(top)), expression=paren(bottom)),
        expression=int_lit(1),
    )
    negative = exp.Neg(
        this=exp.Paren(this=exp.IntDiv(this=exp.Paren(this=negated), expression=paren(bottom)))
    )
    return exp.Case(
        ifs=[exp.If(this=exp.GTE(this=paren(top), expression=int_lit(0)), true=positive)],
        default=negative,
    )


def fen_to_decimal(fen: exp.Expression, scale_digits: int = 2) -> exp.Expression:
    """An integer count of 1/10^scale units as DECIMAL(18, scale), exactly (no DOUBLE)."""
    whole = exp.cast(fen, exp.DataType.build("DECIMAL(18, 0)"))
    step = exp.cast(
        exp.Literal.number(f"0.{'0' * (scale_digits - 1)}1"),
        exp.DataType.build(f"DECIMAL({scale_digits + 1}, {scale_digits})"),
    )
    return exp.cast(
        exp.Mul(this=whole, expression=step), exp.DataType.build(f"DECIMAL(18, {scale_digits})")
    )
