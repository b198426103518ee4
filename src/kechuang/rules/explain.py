"""Explanations of a Verdict: readable text (zh or en) and a JSON-safe dict.

The text says the outcome, then each condition with its status mark (✓ met, ✗ unmet,
? unknown, 审 manual review, ☐ attestation), the clause it cites, the values it read and the
gap sentence; then scores (with the range when experts score part), the benefit and the
what-if overrides applied. JSON keeps exactness: numbers as decimal strings, money in fen.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from kechuang.domain.money import format_yuan
from kechuang.domain.panel import BY_NAME
from kechuang.rules.format import decimal_text, scale_text, show
from kechuang.rules.ir import Scale, Unit, Value
from kechuang.rules.parse import CONTEXT_UNITS, fact_unit
from kechuang.rules.policy import Outcome, Policy, Status
from kechuang.rules.verdict import ConditionResult, Gap, ScoreStep, Verdict

MARKS: dict[Status | None, str] = {
    Status.MET: "✓",
    Status.UNMET: "✗",
    Status.UNKNOWN: "?",
    Status.MANUAL_REVIEW: "审",
    None: "☐",
}

OUTCOMES = {
    Outcome.ELIGIBLE: ("符合", "eligible"),
    Outcome.INELIGIBLE: ("不符合", "ineligible"),
    Outcome.UNKNOWN: ("数据不足，无法判断", "unknown (data missing)"),
    Outcome.MANUAL_REVIEW: ("待专家评审", "pending expert review"),
}

WORDS = {
    "outcome": ("结论", "Outcome"),
    "conditions": ("条件", "Conditions"),
    "read": ("读取", "Read"),
    "gap": ("差距", "Gap"),
    "scores": ("评分", "Scores"),
    "total": ("合计", "Total"),
    "manual": ("专家评审", "expert-scored"),
    "range": ("含专家评审部分", "with the expert-scored part"),
    "missing": ("距及格分还差", "Points missing to the pass mark"),
    "steps": ("最易得分的指标", "Cheapest indicators to gain points"),
    "benefit": ("补贴金额", "Benefit"),
    "overrides": ("假设调整（what-if）", "What-if overrides applied"),
    "attest": ("企业承诺事项（不影响结论）", "To be attested by the enterprise (not blocking)"),
    "year": ("年度", "year"),
    "unknown": ("未知", "unknown"),
}


def _w(key: str, lang: str) -> str:
    zh, en = WORDS[key]
    return zh if lang.startswith("zh") else en


def value_unit(key: str, policy: Policy) -> Unit:
    """The unit of a value an explanation shows under `key` (see scalar.read_key)."""
    if key in policy.parameters:
        return policy.parameters[key].unit
    if key in CONTEXT_UNITS:
        return CONTEXT_UNITS[key]
    inner = key.partition("(")[2].partition(",")[0].strip() if "(" in key else key
    if key.startswith("count_years("):
        return Unit.COUNT
    unit = fact_unit(inner)
    if unit is not None:
        return unit
    for d in policy.definitions:
        if d.id == key:
            return d.expr.unit
    if any(c.id == key for c in policy.conditions):
        return Unit.BOOL
    return Unit.NUMBER


def _label(key: str, lang: str) -> str:
    field = BY_NAME.get(key)
    if field is None:
        return key
    return f"{field.label_zh if lang.startswith('zh') else field.label_en} {key}"


def render_text(verdict: Verdict, policy: Policy, lang: str = "zh") -> str:
    """A readable explanation of `verdict` in Chinese (`zh`) or English (`en`)."""
    zh = lang.startswith("zh")
    lines = [
        f"{policy.title.get(lang)} ({policy.id} {policy.version}, {policy.document_number})"
        f" — {verdict.year} {_w('year', lang)}",
    ]
    outcome = OUTCOMES[verdict.outcome][0 if zh else 1]
    suffix = f" ({verdict.outcome.value})" if zh else ""
    lines.append(f"{_w('outcome', lang)}: {outcome}{suffix}")
    lines.append("")
    lines.append(f"{_w('conditions', lang)}:")
    by_id = {c.id: c for c in policy.conditions}
    for result in verdict.conditions:
        lines.extend(_condition_lines(result, policy, by_id[result.id].expr, lang))
    if verdict.scores:
        lines.append("")
        lines.extend(_score_lines(verdict, lang))
    if verdict.benefit_fen is not None:
        lines.append("")
        lines.append(f"{_w('benefit', lang)}: {format_yuan(verdict.benefit_fen)}")
    if verdict.overrides:
        lines.append("")
        shown = [
            f"{name} = {show(value, value_unit(name, policy))}"
            for name, value in verdict.overrides.items()
        ]
        lines.append(f"{_w('overrides', lang)}: " + "; ".join(shown))
    return "\n".join(lines) + "\n"


def _condition_lines(result: ConditionResult, policy: Policy, expr: Any, lang: str) -> list[str]:
    mark = MARKS[result.status]
    clause = f" [{result.clause}]" if result.clause else ""
    lines = [f"  {mark} {result.label.get(lang)} ({result.id}){clause}"]
    if result.status is None:
        lines[0] += f" — {_w('attest', lang)}"
    if expr is not None and expr.span.source:
        lines.append(f"      {' '.join(expr.span.source.split())}")
    if result.values:
        read = "; ".join(
            f"{_label(k, lang)} = {show(v, value_unit(k, policy))}"
            for k, v in result.values.items()
        )
        lines.append(f"      {_w('read', lang)}: {read}")
    if result.gap is not None:
        lines.append(f"      {_w('gap', lang)}: {result.gap.message(lang)}")
    return lines


def _score_lines(verdict: Verdict, lang: str) -> list[str]:
    lines = [f"{_w('scores', lang)}:"]
    for s in verdict.scores:
        clause = f" [{s.clause}]" if s.clause else ""
        if s.manual:
            points = f"0–{show(s.max_points, Unit.NUMBER)} ({_w('manual', lang)})"
        else:
            points = f"{show(s.points, Unit.NUMBER)} / {show(s.max_points, Unit.NUMBER)}"
        sub = "" if s.in_total else " *"
        lines.append(f"  {s.label.get(lang)} ({s.id}){sub}: {points}{clause}")
    total = show(verdict.score, Unit.NUMBER)
    line = f"  {_w('total', lang)}: {total}"
    if verdict.score_range is not None and verdict.score_range[0] != verdict.score_range[1]:
        low, high = (show(x, Unit.NUMBER) for x in verdict.score_range)
        line += f" ({_w('range', lang)} {low}–{high})"
    lines.append(line)
    if verdict.points_missing is not None:
        lines.append(f"  {_w('missing', lang)}: {show(verdict.points_missing, Unit.NUMBER)}")
    if verdict.score_steps:
        lines.append(f"  {_w('steps', lang)}:")
        lines.extend(f"    - {step.gap.message(lang)}" for step in verdict.score_steps)
    return lines


# ----- JSON ------------------------------------------------------------------------------


def json_value(value: Value) -> Any:
    """A runtime value as JSON: numbers as exact decimal strings (6 places if not finite)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Scale):
        return scale_text(value)
    return _number(value)


