"""The catalogue: every file parses, every formula runs, bad definitions are refused."""

from __future__ import annotations

import pytest

from kechuang.stats.catalogue import SECTIONS, CatalogueError, catalogue, parse
from kechuang.stats.service import results
from tests.stats.world import World

PILLAR_SOURCES = ("runs", "awards", "loans", "deals")
GOOD = """
id: x
name: {zh: 甲, en: X}
description: {zh: 说明, en: about}
unit: {zh: 家, en: enterprises}
section: enterprises
source: panel
measure: count(*)
"""


def test_every_indicator_has_a_value_for_every_year(world_env: World) -> None:
    found = results(world_env.engine)
    assert found.years == [2022, 2023, 2024]
    for indicator in catalogue():
        for year in (2023, 2024):
            value = found.get(indicator.id, year)
            assert value is not None and value.value is not None, (indicator.id, year)
        if indicator.source in PILLAR_SOURCES:
            continue  # the world has no runs, loans or deals: tests/stats/test_pillars.py
        for dimension in indicator.breakdowns:
            assert found.breakdown(indicator.id, dimension, 2024), (indicator.id, dimension)


def test_catalogue_is_complete_and_ordered() -> None:
    ids = [i.id for i in catalogue()]
    assert len(ids) == len(set(ids)) >= 25
    assert [SECTIONS.index(i.section) for i in catalogue()] == sorted(
        SECTIONS.index(i.section) for i in catalogue()
    )
    for i in catalogue():
        assert i.name_zh and i.name_en and i.description_zh and i.description_en
        assert i.formula().startswith("SELECT year")


def test_good_definition_parses() -> None:
    indicator = parse(GOOD, "x.yaml")
    assert indicator.additive and indicator.formula() == (
        "SELECT year, count(*) AS value\nFROM panel\nGROUP BY year"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("source: panel", "source: nowhere"), "unknown source"),
        (("section: enterprises", "section: elsewhere"), "section must be"),
        (("measure: count(*)", "measure: count(*)\nbreakdowns: [planet]"), "unknown breakdown"),
        (
            ("measure: count(*)", "measure: count(*)\ndenominator: count(*)\ncomparable: true"),
            "comparable growth",
        ),
        (("source: panel", "source: loans\ncomparable: true"), "comparable growth"),
        (("name: {zh: 甲, en: X}", "name: {zh: 甲}"), "name needs zh and en"),
        (("name: {zh: 甲, en: X}", "name: &n {zh: 甲, en: X}\nalias: *n"), "anchors"),
        (("measure: count(*)", "measure: " + "[" * 100_000 + "]" * 100_000), "nested more than"),
    ],
)
def test_bad_definitions_are_refused(change: tuple[str, str], message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        parse(GOOD.replace(*change), "x.yaml")
