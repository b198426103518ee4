"""What-if values the rules cannot hold (kechuang.screening.whatif): 422 naming the field,
never 500.

`1e400`, `NaN`, `inf` and friends are refused by the parameter's unit; values within bounds
that multiply past what an amount can hold are refused by the screening and blamed on the
overrides. Every parameter of every shipped policy is tried at both extremes of its range.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from kechuang.policies import catalogue
from kechuang.rules.ir import Unit
from tests.web.conftest import login

UNREPRESENTABLE = ("1e400", "NaN", "inf", "-inf", "1e30", "1E999999999", "1e-400", "1e16")
EXTREMES = {
    Unit.YUAN: ("9999999999999999.99", "-9999999999999999.99"),
    Unit.COUNT: ("999999999999999999", "-999999999999999999"),
}
NUMBER_EXTREMES = ("999999999999999999.999999999999", "-999999999999999999.999999999999")


def _client(world_app: Any) -> TestClient:
    client = TestClient(world_app, raise_server_exceptions=False)
    csrf = login(client, "officer1")
    client.headers["X-CSRF-Token"] = csrf
    return client


def _whatif(client: TestClient, policy_id: str, overrides: dict[str, str]) -> Any:
    return client.post(
        "/api/v1/whatif", json={"policy_id": policy_id, "year": 2024, "overrides": overrides}
    )


@pytest.mark.parametrize("value", UNREPRESENTABLE)
def test_an_amount_no_rule_can_hold_is_422_naming_the_field(world_app: Any, value: str) -> None:
    response = _whatif(_client(world_app), "first-above-scale-reward", {"amount": value})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "overrides", "amount"]
    assert value in error["msg"]


def test_every_bad_override_is_named_at_once(world_app: Any) -> None:
    response = _whatif(
        _client(world_app), "first-above-scale-reward", {"amount": "NaN", "threshold": "1e400"}
    )
    assert response.status_code == 422
    locs = sorted(e["loc"][-1] for e in response.json()["errors"])
    assert locs == ["amount", "threshold"]


def test_every_parameter_at_both_extremes_answers_200_or_422(world_app: Any) -> None:
    client = _client(world_app)
    tried = 0
    for policy in catalogue.pack().policies:
        for name, parameter in policy.parameters.items():
            for value in EXTREMES.get(parameter.unit, NUMBER_EXTREMES):
                response = _whatif(client, policy.id, {name: value})
                where = f"{policy.id} {policy.version} {name}={value}"
                assert response.status_code in (200, 404, 422), (where, response.text)
                if response.status_code == 422:
                    named = [e["loc"] for e in response.json()["errors"]]
                    assert named == [["body", "overrides", name]], where
                tried += 1
    assert tried > 60


def test_the_page_form_with_a_year_that_is_no_number_shows_the_error(world_app: Any) -> None:
    client = _client(world_app)
    response = client.post(
        "/officer/whatif",
        data={"policy_id": "first-above-scale-reward", "year": "20x4", "param.amount": "1"},
    )
    assert response.status_code == 200 and 'id="whatif-error"' in response.text
    assert "年度应在 1990–2100 之间" in response.text