def _number(value: Fraction) -> str:
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator == 1:  # a terminating decimal: print it exactly
        places = 0
        while (value * 10**places).denominator != 1:
            places += 1
        return decimal_text(value, places)
    return decimal_text(value, 6)


def _gap(gap: Gap | None) -> dict[str, Any] | None:
    if gap is None:
        return None
    return {
        "fact": gap.fact,
        "unit": gap.unit.value,
        "current": _number(gap.current),
        "target": _number(gap.target),
        "change": _number(gap.change),
        "message_zh": gap.message_zh,
        "message_en": gap.message_en,
    }


def _step(step: ScoreStep) -> dict[str, Any]:
    return {
        "score": step.score_id,
        "current_points": _number(step.current_points),
        "next_points": _number(step.next_points),
        "gap": _gap(step.gap),
    }


def to_json(verdict: Verdict) -> dict[str, Any]:
    """The verdict as JSON-safe data (json.dumps works on it, nothing is lost to floats)."""
    fen = verdict.benefit_fen
    return {
        "policy_id": verdict.policy_id,
        "version": verdict.version,
        "year": verdict.year,
        "outcome": verdict.outcome.value,
        "score": json_value(verdict.score),
        "score_range": [_number(x) for x in verdict.score_range] if verdict.score_range else None,
        "benefit_fen": fen,
        "benefit_yuan": _fen_text(fen) if fen is not None else None,
        "unmet": list(verdict.unmet),
        "conditions": [
            {
                "id": c.id,
                "label": {"zh": c.label.zh, "en": c.label.en},
                "clause": c.clause,
                "kind": c.kind.value,
                "status": c.status.value if c.status else "attestation",
                "value": json_value(c.value),
                "values": {k: json_value(v) for k, v in c.values.items()},
                "gap": _gap(c.gap),
            }
            for c in verdict.conditions
        ],
        "scores": [
            {
                "id": s.id,
                "label": {"zh": s.label.zh, "en": s.label.en},
                "clause": s.clause,
                "points": json_value(s.points),
                "max_points": _number(s.max_points),
                "manual": s.manual,
                "in_total": s.in_total,
                "values": {k: json_value(v) for k, v in s.values.items()},
            }
            for s in verdict.scores
        ],
        "pass_mark": json_value(verdict.pass_mark),
        "points_missing": json_value(verdict.points_missing),
        "score_steps": [_step(s) for s in verdict.score_steps],
        "definitions": {k: json_value(v) for k, v in verdict.definitions.items()},
        "overrides": {k: json_value(v) for k, v in verdict.overrides.items()},
        "attestations": list(verdict.attestations),
    }


def _fen_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"
