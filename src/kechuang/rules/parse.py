"""Expression text -> checked IR, with Python's `ast` as the tokenizer (never eval/exec).

The parser walks an allow-list of syntax, resolves every name (panel facts, parameters,
context values, and through `Scope.resolve` the policy's own definitions, scores and
conditions), checks units, folds literal arithmetic into exact Fractions and desugars the
period helpers (`growth`, `crossed`) into plain IR, so that both evaluators see one small
language. Every error is a `PolicyError` at the line and column of the offending text.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import difflib
import io
import threading
import tokenize
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from kechuang.domain.panel import BY_NAME, Kind
from kechuang.rules.errors import PolicyError
from kechuang.rules.ir import (
    And,
    Arithmetic,
    Band,
    Call,
    Compare,
    Context,
    Fact,
    IfElse,
    InSet,
    Literal,
    Lookup,
    Negate,
    Node,
    Not,
    Or,
    Parameter,
    PeriodAggregate,
    Span,
    Unit,
    Value,
)

# CPython 3.11's ast.parse is not thread-safe (gh-106905: "AST constructor recursion depth
# mismatch" when two threads parse at once, as two web requests loading policies do).
_AST_LOCK = threading.Lock()

MAX_LENGTH = 5000
MAX_DEPTH = 50
MAX_PERIOD_YEARS = 10
MAX_NUMBER = 10**18
MAX_DECIMALS = 12

FUNCTIONS = (
    "min", "max", "abs", "ratio", "band", "lookup", "years_between", "startswith", "section",
    "known", "value_or", "years_ago", "sum_years", "avg_years", "count_years", "growth",
    "crossed", "date",
)  # fmt: skip

KIND_UNITS: dict[Kind, Unit] = {
    Kind.TEXT: Unit.TEXT,
    Kind.CODE: Unit.CODE,
    Kind.YEAR: Unit.YEAR,
    Kind.DATE: Unit.DATE,
    Kind.BOOL: Unit.BOOL,
    Kind.COUNT: Unit.COUNT,
    Kind.YUAN: Unit.YUAN,
    Kind.RATIO: Unit.RATIO,
    Kind.NUMBER: Unit.NUMBER,
}

CONTEXT_UNITS: dict[str, Unit] = {
    "eval_year": Unit.YEAR,
    "year_start": Unit.DATE,
    "year_end": Unit.DATE,
}

ORDERED_UNITS = frozenset({*(u for u in Unit if u.numeric), Unit.DATE})
TEXT_UNITS = frozenset({Unit.CODE, Unit.TEXT})

FORBIDDEN: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Lambda: "lambdas are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.Slice: "subscripts are not allowed",
}

BINARY: dict[type[ast.operator], str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
COMPARE: dict[type[ast.cmpop], str] = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
}  # fmt: skip


def fact_unit(name: str) -> Unit | None:
    """The unit of panel fact `name`, or None if the panel has no such column."""
    found = BY_NAME.get(name)
    return KIND_UNITS[found.kind] if found else None


@dataclass
class Scope:
    """The names an expression may use besides panel facts and context values.

    `resolve(name, span)` returns the node a policy-level name stands for (a Reference to a
    definition, score or condition, or the desugared total `score`), or None if unknown; it
    may raise PolicyError (a cycle). `known` lists those names for "did you mean" hints.
    """

    parameters: dict[str, Unit] = field(default_factory=dict)
    resolve: Callable[[str, Span], Node | None] = lambda name, span: None
    known: Callable[[], Iterable[str]] = lambda: ()


def line_column_locator(text: str) -> Callable[[int], tuple[int, int]]:
    """Map a character index of `text` to its 1-based (line, column) within `text` itself."""

    def locate(index: int) -> tuple[int, int]:
        before = text[:index]
        line = before.count("\n") + 1
        return line, index - (before.rfind("\n") + 1) + 1

    return locate


def parse_expression(
    text: str,
    scope: Scope | None = None,
    *,
    file: str = "<expr>",
    locate: Callable[[int], tuple[int, int]] | None = None,
    expect: Unit | None = None,
) -> Node:
    """Parse and check one expression; errors point into `file` through `locate`.

    With `expect`, a value whose unit adapts (a literal, a lookup) takes that unit, so that
    `amount: 300000` or `amount: lookup(...)` is an amount of yuan."""
    parser = _Parser(text, scope or Scope(), file, locate or line_column_locator(text))
    parser.expect = expect
    return parser.parse()


@dataclass(frozen=True)
class _T:
    """A checked node; `flexible` when its unit adapts to the other operand (a number literal,
    a string literal, a lookup table's value)."""

    node: Node
    flexible: bool = False

    @property
    def unit(self) -> Unit:
        return self.node.unit


class _Parser:
    def __init__(
        self, text: str, scope: Scope, file: str, locate: Callable[[int], tuple[int, int]]
    ) -> None:
        self.text = text
        # Newlines become spaces so that block scalars parse as one expression while every
        # character keeps its index (the locator maps indices back to file lines).
        flat = text.replace("\r", " ").replace("\n", " ")
        # Leading blanks would be an "unexpected indent"; they are skipped and counted.
        self.flat = flat.lstrip()
        self.lead = len(flat) - len(self.flat)
        self.scope = scope
        self.expect: Unit | None = None
        self.file = file
        self.locate = locate

    # ----- positions and errors -------------------------------------------------------

    def index(self, node: ast.AST) -> int:
        col = getattr(node, "col_offset", 0)
        # ast columns are UTF-8 byte offsets; the text has Chinese characters in strings.
        return self.lead + len(self.flat.encode()[:col].decode(errors="ignore"))

    def span(self, node: ast.AST) -> Span:
        line, column = self.locate(self.index(node))
        source = ast.get_source_segment(self.flat, node) or ""
        return Span(line, column, source)

    def error_at(self, index: int, message: str) -> PolicyError:
        line, column = self.locate(index)
        return PolicyError(message, self.file, line, column)

    def error(self, node: ast.AST, message: str) -> PolicyError:
        return self.error_at(self.index(node), message)

    def source(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.flat, node) or "?"

    # ----- entry ----------------------------------------------------------------------

    def parse(self) -> Node:
        if len(self.text) > MAX_LENGTH:
            raise self.error_at(0, f"expression is longer than {MAX_LENGTH} characters")
        if not self.flat.strip():
            raise self.error_at(0, "empty expression")
        self.refuse_comments()
        try:
            with _AST_LOCK:
                tree = ast.parse(self.flat, mode="eval")
        except SyntaxError as exc:
            offset = max((exc.offset or 1) - 1, 0)
            raise self.error_at(self.lead + offset, f"syntax error: {exc.msg}") from None
        except (ValueError, RecursionError, MemoryError):
            raise self.error_at(0, "expression cannot be parsed (too deep or invalid)") from None
        self.check_shape(tree.body)
        result = self.expr(tree.body)
        return self.settle(result)

    def refuse_comments(self) -> None:
        """A `#` comment would silently cut the rest of a multi-line expression (its lines are
        joined), so comments belong in YAML outside the expression text."""
        try:
            for token in tokenize.generate_tokens(io.StringIO(self.flat).readline):
                if token.type == tokenize.COMMENT:
                    raise self.error_at(
                        self.lead + token.start[1],
                        "comments are not allowed inside an expression (put them in YAML)",
                    )
        except (tokenize.TokenError, SyntaxError):
            return  # ast.parse reports the syntax error with its position

    def check_shape(self, root: ast.AST) -> None:
        """Refuse forbidden syntax and excessive nesting before any interpretation."""
        stack: list[tuple[ast.AST, int]] = [(root, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise self.error(node, f"expression is nested deeper than {MAX_DEPTH} levels")
            for kind, message in FORBIDDEN.items():
                if isinstance(node, kind):
                    raise self.error(node, message)
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
                raise self.error(node, "exponentiation (**) is not allowed")
            if isinstance(node, ast.Call) and node.keywords:
                raise self.error(node, "keyword arguments are not allowed")
            stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))

    def settle(self, t: _T) -> Node:
        """A top-level flexible value takes the expected unit, else keeps its own."""
        if self.expect is not None and t.flexible and self.compatible(t, self.expect):
            return self.adapt(t, self.expect).node
        return t.node

    # ----- dispatch -------------------------------------------------------------------

    def expr(self, node: ast.expr) -> _T:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.BoolOp):
            return self.boolean(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.IfExp):
            return self.if_else(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
            raise self.error(
                node, "a list or table is only allowed as options of `in`, band or lookup"
            )
        raise self.error(node, f"{type(node).__name__} is not allowed in a policy expression")

    # ----- leaves ---------------------------------------------------------------------

    def constant(self, node: ast.Constant) -> _T:
        span = self.span(node)
        value = node.value
        if isinstance(value, bool):
            return _T(Literal(Unit.BOOL, value, span=span))
        if isinstance(value, int):
            if abs(value) >= MAX_NUMBER:
                raise self.error(node, "numbers must be below 10^18")
            return _T(Literal(Unit.NUMBER, Fraction(value), span=span), flexible=True)
        if isinstance(value, float):
            try:
                exact = Decimal(self.source(node).replace("_", ""))
            except InvalidOperation:
                raise self.error(
                    node, f"not an exact decimal number: {self.source(node)}"
                ) from None
            # `1e999999999` would be a billion-digit integer: bound magnitude and precision.
            exponent = exact.as_tuple().exponent
            if not exact.is_finite() or not isinstance(exponent, int):
                raise self.error(node, "numbers must be finite")
            if exact.adjusted() >= 18 or exponent < -MAX_DECIMALS:
                raise self.error(
                    node, f"numbers must be below 10^18 with at most {MAX_DECIMALS} decimals"
                )
            return _T(Literal(Unit.NUMBER, Fraction(exact), span=span), flexible=True)
        if isinstance(value, str):
            return _T(Literal(Unit.TEXT, value, span=span), flexible=True)
        raise self.error(node, f"literal {self.source(node)} is not allowed")

    def name(self, node: ast.Name) -> _T:
        name, span = node.id, self.span(node)
        if name in ("true", "false"):
            return _T(Literal(Unit.BOOL, name == "true", span=span))
        unit = fact_unit(name)
        if unit is not None:
            return _T(Fact(unit, name, span=span))
        if name in self.scope.parameters:
            if self.scope.parameters[name] == Unit.SCALE:
                raise self.error(
                    node, f"'{name}' is a scale (a band table): use it as band(x, {name})"
                )
            return _T(Parameter(self.scope.parameters[name], name, span=span))
        if name in CONTEXT_UNITS:
            return _T(Context(CONTEXT_UNITS[name], name, span=span))
        resolved = self.scope.resolve(name, span)
        if resolved is not None:
            return _T(resolved)
        if name in FUNCTIONS:
            raise self.error(node, f"'{name}' is a function: call it as {name}(...)")
        candidates = [
            *BY_NAME, *self.scope.parameters, *CONTEXT_UNITS, *self.scope.known(), "true", "false",
        ]  # fmt: skip
        close = difflib.get_close_matches(name, candidates, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise self.error(node, f"unknown name '{name}'{hint}")

    # ----- units ----------------------------------------------------------------------

    def compatible(self, t: _T, unit: Unit) -> bool:
        if not t.flexible:
            return t.unit == unit
        if t.unit == Unit.TEXT:
            return unit in TEXT_UNITS
        return unit.numeric

    def adapt(self, t: _T, unit: Unit) -> _T:
        if not t.flexible or t.unit == unit:
            return _T(t.node, t.flexible and t.unit == unit)
        return _T(_retype(t.node, unit))

    def unify(
        self, a: _T, b: _T, verb: str, where: ast.AST, joiner: str = "and"
    ) -> tuple[_T, _T, Unit]:
        """Bring two operands to one unit: a flexible side takes the other's unit."""
        if a.flexible and b.flexible:
            if a.unit != b.unit:
                raise self.mismatch(a, b, verb, where, joiner)
            return a, b, a.unit
        if a.flexible:
            if not self.compatible(a, b.unit):
                raise self.mismatch(a, b, verb, where, joiner)
            return self.adapt(a, b.unit), b, b.unit
        if b.flexible:
            if not self.compatible(b, a.unit):
                raise self.mismatch(a, b, verb, where, joiner)
            return a, self.adapt(b, a.unit), a.unit
        if a.unit != b.unit:
            raise self.mismatch(a, b, verb, where, joiner)
        return a, b, a.unit

    def mismatch(self, a: _T, b: _T, verb: str, where: ast.AST, joiner: str) -> PolicyError:
        return self.error(
            where,
            f"cannot {verb} {a.unit} with {b.unit} "
            f"('{a.node.span.source}' {joiner} '{b.node.span.source}')",
        )

    def require(self, t: _T, units: Iterable[Unit], what: str, where: ast.AST) -> _T:
        allowed = tuple(units)
        if t.unit in allowed:
            return t
        if t.flexible:
            for unit in allowed:
                if self.compatible(t, unit):
                    return self.adapt(t, unit) if unit != Unit.NUMBER else t
        names = ", ".join(str(u) for u in allowed)
        raise self.error(where, f"{what} needs {names}, not {t.unit} ('{t.node.span.source}')")

    # ----- operators ------------------------------------------------------------------

    def binary(self, node: ast.BinOp) -> _T:
        op = BINARY.get(type(node.op))
        if op is None:
            raise self.error(
                node, f"operator {type(node.op).__name__} is not allowed (use + - * /)"
            )
        left, right = self.expr(node.left), self.expr(node.right)
        span = self.span(node)
        numeric = [u for u in Unit if u.numeric]
        left = self.require(left, numeric, f"'{op}'", node.left)
        right = self.require(right, numeric, f"'{op}'", node.right)
        folded = self.fold(op, left, right, node)
        if folded is not None:
            return folded
        if op in "+-":
            a, b, unit = self.unify(left, right, "add" if op == "+" else "subtract", node)
            return _T(Arithmetic(unit, op, a.node, b.node, span=span), a.flexible and b.flexible)
        if op == "*":
            lu = Unit.NUMBER if left.flexible else left.unit
            ru = Unit.NUMBER if right.flexible else right.unit
            if lu == Unit.NUMBER:
                unit = ru
            elif ru == Unit.NUMBER or ru == Unit.RATIO:
                unit = lu
            elif lu == Unit.RATIO:
                unit = ru
            else:
                raise self.error(
                    node, f"cannot multiply {lu} by {ru} (one side must be a number or a ratio)"
                )
            flexible = left.flexible and right.flexible
            return _T(Arithmetic(unit, op, left.node, right.node, span=span), flexible)
        # division
        if right.flexible and right.unit == Unit.NUMBER and not (left.flexible):
            return _T(Arithmetic(left.unit, op, left.node, right.node, span=span))
        if right.unit == Unit.NUMBER and not right.flexible:
            return _T(Arithmetic(left.unit, op, left.node, right.node, span=span), left.flexible)
        if left.flexible and right.flexible:
            return _T(Arithmetic(left.unit, op, left.node, right.node, span=span), True)
        a, b, _ = self.unify(left, right, "divide", node)
        return _T(Arithmetic(Unit.RATIO, op, a.node, b.node, span=span))

    def fold(self, op: str, left: _T, right: _T, node: ast.AST) -> _T | None:
        """Literal arithmetic is computed at load time, exactly."""
        a, b = left.node, right.node
        if not (
            isinstance(a, Literal) and isinstance(b, Literal) and left.flexible and right.flexible
        ):
            return None
        x, y = a.value, b.value
        if not (isinstance(x, Fraction) and isinstance(y, Fraction)):
            return None
        if op == "/" and y == 0:
            raise self.error(node, "division by zero")
        value = {"+": x + y, "-": x - y, "*": x * y}.get(op) if op != "/" else x / y
        assert value is not None
        return _T(Literal(Unit.NUMBER, value, span=self.span(node)), flexible=True)

    def unary(self, node: ast.UnaryOp) -> _T:
        operand = self.expr(node.operand)
        span = self.span(node)
        if isinstance(node.op, ast.Not):
            operand = self.require(operand, [Unit.BOOL], "'not'", node.operand)
            return _T(Not(Unit.BOOL, operand.node, span=span))
        if isinstance(node.op, ast.Invert):
            raise self.error(node, "operator ~ is not allowed")
        operand = self.require(operand, [u for u in Unit if u.numeric], "a sign", node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        inner = operand.node
        if operand.flexible and isinstance(inner, Literal) and isinstance(inner.value, Fraction):
            return _T(Literal(inner.unit, -inner.value, span=span), flexible=True)
        return _T(Negate(operand.unit, inner, span=span), operand.flexible)

    def boolean(self, node: ast.BoolOp) -> _T:
        operands: list[Node] = []
        combine = And if isinstance(node.op, ast.And) else Or
        word = "and" if combine is And else "or"
        for value in node.values:
            t = self.require(self.expr(value), [Unit.BOOL], f"'{word}'", value)
            if isinstance(t.node, combine):
                operands.extend(t.node.operands)
            else:
                operands.append(t.node)
        return _T(combine(Unit.BOOL, tuple(operands), span=self.span(node)))

    def compare(self, node: ast.Compare) -> _T:
        if any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
            return self.membership(node)
        span = self.span(node)
        parts: list[Node] = []
        left_ast: ast.expr = node.left
        left = self.expr(node.left)
        for op_node, right_ast in zip(node.ops, node.comparators, strict=True):
            op = COMPARE.get(type(op_node))
            if op is None:
                raise self.error(node, "'is' is not allowed (use == or !=)")
            right = self.expr(right_ast)
            a, b, unit = self.unify(left, right, "compare", left_ast, op)
            if op not in ("==", "!=") and unit not in ORDERED_UNITS:
                raise self.error(
                    left_ast, f"'{op}' cannot order values of unit {unit} (use == or !=)"
                )
            parts.append(Compare(Unit.BOOL, op, a.node, b.node, span=span))
            left, left_ast = right, right_ast
        if len(parts) == 1:
            return _T(parts[0])
        return _T(And(Unit.BOOL, tuple(parts), span=span))

    def membership(self, node: ast.Compare) -> _T:
        if len(node.ops) != 1:
            raise self.error(node, "'in' cannot be chained with other comparisons")
        options_ast = node.comparators[0]
        if not isinstance(options_ast, ast.Tuple | ast.List | ast.Set):
            raise self.error(options_ast, '\'in\' needs literal options, e.g. x in ("M", "I")')
        value = self.expr(node.left)
        options: list[Value] = []
        for element in options_ast.elts:
            option = self.expr(element)
            if not isinstance(option.node, Literal):
                raise self.error(element, "options of 'in' must be literals")
            a, _, _ = self.unify(value, option, "compare", element)
            value = a
            options.append(option.node.value)
        return _T(
            InSet(
                Unit.BOOL,
                value.node,
                tuple(options),
                negated=isinstance(node.ops[0], ast.NotIn),
                span=self.span(node),
            )
        )

    def if_else(self, node: ast.IfExp) -> _T:
        condition = self.require(self.expr(node.test), [Unit.BOOL], "a condition", node.test)
        then, otherwise = self.expr(node.body), self.expr(node.orelse)
        a, b, unit = self.unify(then, otherwise, "choose between", node)
        return _T(
            IfElse(unit, condition.node, a.node, b.node, span=self.span(node)),
            a.flexible and b.flexible,
        )

    # ----- functions ------------------------------------------------------------------

    def call(self, node: ast.Call) -> _T:
        if not isinstance(node.func, ast.Name):
            raise self.error(node, "only functions of the library can be called")
        name = node.func.id
        handler = getattr(self, f"fn_{name}", None) if name in FUNCTIONS else None
        if handler is None:
            listed = ", ".join(FUNCTIONS)
            raise self.error(node, f"function '{name}' is not in the library ({listed})")
        result: _T = handler(node, node.args)
        return result

    def arity(self, node: ast.Call, args: Sequence[ast.expr], low: int, high: int) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else "?"
        if not low <= len(args) <= high:
            expected = (
                str(low) if low == high else f"{low} to {high}" if high < 99 else f"at least {low}"
            )
            raise self.error(node, f"{name}() takes {expected} arguments, not {len(args)}")

    def numeric(self, t: _T, what: str, where: ast.AST) -> _T:
        return self.require(t, [u for u in Unit if u.numeric], what, where)

    def fn_min(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        return self.extreme(node, args, "min")

    def fn_max(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        return self.extreme(node, args, "max")

    def extreme(self, node: ast.Call, args: Sequence[ast.expr], name: str) -> _T:
        self.arity(node, args, 1, 99)
        values = [self.expr(a) for a in args]
        first = values[0]
        for value, where in zip(values[1:], args[1:], strict=True):
            first, _, _ = self.unify(first, value, f"take {name} of", where)
        unit = first.unit
        if unit not in ORDERED_UNITS:
            raise self.error(node, f"{name}() needs numbers or dates, not {unit}")
        nodes = tuple(self.adapt(v, unit).node if v.flexible else v.node for v in values)
        for v, where in zip(values, args, strict=True):
            if not v.flexible and v.unit != unit:
                raise self.error(
                    where, f"{name}() needs values of one unit, not {v.unit} and {unit}"
                )
        flexible = all(v.flexible for v in values)
        return _T(Call(unit, name, nodes, span=self.span(node)), flexible)

    def fn_abs(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 1, 1)
        value = self.numeric(self.expr(args[0]), "abs()", args[0])
        return _T(Call(value.unit, "abs", (value.node,), span=self.span(node)), value.flexible)

    def fn_ratio(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 2, 3)
        a = self.numeric(self.expr(args[0]), "ratio()", args[0])
        b = self.numeric(self.expr(args[1]), "ratio()", args[1])
        a, b, _ = self.unify(a, b, "take the ratio of", node)
        nodes = [a.node, b.node]
        if len(args) == 3:
            fallback = self.numeric(self.expr(args[2]), "ratio()", args[2])
            if not self.compatible(fallback, Unit.RATIO):
                raise self.error(
                    args[2], f"the third argument of ratio() is a ratio, not {fallback.unit}"
                )
            nodes.append(self.adapt(fallback, Unit.RATIO).node)
        return _T(Call(Unit.RATIO, "ratio", tuple(nodes), span=self.span(node)))

    def constant_number(self, node: ast.expr, what: str) -> Fraction:
        t = self.expr(node)
        if t.flexible and isinstance(t.node, Literal) and isinstance(t.node.value, Fraction):
            return t.node.value
        raise self.error(node, f"{what} must be a literal number")

    def fn_band(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 2, 3)
        value = self.numeric(self.expr(args[0]), "band()", args[0])
        table = args[1]
        otherwise = (
            self.constant_number(args[2], "band()'s otherwise") if len(args) == 3 else Fraction(0)
        )
        if isinstance(table, ast.Name) and self.scope.parameters.get(table.id) == Unit.SCALE:
            # A scale parameter: the table is dated data, resolved for the evaluation year.
            return _T(Band(Unit.NUMBER, value.node, (), otherwise, table.id, span=self.span(node)))
        if not isinstance(table, ast.List | ast.Tuple) or not table.elts:
            raise self.error(
                table, "band() needs a table [[lower, points], ...] or a parameter of unit scale"
            )
        bands: list[tuple[Fraction, Fraction]] = []
        for row in table.elts:
            if not isinstance(row, ast.List | ast.Tuple) or len(row.elts) != 2:
                raise self.error(row, "each band is [lower, points]")
            lower = self.constant_number(row.elts[0], "a band's lower bound")
            points = self.constant_number(row.elts[1], "a band's points")
            if any(lower == seen for seen, _ in bands):
                raise self.error(row, f"two bands have the lower bound {lower}")
            bands.append((lower, points))
        bands.sort(key=lambda band: band[0], reverse=True)
        return _T(Band(Unit.NUMBER, value.node, tuple(bands), otherwise, span=self.span(node)))

    def fn_lookup(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 2, 3)
        code = self.require(self.expr(args[0]), [Unit.CODE, Unit.TEXT], "lookup()", args[0])
        table = args[1]
        if not isinstance(table, ast.Dict) or not table.keys:
            raise self.error(table, 'lookup() needs a table {"C": 20000000, ...}')
        rows: list[tuple[str, Fraction]] = []
        for key, value in zip(table.keys, table.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                raise self.error(value if key is None else key, "lookup keys must be text literals")
            if any(key.value == seen for seen, _ in rows):
                raise self.error(key, f"lookup key {key.value!r} appears twice")
            rows.append((key.value, self.constant_number(value, "a lookup value")))
        default = self.constant_number(args[2], "lookup()'s default") if len(args) == 3 else None
        return _T(
            Lookup(Unit.NUMBER, code.node, tuple(rows), default, span=self.span(node)),
            flexible=True,
        )

    def fn_years_between(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 2, 2)
        a = self.require(self.expr(args[0]), [Unit.DATE], "years_between()", args[0])
        b = self.require(self.expr(args[1]), [Unit.DATE], "years_between()", args[1])
        return _T(Call(Unit.COUNT, "years_between", (a.node, b.node), span=self.span(node)))

    def fn_startswith(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 2, 2)
        code = self.require(self.expr(args[0]), [Unit.CODE, Unit.TEXT], "startswith()", args[0])
        prefix = self.expr(args[1])
        if not (isinstance(prefix.node, Literal) and isinstance(prefix.node.value, str)):
            raise self.error(args[1], 'startswith() needs a text literal prefix, e.g. "C27"')
        prefix_node = _retype(prefix.node, code.unit)
        return _T(Call(Unit.BOOL, "startswith", (code.node, prefix_node), span=self.span(node)))

    def fn_section(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 1, 1)
        code = self.require(self.expr(args[0]), [Unit.CODE], "section()", args[0])
        return _T(Call(Unit.CODE, "section", (code.node,), span=self.span(node)))

    def fn_known(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 1, 1)
        value = self.expr(args[0])
        return _T(Call(Unit.BOOL, "known", (value.node,), span=self.span(node)))

    def fn_value_or(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 2, 2)
        a, b, unit = self.unify(self.expr(args[0]), self.expr(args[1]), "combine", node)
        return _T(Call(unit, "value_or", (a.node, b.node), span=self.span(node)), a.flexible)

    def fn_date(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 3, 3)
        parts = [self.constant_number(a, "date()'s year, month and day") for a in args]
        if any(p.denominator != 1 for p in parts):
            raise self.error(node, "date() needs whole numbers")
        try:
            day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError as exc:
            raise self.error(node, f"not a date: {exc}") from None
        return _T(Literal(Unit.DATE, day, span=self.span(node)))

    # ----- periods --------------------------------------------------------------------

    def period_fact(self, arg: ast.expr, what: str, numeric: bool) -> tuple[str, Unit]:
        if not isinstance(arg, ast.Name) or fact_unit(arg.id) is None:
            raise self.error(arg, f"{what} takes a panel fact name, e.g. {what}(revenue, 3)")
        unit = fact_unit(arg.id)
        assert unit is not None
        if numeric and unit not in (Unit.YUAN, Unit.COUNT, Unit.RATIO):
            raise self.error(arg, f"{what} needs a yuan, count or ratio fact, not {unit}")
        return arg.id, unit

    def period_years(self, arg: ast.expr, what: str) -> int:
        if not (isinstance(arg, ast.Constant) and type(arg.value) is int):
            raise self.error(
                arg, f"{what} needs a literal whole number of years (1..{MAX_PERIOD_YEARS})"
            )
        if not 1 <= arg.value <= MAX_PERIOD_YEARS:
            raise self.error(arg, f"{what} needs 1..{MAX_PERIOD_YEARS} years, not {arg.value}")
        return int(arg.value)

    def fn_years_ago(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 2, 2)
        name, unit = self.period_fact(args[0], "years_ago()", numeric=False)
        years = self.period_years(args[1], "years_ago()")
        return _T(Fact(unit, name, years, span=self.span(node)))

    def fn_sum_years(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        return self.aggregate(node, args, "sum")

    def fn_avg_years(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        return self.aggregate(node, args, "avg")

    def aggregate(self, node: ast.Call, args: Sequence[ast.expr], function: str) -> _T:
        what = f"{function}_years()"
        self.arity(node, args, 2, 2)
        name, unit = self.period_fact(args[0], what, numeric=True)
        years = self.period_years(args[1], what)
        return _T(PeriodAggregate(unit, function, name, years, span=self.span(node)))

    def fn_count_years(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 1, 1)
        years = self.period_years(args[0], "count_years()")
        # Counting rows: every row has its `year`, so `year` stands for "a row exists".
        return _T(PeriodAggregate(Unit.COUNT, "count", "year", years, span=self.span(node)))

    def fn_growth(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 2, 2)
        name, unit = self.period_fact(args[0], "growth()", numeric=True)
        years = self.period_years(args[1], "growth()")
        span = self.span(node)
        # growth = ratio(fact, years_ago(fact, n)) - 1: safe division makes an earlier 0 unknown.
        quotient = Call(
            Unit.RATIO, "ratio", (Fact(unit, name, span=span), Fact(unit, name, years, span=span)),
            span=span,
        )  # fmt: skip
        return _T(
            Arithmetic(
                Unit.RATIO, "-", quotient, Literal(Unit.RATIO, Fraction(1), span=span), span=span
            )
        )

    def fn_crossed(self, node: ast.Call, args: Sequence[ast.expr]) -> _T:
        self.arity(node, args, 2, 2)
        name, unit = self.period_fact(args[0], "crossed()", numeric=True)
        threshold = self.expr(args[1])
        span = self.span(node)
        current, previous = _T(Fact(unit, name, span=span)), _T(Fact(unit, name, 1, span=span))
        _, limit, _ = self.unify(current, threshold, "compare", args[1])
        return _T(
            And(
                Unit.BOOL,
                (
                    Compare(Unit.BOOL, ">=", current.node, limit.node, span=span),
                    Compare(Unit.BOOL, "<", previous.node, limit.node, span=span),
                ),
                span=span,
            )
        )


def _retype(node: Node, unit: Unit) -> Node:
    """Give a flexible node (literal, lookup, arithmetic of those) the unit it adapts to."""
    if isinstance(node, Literal | Lookup):
        return dataclasses.replace(node, unit=unit)
    if isinstance(node, Arithmetic):
        if node.operator in "+-":
            return dataclasses.replace(
                node, unit=unit, left=_retype(node.left, unit), right=_retype(node.right, unit)
            )
        return dataclasses.replace(node, unit=unit, left=_retype(node.left, unit))
    if isinstance(node, Negate):
        return dataclasses.replace(node, unit=unit, operand=_retype(node.operand, unit))
    if isinstance(node, IfElse):
        return dataclasses.replace(
            node, unit=unit, then=_retype(node.then, unit), otherwise=_retype(node.otherwise, unit)
        )
    if isinstance(node, Call) and node.function in ("min", "max", "abs", "value_or"):
        return dataclasses.replace(
            node, unit=unit, arguments=tuple(_retype(a, unit) for a in node.arguments)
        )
    return node
