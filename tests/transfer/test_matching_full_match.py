"""The demand's words are scored against a full match of them, not against the listing's best.

A long demand that shares one incidental word ("家属", "晚上") with a result must not give that
result a full text score: otherwise a word said in passing outranks the need the demand states.
The scale is the sum of the words' IDF, the most any text could score (a BM25 term tends to its
word's IDF as the word repeats); properties check it against bm25s itself.
"""

from __future__ import annotations

import math

import bm25s
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.transfer.matching import Document, Index, _idf

DELIRIUM = Document(
    1,
    "老年患者术后谵妄风险预测与非药物干预方案",
    "基于术前认知评估预测术后谵妄风险，对高危患者实施睡眠、定向与早期活动干预。",
    ("G16H",),
    "C3589",
)
GLUCOSE = Document(
    2,
    "基于连续血糖监测的夜间低血糖预警系统",
    "皮下传感器连续监测葡萄糖，预测低血糖风险并在夜间向家属手机报警。",
    ("A61B",),
    "C3589",
)
EEG = Document(3, "基于脑电的麻醉深度监测方法", "脑电指数指导麻醉药量。", ("A61B",), "C3589")
DEMAND = "老人做完手术当天晚上就开始胡言乱语，自己拔管子、要下床，家属吓坏了。"


def test_an_incidental_shared_word_is_not_a_full_match() -> None:
    index = Index([DELIRIUM, GLUCOSE, EEG])
    text = index.signals(DEMAND)["text"]
    assert 0 < text[1] < 0.5  # the glucose alarm shares "家属" / "夜间" in passing only
    best = index.search(DEMAND, k=3)
    assert best[0].id == DELIRIUM.id  # the need the demand states (confusion after surgery)
    assert [n.concept for n in best[0].needs] == ["delirium"]
    assert "谵妄" in best[0].explanation_zh and "confused" in best[0].explanation_en


def test_every_word_of_the_demand_outweighs_one_of_them_and_no_score_exceeds_one() -> None:
    docs = [
        Document(1, "焊缝气孔抑制", "降低焊缝气孔率的保护气调控"),
        Document(2, "焊缝视觉跟踪", "结构光提取坡口引导焊枪"),
        Document(3, "轴承寿命预测", "振动信号估计剩余寿命"),
    ]
    text = Index(docs).signals("焊缝气孔")["text"]
    assert text[0] > 2 * text[1] > 0 and text[2] == 0.0
    assert float(text.max()) <= 1.0


def test_no_shared_word_scores_zero_and_an_empty_demand_scores_nothing() -> None:
    index = Index([DELIRIUM, GLUCOSE])
    assert not index.signals("。。。")["text"].any()
    assert index.search("", k=2) == []


WORDS = [f"w{i}" for i in range(12)]
K1 = 1.5  # bm25s's default


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(WORDS), min_size=4, max_size=4, unique=True),
        min_size=2,
        max_size=12,
    )
)
def test_the_scale_agrees_with_bm25s_idf(corpus: list[list[str]]) -> None:
    """Every document has the average length and holds each of its words once: there bm25s
    scores a one-word query IDF * 1 / (1 + k1), with the IDF the scale uses."""
    n = len(corpus)
    idf = _idf(corpus, n)
    bm = bm25s.BM25()
    bm.index(corpus, show_progress=False)
    for word, expected in idf.items():
        scores = np.asarray(bm.get_scores([word]))
        holding = [i for i, doc in enumerate(corpus) if word in doc]
        assert all(math.isclose(scores[i], expected / (1 + K1), rel_tol=1e-4) for i in holding), (
            word
        )
        assert all(scores[i] == 0 for i in range(n) if i not in holding)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=30), min_size=1, max_size=10),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=6, unique=True),
)
def test_no_text_scores_more_than_the_scale(corpus: list[list[str]], query: list[str]) -> None:
    """Whatever the lengths and repetitions, bm25s never scores above the sum of the IDF."""
    idf = _idf(corpus, len(corpus))
    bm = bm25s.BM25()
    bm.index(corpus, show_progress=False)
    bound = sum(idf.get(w, 0.0) for w in query)
    assert float(np.max(bm.get_scores(query))) <= bound * (1 + 1e-5)
