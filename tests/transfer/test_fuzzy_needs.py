"""Fuzzy need reading: a demand worded close to a `says` phrase, not equal to it, still states
the need, with less confidence, and the match says which words were read as which phrase."""

from __future__ import annotations

from dataclasses import replace

from bench.matching_eval import without_own_phrases

from kechuang.transfer.fuzzy_needs import FuzzyReader, FuzzySettings, char_weights
from kechuang.transfer.matching import FUZZY, Document, Index, load_fuzzy
from kechuang.transfer.thesaurus import Thesaurus, parse

THESAURUS = Thesaurus(
    parse([
        {"id": "cracking", "need": "零件开裂与裂纹", "need_en": "cracking of parts",
         "says": ["开裂", "撕开"], "means": ["裂纹", "抗裂"]},
        {"id": "odour", "need": "异味与臭气", "need_en": "bad smells",
         "says": ["异味"], "means": ["除臭", "臭气"]},
    ])
)  # fmt: skip
SETTINGS = FuzzySettings(min_similarity=0.34, scale=0.5, min_char_weight=7.0, rare_char=9.0,
                         top=2, with_needs=False, with_means=False, expansion=0.0)  # fmt: skip
ANSWER = Document(1, "高强钢冲压件抗裂成形方法", "优化压边力，抑制拉深裂纹。", ("B21D",), "C3670")
TWIN = Document(2, "高强钢冲压件回弹补偿方法", "模面补偿减少冲压件的回弹。", ("B21D",), "C3670")
DEMAND = "换了高强钢以后，冲压件一压就裂开，废品太多"


def test_a_phrase_close_to_a_says_phrase_states_the_need_with_less_confidence() -> None:
    (read,) = FuzzyReader(THESAURUS, SETTINGS).read(DEMAND)
    assert read.concept.id == "cracking"
    assert read.phrase == "裂开" and read.read_as == "开裂"
    assert 0 < read.confidence < 1


def test_a_demand_saying_the_phrase_itself_counts_fully_and_is_not_read_again() -> None:
    (exact,) = THESAURUS.stated("冲压件老是开裂")
    assert exact.confidence == 1.0 and exact.read_as == ""
    assert FuzzyReader(THESAURUS, SETTINGS).read("冲压件老是开裂", {"cracking"}) == []


def test_common_characters_alone_read_no_need() -> None:
    # 开 is shared with 开裂 and 撕开, but it is a common character: no reading; 裂 alone is
    # rare enough (the settings here; 9.2 in jieba).
    assert char_weights()["裂"] >= SETTINGS.rare_char
    assert char_weights()["开"] < SETTINGS.min_char_weight
    assert FuzzyReader(THESAURUS, SETTINGS).read("开机以后一切正常") == []


def test_the_result_answering_the_need_read_fuzzily_wins_and_says_how_it_was_read() -> None:
    exact_only = Index([ANSWER, TWIN], thesaurus=THESAURUS, fuzzy=None)
    fuzzy = Index([ANSWER, TWIN], thesaurus=THESAURUS, fuzzy=SETTINGS)
    assert exact_only.search(DEMAND)[0].needs == ()  # no `says` phrase: no need stated
    best = fuzzy.search(DEMAND)[0]
    assert best.id == ANSWER.id
    (need,) = best.needs
    assert (need.demand_phrase, need.read_as, need.result_term) == ("裂开", "开裂", "裂纹")
    assert "「裂开」" in best.explanation_zh and "「开裂」" in best.explanation_zh
    assert "which we read as “开裂”" in best.explanation_en
    scores = {m.id: m.score for m in fuzzy.search(DEMAND)}
    off = {m.id: m.score for m in exact_only.search(DEMAND)}
    assert scores[ANSWER.id] > off[ANSWER.id] and scores[TWIN.id] == off[TWIN.id]


def test_a_need_read_fuzzily_weighs_less_than_the_same_need_said_outright() -> None:
    index = Index([ANSWER, TWIN], thesaurus=THESAURUS, fuzzy=SETTINGS)
    fuzzily = index.signals(DEMAND)["concept"][0]
    outright = index.signals(DEMAND.replace("裂开", "开裂"))["concept"][0]
    assert 0 < fuzzily < outright == 1.0


def test_the_phrase_ablation_removes_the_demands_own_phrases_only() -> None:
    ablated = without_own_phrases(THESAURUS, "冲压件老是开裂，还有异味", "zh")
    assert ablated.by_id["cracking"].says == ("撕开",)
    assert ablated.by_id["odour"].says == ()
    assert THESAURUS.by_id["cracking"].says == ("开裂", "撕开")  # the original is unchanged


def test_the_shipped_settings_are_the_data_file_and_english_reads_no_fuzzy_need() -> None:
    assert load_fuzzy() == FUZZY and FUZZY is not None
    english = Index([replace(ANSWER, title="crack-free stamping", text="less cracking")],
                    lang="en", thesaurus=THESAURUS)  # fmt: skip
    assert english.fuzzy is None


def test_a_need_read_fuzzily_expands_the_query_at_its_share_only() -> None:
    answer_terms = Document(3, "高强钢板成形工艺", "提高板材的抗裂性能。", ("B21D",), "C3670")
    docs = [ANSWER, TWIN, answer_terms]
    for share in (0.0, 0.5):
        index = Index(docs, thesaurus=THESAURUS, fuzzy=replace(SETTINGS, expansion=share))
        expansion = index.signals(DEMAND)["expansion"]
        # 抗裂 and 裂纹 (the need's result terms) are in ANSWER and answer_terms, not in TWIN.
        assert expansion.max() == share and expansion[1] == 0.0


def test_a_window_keeps_characters_spread_across_a_clause_from_reading_a_need() -> None:
    leaks = Thesaurus(parse([{"id": "oil_leaks", "need": "漏油", "need_en": "oil leaks",
                              "says": ["渗漏油"], "means": ["密封"]}]))  # fmt: skip
    # 漏 and 油 of 渗漏油 far apart in one clause: read with no window, not with a tight one.
    spread = "漏点找到以后换了新的机油"
    assert [s.concept.id for s in FuzzyReader(leaks, SETTINGS).read(spread)] == ["oil_leaks"]
    assert FuzzyReader(leaks, replace(SETTINGS, slack=1)).read(spread) == []
    assert FuzzyReader(leaks, replace(SETTINGS, slack=1)).read("机器漏油了") != []
