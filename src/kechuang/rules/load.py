"""Policy YAML text -> a checked `Policy`, with every error at its file, line and column.

The YAML is composed into nodes (which carry marks) before being constructed into data, so
that pydantic errors and expression errors can be mapped back to the exact place in the file.
Definitions, scores and conditions may refer to each other; they are parsed on demand in
dependency order and a cycle is reported at the reference that closes it. Pure: no file I/O.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from kechuang.domain.panel import BY_NAME, WINDOW_PARAMETERS
from kechuang.rules import document as doc
from kechuang.rules import safe_yaml
from kechuang.rules.errors import PolicyError
from kechuang.rules.ir import (
    Arithmetic,
    Fact,
    Literal,
    Node,
    PeriodAggregate,
    Reference,
    Span,
    Unit,
)
from kechuang.rules.parse import CONTEXT_UNITS, Scope, fact_unit, parse_expression
from kechuang.rules.policy import (
    Benefit,
    Budget,
    Condition,
    ConditionKind,
    Definition,
    ParameterDef,
    ParameterValue,
    Policy,
    Score,
    Text,
)
from kechuang.rules.values import to_value
from kechuang.rules.walk import walk

RESERVED = frozenset({"score", "score_manual_max", "true", "false", *CONTEXT_UNITS})
# Lower bounds a parameter has unless it declares `min`: no amount, count or ratio is negative.
UNIT_MINIMUM = {Unit.YUAN: Fraction(0), Unit.COUNT: Fraction(0), Unit.RATIO: Fraction(0)}


def load_policy_text(text: str, filename: str = "<policy>") -> Policy:
    """Parse, validate and type-check one policy document."""
    root, data = _compose(text, filename)
    try:
        document = doc.PolicyDoc.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, root, filename) from None
    return _Builder(text, filename, root, document).build()


# ----- YAML with marks -------------------------------------------------------------------


def _compose(text: str, filename: str) -> tuple[yaml.Node, Any]:
    try:
        loader = safe_yaml.loader(text)
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, filename) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses (control characters)
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise PolicyError(f"YAML: {exc.reason} (character {exc.character!r})", filename, line,
                          column) from None  # fmt: skip
    except yaml.YAMLError as exc:
        raise PolicyError(f"YAML: {exc}", filename, 1, 1) from None
    try:
        node: yaml.Node | None = loader.get_single_node()
        if node is None:
            raise PolicyError("the policy file is empty", filename, 1, 1)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, filename) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"YAML: {exc}", filename, 1, 1) from None
    finally:
        loader.dispose()
    if not isinstance(node, yaml.MappingNode):
        raise PolicyError("a policy file is a mapping of keys (id, version, ...)", filename, 1, 1)
    return node, data


def _yaml_error(exc: yaml.MarkedYAMLError, filename: str) -> PolicyError:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return PolicyError(f"YAML: {exc.problem or exc.context}", filename, line, column)


def _child(node: yaml.Node, part: object, key: bool = False) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if str(key_node.value) == str(part):
                found: yaml.Node = key_node if key else value_node
                return found
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        child: yaml.Node = node.value[part]
        return child
    return None


def _node_at(root: yaml.Node, path: Sequence[object], key_last: bool = False) -> yaml.Node:
    """The deepest node along `path` (pydantic's loc); the key node itself if `key_last`."""
    node = root
    for i, part in enumerate(path):
        found = _child(node, part, key=key_last and i == len(path) - 1)
        if found is None:
            break
        node = found
    return node


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _keys_at(loc: Sequence[object]) -> list[str]:
    """The keys allowed in the mapping at `loc` (for "did you mean" hints)."""
    model: type[BaseModel] | None = doc.PolicyDoc
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int) or part not in _fields(model):
            continue  # a list index or a parameter's name: the model stays the element's
        model = _model_in(_fields(model)[str(part)])
    return sorted(_fields(model)) if model else []


def _fields(model: type[BaseModel]) -> dict[str, object]:
    return {(info.alias or name): info.annotation for name, info in model.model_fields.items()}


