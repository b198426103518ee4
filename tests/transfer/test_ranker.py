"""The ranking weights: fitted deterministically on the tuning sets, loaded as data, and the
score rises with every signal that is evidence for a match."""

from __future__ import annotations

import json
from dataclasses import asdict, fields, replace
from importlib import resources

import numpy as np
from bench.fit_ranker import BONUSES, FIXED, fit
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.transfer.matching import FIRST_PASS, WEIGHTS, Document, Index, Weights, load_weights

NAMES = [f.name for f in fields(Weights)]
DOCS = [
    Document(1, "焊缝气孔抑制方法", "降低焊缝气孔率的保护气调控", ("B23K 9/16",), "C3311"),
    Document(2, "焊缝视觉跟踪", "结构光提取坡口引导焊枪", ("B23K 9/127",), "C3311"),
    Document(3, "轴承剩余寿命预测", "振动信号估计轴承剩余寿命", ("G01M 13/04",), "C3440"),
]


def test_the_shipped_weights_are_the_data_file_and_say_how_they_were_fitted() -> None:
    data = json.loads(
        resources.files("kechuang.transfer").joinpath("data", "ranker.json").read_text("utf-8")
    )
    assert "fit_ranker" in data["about"] and "dev" in data["about"]
    assert asdict(load_weights()) == {n: float(data["weights"][n]) for n in NAMES}
    assert load_weights() == WEIGHTS
    assert all(v >= 0 for v in asdict(WEIGHTS).values())
    for name in FIXED:
        assert getattr(WEIGHTS, name) == getattr(FIRST_PASS, name)
    for name in BONUSES:
        assert getattr(WEIGHTS, name) <= getattr(FIRST_PASS, name)


def test_the_pairwise_fit_is_deterministic_non_negative_and_learns_the_informative_signal() -> None:
    rng = np.random.default_rng(7)
    diff = rng.normal(0.0, 1.0, size=(400, len(NAMES)))
    informative = NAMES.index("expansion")
    diff[:, informative] = np.abs(diff[:, informative]) + 0.5  # answers always score higher
    start = np.asarray([getattr(FIRST_PASS, n) for n in NAMES])
    first, second = fit(diff, start, NAMES), fit(diff, start, NAMES)
    assert np.array_equal(first, second)
    assert (first >= 0).all()
    assert first[informative] > start[informative]
    for name in FIXED:
        assert first[NAMES.index(name)] == start[NAMES.index(name)]


def test_searching_twice_gives_the_same_ranking_and_scores() -> None:
    index = Index(DOCS)
    demand = "焊出来的焊缝老有小孔眼，返工率太高"
    once = [(m.id, m.score) for m in index.search(demand, industry_code="C3311", k=3)]
    again = [(m.id, m.score) for m in Index(DOCS).search(demand, industry_code="C3311", k=3)]
    assert once == again and once[0][0] == 1


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from([n for n in NAMES if getattr(WEIGHTS, n) > 0]),
    base=st.lists(st.floats(0, 1), min_size=len(NAMES), max_size=len(NAMES)),
    bump=st.floats(0.01, 1),
)
def test_the_score_rises_with_every_signal_the_weights_count(
    name: str, base: list[float], bump: float
) -> None:
    signals = {n: np.asarray([v]) for n, v in zip(NAMES, base, strict=True)}
    raised = {**signals, name: signals[name] + bump}

    def score(s: dict[str, np.ndarray]) -> float:
        return float(sum(getattr(WEIGHTS, n) * s[n] for n in NAMES)[0])

    assert score(raised) > score(signals)


def test_a_result_in_the_class_the_demand_points_to_rises_when_the_class_signal_counts() -> None:
    """Two results alike in words (a tie goes to the first); the demand's words point to the
    main group of the second (B23K 9/00 电弧焊接或电弧切割, by its title): it comes first."""
    docs = [
        Document(1, "焊缝改进方法", "一种焊接工艺", ("B23K 37/02",), "C3311"),
        Document(2, "焊缝改进方法", "一种焊接工艺", ("B23K 9/16",), "C3311"),
    ]
    demand = "焊缝改进，需要保护气体电弧焊接"
    signals = Index(docs).signals(demand)
    assert signals["ipc_inferred"][1] > signals["ipc_inferred"][0]
    assert Index(docs, weights=FIRST_PASS).search(demand, k=2)[0].id == 1
    with_class = Index(docs, weights=replace(FIRST_PASS, ipc_inferred=0.5)).search(demand, k=2)
    assert with_class[0].id == 2
    assert any("B23K9/00 电弧焊接或电弧切割" in r for r in with_class[0].reasons)
    assert not any("B23K37/00" in r for r in with_class[1].reasons)
