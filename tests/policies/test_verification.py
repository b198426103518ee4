"""docs/policies/VERIFICATION.md: every condition of the policies issue 21 added or changed is
listed as verified against a named source, partly verified, or not verified."""

from __future__ import annotations

import pytest

from kechuang.policies.pack import load_pack
from kechuang.policies.reference import STATUS_TEXT, pages, verification_checks

CHANGED = {
    "srdi-sme-2026",
    "little-giant-2026",
    "innovative-sme-2022",
    "srdi-sme-2022",
    "little-giant-2022",
    "hnte-2016",
    "premium-subsidy",
    "above-scale-shanghai-2022",
}


def test_the_record_covers_every_new_and_changed_policy() -> None:
    assert set(verification_checks()["checks"]) == CHANGED


@pytest.mark.parametrize("policy_id", sorted(CHANGED))
def test_every_condition_has_exactly_one_entry(policy_id: str) -> None:
    record = verification_checks()["checks"][policy_id]
    for policy in load_pack().versions(policy_id):
        assert set(record["conditions"]) == {c.id for c in policy.conditions}


def test_statuses_and_sources_are_well_formed() -> None:
    checks = verification_checks()
    sources = checks["sources"]
    assert all(s["url"].startswith(("http://", "https://")) and s["what"] for s in sources.values())
    for record in checks["checks"].values():
        entries = [*record["conditions"].values(), *record.get("notes", [])]
        if "effective" in record:
            entries.append(record["effective"])
        for entry in entries:
            assert entry["status"] in STATUS_TEXT
            cited = entry.get("sources", [])
            assert set(cited) <= set(sources)
            # a verification names where; "not verified" says what the rule rests on instead
            assert cited if entry["status"] != "not_verified" else entry.get("note")


def test_the_page_lists_each_condition_with_its_verdict() -> None:
    page = pages(load_pack().policies)["VERIFICATION.md"]
    assert "`market_position`" in page and "issue 21 的条件清单漏列此项" in page
    assert "not verified" in page and "verified against [gd-summary](https://github.com" in page