def _validation_error(exc: ValidationError, root: yaml.Node, filename: str) -> PolicyError:
    errors = []
    for error in exc.errors():
        loc = [part for part in error["loc"] if not (isinstance(part, str) and "[" in part)]
        where = ".".join(str(p) for p in loc) or "document"
        if error["type"] == "extra_forbidden":
            # The unknown key itself is the last part, whatever it spells (even "a[").
            key, parent = error["loc"][-1], loc[:-1] if loc[-1:] == [error["loc"][-1]] else loc
            node = _node_at(root, [*parent, key], key_last=True)
            allowed = _keys_at(parent)
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = (
                f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(allowed)})"
            )
            message = f"unknown key '{key}' in {'.'.join(map(str, parent)) or 'document'}{hint}"
        elif error["type"] == "missing":
            node = _node_at(root, loc[:-1])
            message = f"missing key '{loc[-1]}' in {'.'.join(map(str, loc[:-1])) or 'document'}"
        else:
            node = _node_at(root, loc)
            message = f"{where}: {error['msg']}"
        errors.append((_position(node), message))
    (line, column), message = min(errors)
    return PolicyError(message, filename, line, column)


def scalar_locator(text: str, node: yaml.Node) -> Callable[[int], tuple[int, int]]:
    """Map a character index of a scalar's value to (line, column) in the file.

    The value's non-blank characters appear in the raw text in the same order (folding,
    block indentation and quotes only change blanks and delimiters), so they are aligned
    one by one; a blank takes the place just after the previous character.
    """
    value = str(node.value)
    start, end = node.start_mark.index, node.end_mark.index
    if getattr(node, "style", None) in ("|", ">"):
        newline = text.find("\n", start)
        start = newline + 1 if 0 <= newline < end else start
    elif getattr(node, "style", None) in ("'", '"'):
        start += 1
    positions: list[int] = []
    raw = start
    for char in value:
        if char.isspace():
            positions.append(positions[-1] + 1 if positions else start)
            continue
        probe = raw
        while probe < end and text[probe] != char:
            probe += 1
        if probe < end:
            raw = probe
        positions.append(raw)
        raw += 1

    def locate(index: int) -> tuple[int, int]:
        if not positions:
            offset = start
        elif index < len(positions):
            offset = positions[index]
        else:
            offset = positions[-1] + 1 + (index - len(positions))
        line = text.count("\n", 0, offset) + 1
        return line, offset - (text.rfind("\n", 0, offset) + 1) + 1

    return locate


# ----- building the policy ---------------------------------------------------------------


