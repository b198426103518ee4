"""What-if overrides: `--set POLICY.PARAMETER=VALUE` text -> {policy_id: {parameter: Value}}.

Each value is parsed in the unit the parameter declares (yuan with at most two decimals,
whole counts, ratios also as "10%", true/false, dates) and checked against the parameter's
bounds (amounts, counts and ratios are at least 0 unless the file says otherwise), so an
override can never give a parameter a value its rules could not have had from the file.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from kechuang.rules.ir import Value
from kechuang.rules.policy import Policy
from kechuang.rules.values import to_value


class OverrideError(ValueError):
    """A `--set` that names an unknown policy or parameter, or a value not of its unit."""


def _hint(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def parse_overrides(
    settings: Sequence[str], policies: Iterable[Policy]
) -> dict[str, dict[str, Value]]:
    """Parse `POLICY.PARAMETER=VALUE` strings against the policies being screened."""
    by_id = {p.id: p for p in policies}
    result: dict[str, dict[str, Value]] = {}
    for setting in settings:
        target, equals, text = setting.partition("=")
        policy_id, dot, parameter = target.strip().partition(".")
        if not equals or not dot or not policy_id or not parameter:
            raise OverrideError(f"--set {setting!r}: expected POLICY.PARAMETER=VALUE")
        policy = by_id.get(policy_id)
        if policy is None:
            raise OverrideError(
                f"--set {setting!r}: policy '{policy_id}' is not being screened"
                f"{_hint(policy_id, by_id)}"
            )
        definition = policy.parameters.get(parameter)
        if definition is None:
            known = ", ".join(policy.parameters) or "none"
            raise OverrideError(
                f"--set {setting!r}: policy '{policy_id}' has no parameter '{parameter}'"
                f"{_hint(parameter, policy.parameters)} (parameters: {known})"
            )
        try:
            value = to_value(text.strip(), definition.unit)
        except ValueError as exc:
            raise OverrideError(f"--set {setting!r}: {exc} (unit {definition.unit})") from None
        problem = definition.out_of_bounds(value)
        if problem is not None:
            raise OverrideError(f"--set {setting!r}: {problem} (unit {definition.unit})")
        result.setdefault(policy_id, {})[parameter] = value
    return result
