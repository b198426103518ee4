"""Every match says, in a manager's words and in both languages, which need of the demand the
result answers and why; the shared terms and classes stay as evidence."""

from __future__ import annotations

from kechuang.transfer import ipc
from kechuang.transfer.matching import Document, Index, tokens
from tests.transfer.matching_eval import dev

WELD = Document(
    1,
    "激光-电弧复合焊接熔池气孔抑制方法",
    "调控保护气流场，促进熔池气泡逸出，降低焊缝气孔率。",
    ("B23K",),
    "C3311",
)
TRACK = Document(
    2,
    "激光-电弧复合焊接焊缝视觉跟踪系统",
    "结构光传感器实时提取坡口，引导焊枪沿焊缝运动，解决焊偏问题。",
    ("B23K",),
    "C3311",
)
STAMP = Document(3, "高强钢冲压件回弹补偿方法", "模面补偿减少冲压件回弹。", ("B21D",), "C3670")


def test_the_need_a_symptom_states_is_answered_and_explained_in_both_languages() -> None:
    index = Index([WELD, TRACK, STAMP])
    best = index.search("车间焊缝老有小孔眼，探伤一查一大片，返工太多", k=3)[0]
    assert best.id == WELD.id  # not the seam tracker of the same lab: that is another need
    (need,) = best.needs
    assert need.concept == "porosity" and need.result_term in ("气孔", "气泡", "气孔率")
    assert (
        f"「{need.demand_phrase}」" in best.explanation_zh and need.need_zh in best.explanation_zh
    )
    assert f"「{need.result_term}」" in best.explanation_zh
    assert need.need_en in best.explanation_en and best.explanation_en.startswith("You mention")
    assert best.explanation("en") == best.explanation_en
    assert "焊缝" in best.terms  # the shared words stay, as evidence


def test_classes_and_industry_remain_evidence() -> None:
    best = Index([WELD, TRACK, STAMP]).search(
        "焊缝老有小孔眼", ipc_codes=["B23K 26/348"], industry_code="C3311", k=1
    )[0]
    assert best.ipc_subclasses == ("B23K",) and best.industry == "C33"
    assert any("IPC" in r for r in best.reasons) and any("industry" in r for r in best.reasons)


def test_a_match_on_words_alone_says_so_and_asks_to_check() -> None:
    best = Index([WELD, TRACK, STAMP]).search("焊枪的坡口", k=1)[0]
    assert best.needs == ()
    assert "请核实" in best.explanation_zh and "please check" in best.explanation_en
    assert "坡口" in best.explanation_zh


def test_english_demands_match_english_summaries() -> None:
    docs = [
        Document(i, r.title_en, r.summary_en, tuple(str(c) for c in ipc.parse_list(r.ipc)),
                 r.industry)
        for i, r in enumerate(dev.RESULTS)
    ]  # fmt: skip
    index = Index(docs, lang="en")
    keys = [r.key for r in dev.RESULTS]
    demand = next(d for d in dev.DEMANDS if d.answer == "d16a" and d.text_en)
    best = index.search(demand.text_en, k=1)[0]
    assert keys[best.id] == "d16a"
    assert best.needs and best.explanation_en.startswith("You mention")


def test_nothing_matches_words_without_a_subject() -> None:
    assert Index([WELD, TRACK, STAMP]).search("的 和 与", k=5) == []


def test_the_words_kept_at_build_are_the_results_own() -> None:
    """Explaining reads each result's words kept when the index was built: they are the words
    of segmenting the result anew, so the shared terms shown are the true ones."""
    docs = [
        Document(i, r.title, r.abstract, tuple(str(c) for c in ipc.parse_list(r.ipc)), r.industry)
        for i, r in enumerate(dev.RESULTS)
    ]
    index = Index(docs)
    for demand in dev.DEMANDS[:10]:
        for match in index.search(demand.text, k=5):
            doc = docs[match.id]
            own = set(tokens(doc.title)) | set(tokens(doc.text))
            assert set(match.terms) == {t for t in tokens(demand.text) if t in own}