class _Builder:
    def __init__(self, text: str, filename: str, root: yaml.Node, document: doc.PolicyDoc):
        self.text = text
        self.file = filename
        self.root = root
        self.doc = document
        self.items: dict[str, tuple[str, int]] = {}  # name -> (section, index)
        self.parsed: dict[str, Node | None] = {}
        self.in_progress: list[str] = []
        self.units: dict[str, Unit] = {}

    def error(self, path: Sequence[object], message: str, key: bool = False) -> PolicyError:
        line, column = _position(_node_at(self.root, path, key_last=key))
        return PolicyError(message, self.file, line, column)

    def build(self) -> Policy:
        d = self.doc
        parameters = self.parameters()
        self.scope = Scope(
            parameters={name: p.unit for name, p in parameters.items()},
            resolve=self.resolve,
            known=lambda: [*self.items, "score", "score_manual_max"],
        )
        self.collect_names(parameters)
        self.check_scores()
        for name in self.items:
            self.ensure(name, None)
        definitions = tuple(
            Definition(x.id, _text(x.label), self.node(x.id), x.clause) for x in d.definitions
        )
        scores = tuple(
            Score(
                x.id,
                _text(x.label),
                x.clause,
                self.parsed.get(x.id),
                Fraction(x.max_points),
                Fraction(x.max_points) if x.manual else Fraction(0),
                x.in_total,
            )
            for x in d.scores
        )
        conditions = []
        met_ifs: list[Node] = []
        for i, c in enumerate(d.conditions):
            node = _node_at(self.root, ["conditions", i])
            line, column = _position(node)
            met_if = self.met_if(i)
            if met_if is not None:
                met_ifs.append(met_if)
            conditions.append(
                Condition(
                    c.id, _text(c.label), c.clause, c.kind, self.parsed.get(c.id),
                    Span(line, column, c.id), met_if,
                )
            )  # fmt: skip
        benefit = self.benefit()
        budget = None
        if d.budget is not None:
            fen = d.budget.amount * 100
            if fen != fen.to_integral_value():
                raise self.error(["budget", "amount"], "budget amount is more precise than a fen")
            budget = Budget(int(fen), d.budget.allocation)
        if d.effective.to is not None and d.effective.to < d.effective.from_:
            raise self.error(["effective", "to"], "effective.to is before effective.from")
        if d.id in d.exclusions:
            raise self.error(["exclusions"], "a policy cannot exclude itself")
        everything = [n for n in self.parsed.values() if n is not None]
        everything.extend(met_ifs)
        if benefit is not None:
            everything.append(benefit.amount)
            if benefit.cap is not None:
                everything.append(benefit.cap)
        self.check_windows(everything, parameters)
        return Policy(
            id=d.id,
            version=d.version,
            title=_text(d.title),
            issuer=d.issuer,
            document_number=d.document_number,
            source_url=d.source_url,
            effective_from=d.effective.from_,
            effective_to=d.effective.to,
            mode=d.mode,
            parameters=parameters,
            definitions=definitions,
            scores=scores,
            conditions=tuple(conditions),
            benefit=benefit,
            exclusions=tuple(d.exclusions),
            budget=budget,
            content_hash=hashlib.sha256(self.text.encode()).hexdigest(),
            source_file=self.file,
            history_years=history_years(everything),
        )

    def check_windows(self, nodes: Sequence[Node], parameters: dict[str, ParameterDef]) -> None:
        """A windowed sourced fact is summed over the policy's window: the policy must have
        the two date parameters, and reads the fact for the evaluation year only."""
        for root in nodes:
            for node in walk(root):
                name = node.fact if isinstance(node, PeriodAggregate) else getattr(node, "name", "")
                found = BY_NAME.get(name) if isinstance(node, Fact | PeriodAggregate) else None
                if found is None or not found.windowed:
                    continue
                span = node.span
                if not isinstance(node, Fact) or node.years_ago:
                    raise PolicyError(
                        f"'{name}' is summed over the policy's window: read it for the "
                        "evaluation year only",
                        self.file, span.line, span.column,
                    )  # fmt: skip
                missing = [
                    p for p in WINDOW_PARAMETERS
                    if p not in parameters or parameters[p].unit != Unit.DATE
                ]  # fmt: skip
                if missing:
                    raise PolicyError(
                        f"'{name}' is summed over the policy's window: add the date "
                        f"parameter{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                        self.file, span.line, span.column,
                    )  # fmt: skip

    def met_if(self, i: int) -> Node | None:
        """The data-decidable route of manual_review condition i, if it has one."""
        c = self.doc.conditions[i]
        if c.met_if is None:
            return None
        if c.kind != ConditionKind.MANUAL_REVIEW:
            raise self.error(
                ["conditions", i, "met_if"],
                f"met_if belongs to manual_review conditions; '{c.id}' is {c.kind.value}",
                key=True,
            )
        return self.expression(["conditions", i, "met_if"], Unit.BOOL, f"met_if of '{c.id}'")

    def node(self, name: str) -> Node:
        found = self.parsed[name]
        assert found is not None
        return found

    def parameters(self) -> dict[str, ParameterDef]:
        result = {}
        for name, p in self.doc.parameters.items():
            if fact_unit(name) is not None or name in RESERVED:
                raise self.error(
                    ["parameters", name], f"parameter '{name}' hides a built-in name", key=True
                )
            minimum, maximum = self.bounds(name, p)
            values = []
            for i, dated in enumerate(p.values):
                try:
                    value = to_value(dated.value, p.unit)
                except ValueError as exc:
                    raise self.error(
                        ["parameters", name, "values", i, "value"], f"{exc} (unit {p.unit})"
                    ) from None
                values.append(ParameterValue(dated.from_, value, dated.reference or p.reference))
            values.sort(key=lambda v: v.effective_from)
            if len({v.effective_from for v in values}) != len(values):
                raise self.error(
                    ["parameters", name, "values"],
                    f"parameter '{name}' has two values from the same date",
                )
            definition = ParameterDef(
                name, _text(p.label), p.unit, tuple(values), p.reference, minimum, maximum
            )
            for i, dated in enumerate(p.values):
                problem = definition.out_of_bounds(to_value(dated.value, p.unit))
                if problem is not None:
                    raise self.error(
                        ["parameters", name, "values", i, "value"], f"{problem} (unit {p.unit})"
                    )
            result[name] = definition
        return result

    def bounds(self, name: str, p: doc.ParameterDoc) -> tuple[Fraction | None, Fraction | None]:
        """The parameter's inclusive bounds: declared, else the unit's (amounts, counts and
        ratios are never negative)."""
        if (p.min is not None or p.max is not None) and not p.unit.numeric:
            key = "min" if p.min is not None else "max"
            raise self.error(
                ["parameters", name, key], f"bounds belong to numeric parameters, not {p.unit}"
            )
        for key, bound in (("min", p.min), ("max", p.max)):
            if bound is not None and not bound.is_finite():
                raise self.error(["parameters", name, key], f"{key} is not a finite number")
        minimum = Fraction(p.min) if p.min is not None else UNIT_MINIMUM.get(p.unit)
        maximum = Fraction(p.max) if p.max is not None else None
        if minimum is not None and maximum is not None and maximum < minimum:
            raise self.error(["parameters", name, "max"], "max is below min")
        return minimum, maximum

    def collect_names(self, parameters: dict[str, ParameterDef]) -> None:
        sections: list[tuple[str, Sequence[Any]]] = [
            ("definitions", self.doc.definitions),
            ("scores", self.doc.scores),
            ("conditions", self.doc.conditions),
        ]
        for section, entries in sections:
            for i, entry in enumerate(entries):
                name = entry.id
                path = [section, i, "id"]
                if name in self.items or name in parameters:
                    raise self.error(path, f"the name '{name}' is used twice")
                if fact_unit(name) is not None or name in RESERVED:
                    raise self.error(path, f"the name '{name}' hides a built-in name")
                self.items[name] = (section, i)

    def check_scores(self) -> None:
        for i, s in enumerate(self.doc.scores):
            if s.manual and s.expr is not None:
                raise self.error(
                    ["scores", i, "expr"],
                    f"manual score '{s.id}' is scored by experts and has no expr",
                )
            if not s.manual and s.expr is None:
                raise self.error(["scores", i], f"score '{s.id}' needs an expr (or manual: true)")
        for i, c in enumerate(self.doc.conditions):
            if c.kind == ConditionKind.ATTESTATION and c.expr is not None:
                raise self.error(
                    ["conditions", i, "expr"],
                    f"attestation '{c.id}' has no expr: no data decides it",
                )
            if c.kind in (ConditionKind.REQUIRED, ConditionKind.HELPER) and c.expr is None:
                raise self.error(["conditions", i], f"condition '{c.id}' needs an expr")

    def expression(self, path: Sequence[object], expected: Unit | None, what: str) -> Node:
        scalar = _node_at(self.root, path)
        text = str(scalar.value)
        node = parse_expression(
            text,
            self.scope,
            file=self.file,
            locate=scalar_locator(self.text, scalar),
            expect=expected,
        )
        if expected is not None and node.unit != expected:
            line, column = _position(scalar)
            raise PolicyError(
                f"{what} must be {expected}, not {node.unit} ('{text}')", self.file, line, column
            )
        return node

    def ensure(self, name: str, span: Span | None) -> None:
        """Parse item `name` if it is not yet parsed; report a cycle at `span`."""
        if name in self.parsed:
            return
        if name in self.in_progress:
            cycle = " -> ".join([*self.in_progress[self.in_progress.index(name) :], name])
            line, column = (span.line, span.column) if span else (0, 0)
            raise PolicyError(f"circular reference: {cycle}", self.file, line, column)
        section, i = self.items[name]
        self.in_progress.append(name)
        node: Node | None
        try:
            if section == "definitions":
                node = self.expression([section, i, "expr"], None, f"definition '{name}'")
                self.units[name] = node.unit
            elif section == "scores":
                has = self.doc.scores[i].expr is not None
                node = (
                    self.expression([section, i, "expr"], Unit.NUMBER, f"score '{name}'")
                    if has
                    else None
                )
            else:
                has = self.doc.conditions[i].expr is not None
                node = (
                    self.expression([section, i, "expr"], Unit.BOOL, f"condition '{name}'")
                    if has
                    else None
                )
        finally:
            self.in_progress.pop()
        self.parsed[name] = node

    def resolve(self, name: str, span: Span) -> Node | None:
        if name == "score_manual_max":
            total = sum(
                (Fraction(s.max_points) for s in self.doc.scores if s.manual and s.in_total),
                Fraction(0),
            )
            return Literal(Unit.NUMBER, total, span=span)
        if name == "score":
            return self.total_score(span)
        if name not in self.items:
            return None
        section, i = self.items[name]
        self.ensure(name, span)
        where = PolicyError("", self.file, span.line, span.column)
        if section == "definitions":
            return Reference(self.units[name], name, "definition", span=span)
        if section == "scores":
            if self.doc.scores[i].manual:
                raise PolicyError(
                    f"manual score '{name}' has no value from data",
                    where.file,
                    where.line,
                    where.column,
                )
            return Reference(Unit.NUMBER, name, "score", span=span)
        kind = self.doc.conditions[i].kind
        if kind in (ConditionKind.ATTESTATION, ConditionKind.MANUAL_REVIEW):
            raise PolicyError(
                f"condition '{name}' is {kind.value} and cannot be used in an expression",
                where.file, where.line, where.column,
            )  # fmt: skip
        return Reference(Unit.BOOL, name, "condition", span=span)

    def total_score(self, span: Span) -> Node:
        """`score` is the sum of the in-total scores that data decides (manual ones excluded)."""
        if not self.doc.scores:
            raise PolicyError(
                "'score' is used but the policy has no scores", self.file, span.line, span.column
            )
        total: Node | None = None
        for s in self.doc.scores:
            if s.manual or not s.in_total:
                continue
            reference = self.resolve(s.id, span)
            assert reference is not None
            total = (
                reference
                if total is None
                else Arithmetic(Unit.NUMBER, "+", total, reference, span=span)
            )
        return total if total is not None else Literal(Unit.NUMBER, Fraction(0), span=span)

    def benefit(self) -> Benefit | None:
        b = self.doc.benefit
        if b is None:
            return None
        amount = self.expression(["benefit", "amount"], Unit.YUAN, "the benefit amount")
        cap = (
            self.expression(["benefit", "cap"], Unit.YUAN, "the benefit cap")
            if b.cap is not None
            else None
        )
        return Benefit(amount, cap, _text(b.label), b.clause, b.once)


