"""The problem-to-solution thesaurus: well formed, and not derived from the held-out answers."""

from __future__ import annotations

import logging

import jieba
import pytest

from kechuang.transfer.synthetic import FIELDS
from kechuang.transfer.thesaurus import ThesaurusError, load, parse
from tests.transfer.matching_eval import dev, dev2, heldout


def _dictionary() -> set[str]:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return {w.lower() for w, f in tokenizer.FREQ.items() if f > 0}


def _independent_text() -> str:
    """Text written apart from the held-out set: the tuning sets and the synthetic word pools."""
    parts = [d.text for m in (dev, dev2) for d in m.DEMANDS]
    parts += [f"{r.title} {r.abstract}" for m in (dev, dev2) for r in m.RESULTS]
    for pool in FIELDS.values():
        parts += [*pool.objects, *pool.techniques, *pool.uses]
    return " ".join(parts).lower()


def test_demand_phrases_are_ordinary_words_or_come_from_the_tuning_set() -> None:
    """A `says` phrase lifted from a held-out demand would score that demand by construction."""
    words, independent = _dictionary(), _independent_text()
    lifted = [(c.id, p) for c in load().concepts for p in c.says
              if p not in words and p not in independent]  # fmt: skip
    assert lifted == [], f"phrases found neither in jieba's dictionary nor in dev: {lifted}"


def test_no_result_term_singles_out_one_held_out_answer() -> None:
    """A `means` term that occurs in exactly one held-out result, and in no dictionary or text
    written apart, would be that answer's fingerprint: the thesaurus would be derived from it."""
    words, independent = _dictionary(), _independent_text()
    held_out = [f"{r.title} {r.abstract}".lower() for r in heldout.RESULTS]
    fingerprints = [
        (c.id, t) for c in load().concepts for t in c.means
        if t not in words and t not in independent and sum(t in x for x in held_out) == 1
    ]  # fmt: skip
    assert fingerprints == [], f"terms of a single held-out result: {fingerprints}"


def test_every_concept_names_its_need_in_both_languages() -> None:
    concepts = load().concepts
    assert len(concepts) >= 80
    for c in concepts:
        assert c.need_zh and c.need_en and c.says and c.means and c.says_en and c.means_en, c.id


def test_a_demand_states_the_need_its_symptom_names() -> None:
    stated = {s.concept.id: s.phrase for s in load().stated("车间里烟大呛人，工人体检肺上有问题")}
    assert stated.get("weld_fume") == "肺上有问题"  # the longest phrase that states it
    english = {s.concept.id for s in load().stated("Welders choke on the fume", "en")}
    assert "weld_fume" in english


def test_a_malformed_concept_is_refused_with_its_id() -> None:
    with pytest.raises(ThesaurusError, match="concept x: says and means"):
        parse([{"id": "x", "need": "需", "need_en": "need", "says": ["a"], "means": []}])
    with pytest.raises(ThesaurusError, match="concept y: the id is used twice"):
        entry = {"id": "y", "need": "需", "need_en": "n", "says": ["a"], "means": ["b"]}
        parse([entry, entry])
    with pytest.raises(ThesaurusError, match="need and need_en"):
        parse([{"id": "z", "says": ["a"], "means": ["b"]}])


@pytest.mark.parametrize(
    ("demand", "concept"),
    [
        ("减速机一转起来就尖叫，客户嫌吵", "noise"),
        ("风机叶片上结冰，只能停机", "icing"),
        ("桃花刚开就遇上倒春寒", "frost_damage"),
        ("孩子吃了鸡蛋就起疹子", "allergy"),
        ("中风后的老人喝口水就呛", "swallowing"),
        ("手术后老人夜里胡言乱语", "delirium"),
        ("搞活动的优惠券被人用机器抢光了", "bots_and_fraud"),
        ("月底系统卡得打不开", "slow_system"),
        ("仓库里的纸箱受潮发霉", "damp_mould"),
        ("高血压病人自己停药", "adherence"),
        ("河道里一到夏天就发绿，蓝藻一片", "algae_bloom"),
        ("市场上出现了我们的假货", "counterfeits"),
    ],
)
def test_everyday_symptoms_state_their_needs(demand: str, concept: str) -> None:
    """The everyday-symptom concepts: what people say states the need (examples written for
    this test, in nobody's evaluation set)."""
    assert concept in {s.concept.id for s in load().stated(demand)}


def test_english_symptoms_state_their_needs_too() -> None:
    stated = {
        s.concept.id
        for s in load().stated("Our gearboxes whine and customers say they are too noisy", "en")
    }
    assert "noise" in stated
