"""Score sheets and their aggregation, exact to the fraction.

An expert scores each item of the round's sheet within its band (0..its maximum; a judgement
0 or 1) with a comment, then submits the sheet, which seals it. Nobody sees another expert's
points before the panel closes: an expert reads only its own sheet; the aggregate exists only
once every seat has submitted, and officers read it then.

Aggregation follows the round: the mean, the trimmed mean (the highest and the lowest mark
dropped when three or more experts scored) or the median, as Fractions. An expert whose total
lies more than the round's `outlier_points` from the panel's median total is an outlier; an
item whose marks spread over more than half its maximum is a disagreement. Judgements are met
when more than half the panel says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.applications.flows import ASSIGNMENT
from kechuang.applications.rounds import Item, items
from kechuang.applications.rounds import get as get_round
from kechuang.applications.tables import Application, Assignment, Round, Score
from kechuang.workflow.errors import Conflict, Invalid
from kechuang.workflow.machines import fire

MIN_COMMENT = 4


def median(values: Sequence[int]) -> Fraction:
    ordered = sorted(values)
    n = len(ordered)
    middle = n // 2
    if n % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


def mean(values: Sequence[int]) -> Fraction:
    return Fraction(sum(values), len(values))


def trimmed_mean(values: Sequence[int]) -> Fraction:
    if len(values) < 3:
        return mean(values)
    return mean(sorted(values)[1:-1])


AGGREGATE = {"mean": mean, "trimmed_mean": trimmed_mean, "median": median}


@dataclass(frozen=True)
class ItemResult:
    item: Item
    marks: list[int]
    value: Fraction  # the aggregate (a judgement: 1 met, 0 not)
    disagreement: bool


@dataclass(frozen=True)
class Aggregate:
    method: str
    items: list[ItemResult]
    totals: dict[int, int]  # assignment id -> that expert's total of scored (non-judgement) items
    outliers: list[int]  # assignment ids
    expert_points: Fraction  # the sum of the aggregated scored items

    def judgement(self, item_id: str) -> bool | None:
        for result in self.items:
            if result.item.id == item_id and result.item.judgement:
                return result.value == 1
        return None


def score(
    session: Session, assignment: Assignment, who: str, item_id: str, points: int, comment: str
) -> Score:
    application = session.get(Application, assignment.application_id)
    assert application is not None
    sheet = {i.id: i for i in items(get_round(session, application.round_id))}
    item = sheet.get(item_id)
    if item is None:
        raise Invalid(
            f"item {item_id!r}: one of {', '.join(sheet)}",
            "item",
            zh=f"评分项 {item_id} 不在评分表中",
        )
    if not 0 <= points <= item.max:
        raise Invalid(
            f"{item_id}: 0 to {item.max} points, not {points}",
            "points",
            zh=f"{item.zh}：分值应在 0 至 {item.max} 之间",
        )
    if len(comment.strip()) < MIN_COMMENT:
        raise Invalid(
            f"every score needs a comment (at least {MIN_COMMENT} characters)",
            "comment",
            zh=f"每项评分须附评语（至少{MIN_COMMENT}个字）",
        )
    row = session.scalar(
        select(Score).where(Score.assignment_id == assignment.id, Score.item == item_id)
    )
    if row is None:
        row = Score(assignment_id=assignment.id, item=item_id, points=points, comment=comment)
        session.add(row)
    else:
        row.points, row.comment = points, comment
    fire(session, assignment, ASSIGNMENT, "score", who)
    session.flush()
    return row


def own_scores(session: Session, assignment: Assignment) -> dict[str, Score]:
    rows = session.scalars(select(Score).where(Score.assignment_id == assignment.id))
    return {r.item: r for r in rows}


def seal(session: Session, assignment: Assignment, who: str) -> None:
    application = session.get(Application, assignment.application_id)
    assert application is not None
    sheet = items(get_round(session, application.round_id))
    have = own_scores(session, assignment)
    missing = [i.id for i in sheet if i.id not in have]
    if missing:
        raise Conflict(
            f"items not scored yet: {', '.join(missing)}",
            zh=f"尚未评分的项目：{'、'.join(missing)}",
        )
    fire(session, assignment, ASSIGNMENT, "seal", who)


def aggregate(session: Session, application: Application, round_: Round) -> Aggregate:
    """The panel's aggregate; Conflict unless every seat of the panel has submitted."""
    seats = list(
        session.scalars(
            select(Assignment)
            .where(
                Assignment.application_id == application.id,
                Assignment.state.in_(("invited", "accepted", "submitted")),
            )
            .order_by(Assignment.id)
        )
    )
    done = [a for a in seats if a.state == "submitted"]
    if len(done) < round_.panel_size or len(done) != len(seats):
        raise Conflict(
            f"{len(done)} of {round_.panel_size} experts have submitted their scores",
            zh=f"{round_.panel_size} 位专家中已有 {len(done)} 位提交评分",
        )
    return combine(
        items(round_),
        round_.aggregation,
        round_.outlier_points,
        {a.id: own_scores(session, a) for a in done},
    )


def combine(
    sheet: list[Item], method: str, outlier_points: int, sheets: dict[int, dict[str, Score]]
) -> Aggregate:
    function = AGGREGATE[method]
    results: list[ItemResult] = []
    for item in sheet:
        marks = [sheets[a][item.id].points for a in sorted(sheets)]
        if item.judgement:
            value = Fraction(1 if 2 * sum(marks) > len(marks) else 0)
        else:
            value = function(marks)
        spread = max(marks) - min(marks)
        results.append(ItemResult(item, marks, value, 2 * spread > item.max))
    totals = {a: sum(s[i.id].points for i in sheet if not i.judgement) for a, s in sheets.items()}
    middle = median(list(totals.values()))
    outliers = sorted(a for a, t in totals.items() if abs(t - middle) > outlier_points)
    expert_points = sum((r.value for r in results if not r.item.judgement), Fraction(0))
    return Aggregate(method, results, totals, outliers, expert_points)