def _text(t: doc.TextDoc) -> Text:
    return Text(t.zh, t.en)


def history_years(nodes: Sequence[Node]) -> int:
    """How many years before the evaluation year the expressions read (0 = that year only)."""
    reach = 0
    for root in nodes:
        for node in walk(root):
            if isinstance(node, Fact):
                reach = max(reach, node.years_ago)
            elif isinstance(node, PeriodAggregate):
                reach = max(reach, node.years - 1)
    return reach


# ----- one expression in the context of a document ---------------------------------------


def check_expression(
    expression: str,
    text: str,
    *,
    expect: Unit | None = None,
    own: str | None = None,
    file: str = "<field>",
) -> Node:
    """Parse and check one expression as if it stood in document `text`: its parameters,
    definitions, scores and conditions are known (`own` names the item being edited: referring
    to it, directly or through another item, is a cycle). Errors are PolicyErrors at the line
    and column of the expression itself.

    The document may be broken elsewhere: what of it can be read is the context (an unreadable
    document leaves only the panel facts and context values), and an item referred to that has
    an error of its own is reported at the reference.
    """
    try:
        root, data = _compose(text, "<document>")
        document: doc.PolicyDoc | None = doc.PolicyDoc.model_validate(data)
    except (PolicyError, ValidationError):
        document = None
    if document is None:
        scope = Scope()
    else:
        builder = _Builder(text, "<document>", root, document)
        parameters = {name: p.unit for name, p in document.parameters.items()}
        with contextlib.suppress(PolicyError):  # a name used twice: the first one is known
            builder.collect_names({})
        if own is not None and own in builder.items:
            builder.in_progress.append(own)  # referring to the item being edited is a cycle
        known = lambda: [*builder.items, "score", "score_manual_max"]  # noqa: E731
        builder.scope = Scope(parameters=parameters, resolve=builder.resolve, known=known)

        def resolve(name: str, span: Span) -> Node | None:
            # An error inside another item is reported here, at the reference to it.
            try:
                return builder.resolve(name, span)
            except PolicyError as exc:
                raise PolicyError(f"'{name}' cannot be used: {exc.message}", file, span.line,
                                  span.column) from None  # fmt: skip

        scope = Scope(parameters=parameters, resolve=resolve, known=known)
    node = parse_expression(expression, scope, file=file, expect=expect)
    if expect is not None and node.unit != expect:
        raise PolicyError(f"the value must be {expect}, not {node.unit}", file, 1, 1)
    return node
