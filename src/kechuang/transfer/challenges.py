"""揭榜挂帅 challenges: an enterprise posts a problem and a budget, teams answer (揭榜), the
enterprise evaluates every answer (阅卷) and awards one, or closes the challenge without award.

Only the posting enterprise sees the answers and evaluates; a team (a tech-transfer office for
its institution, or an enterprise) sees open challenges and its own answers only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kechuang.transfer import flows
from kechuang.transfer.access import Actor
from kechuang.transfer.errors import NotFound, TransferError
from kechuang.transfer.tables import Challenge, ChallengeAnswer

SCORE_MAX = 100


def post(
    session: Session, who: Actor, title_zh: str, title_en: str, problem_zh: str,
    budget_fen: int, deadline: dt.date,
) -> Challenge:  # fmt: skip
    if not who.is_enterprise:
        raise TransferError(
            "a challenge is posted by an enterprise account", zh="榜单须由企业账户发布"
        )
    if not (title_zh.strip() and title_en.strip() and problem_zh.strip()):
        raise TransferError(
            "a challenge has a title in Chinese and English and a problem",
            zh="榜单须有中英文标题和问题描述",
        )
    if isinstance(budget_fen, bool) or not isinstance(budget_fen, int) or budget_fen <= 0:
        raise TransferError("budget_fen: a positive whole number of fen", zh="预算须为正数")
    challenge = Challenge(
        uscc=who.uscc, title_zh=title_zh.strip(), title_en=title_en.strip(),
        problem_zh=problem_zh.strip(), budget_fen=budget_fen, deadline=deadline, state="open",
        posted_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    session.add(challenge)
    session.flush()
    flows.log(session, "challenge", challenge.id, "post", None, "open", who.username)
    return challenge


def get(session: Session, who: Actor, challenge_id: int) -> Challenge:
    """Open challenges are public; the others only for their enterprise (and readers)."""
    challenge = session.get(Challenge, challenge_id)
    if challenge is None:
        raise NotFound(f"no challenge {challenge_id} here", zh=f"没有榜单 {challenge_id}")
    if challenge.state != "open":
        who.see_enterprise(challenge.uscc, f"challenge {challenge_id}")
    return challenge


def list_challenges(session: Session, who: Actor) -> list[Challenge]:
    where = or_(Challenge.state == "open", who.enterprise_filter(Challenge.uscc))
    return list(session.scalars(select(Challenge).where(where).order_by(Challenge.id)))


def answer(
    session: Session, who: Actor, challenge_id: int, team_name: str, proposal_zh: str,
    asked_fen: int, today: dt.date | None = None,
) -> ChallengeAnswer:  # fmt: skip
    challenge = get(session, who, challenge_id)
    if challenge.state != "open" or (today or dt.date.today()) > challenge.deadline:
        raise TransferError(
            f"challenge {challenge_id} no longer takes answers",
            zh=f"榜单 {challenge_id} 已不再接受揭榜",
        )
    if who.is_enterprise and who.uscc == challenge.uscc:
        raise TransferError(
            "an enterprise does not answer its own challenge", zh="企业不能揭自己发布的榜"
        )
    if not (who.is_office or who.is_enterprise):
        raise TransferError(
            "a team answers through its institution's office or its enterprise",
            zh="团队须通过所在单位的技术转移机构或所在企业揭榜",
        )
    if not team_name.strip() or not proposal_zh.strip() or len(team_name) > 200:
        raise TransferError(
            "an answer names its team (1 to 200 characters) and its proposal",
            zh="揭榜须写明团队名称（1 至 200 字）和方案",
        )
    if isinstance(asked_fen, bool) or not isinstance(asked_fen, int) or asked_fen < 0:
        raise TransferError("asked_fen: whole fen, not negative", zh="申请金额不能为负数")
    if asked_fen > challenge.budget_fen:
        raise TransferError(
            "the answer asks for more than the challenge's budget", zh="申请金额超过榜单预算"
        )
    taken = session.scalar(
        select(ChallengeAnswer.id).where(
            ChallengeAnswer.challenge_id == challenge_id, ChallengeAnswer.team_name == team_name
        )
    )
    if taken is not None:
        raise TransferError(f"team {team_name} has already answered", zh=f"团队 {team_name} 已揭榜")
    row = ChallengeAnswer(
        challenge_id=challenge_id, team_name=team_name.strip(), institution=who.org,
        submitted_by=who.username, proposal_zh=proposal_zh.strip(), asked_fen=asked_fen,
        submitted_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def answers(session: Session, who: Actor, challenge_id: int) -> list[ChallengeAnswer]:
    """All answers for the posting enterprise; a team sees only its own."""
    challenge = get(session, who, challenge_id)
    query = select(ChallengeAnswer).where(ChallengeAnswer.challenge_id == challenge.id)
    if not (who.reads_all or (who.is_enterprise and who.uscc == challenge.uscc)):
        query = query.where(ChallengeAnswer.submitted_by == who.username)
    return list(session.scalars(query.order_by(ChallengeAnswer.id)))


def own(session: Session, who: Actor, challenge_id: int) -> Challenge:
    challenge = get(session, who, challenge_id)
    if not (who.is_enterprise and who.uscc == challenge.uscc):
        raise NotFound(f"no challenge {challenge_id} here", zh=f"没有榜单 {challenge_id}")
    return challenge


def start_evaluation(session: Session, who: Actor, challenge_id: int) -> Challenge:
    challenge = own(session, who, challenge_id)
    count = session.scalar(
        select(func.count())
        .select_from(ChallengeAnswer)
        .where(ChallengeAnswer.challenge_id == challenge_id)
    )
    if not count:
        raise TransferError(
            "no answer to evaluate: close the challenge instead",
            zh="没有可评审的揭榜方案，请关闭榜单",
        )
    flows.fire(session, challenge, "evaluate", who.username)
    return challenge


def evaluate(
    session: Session, who: Actor, challenge_id: int, answer_id: int, score: int, comment: str
) -> ChallengeAnswer:
    """阅卷: the enterprise scores one answer 0..100 with a comment."""
    challenge = own(session, who, challenge_id)
    if challenge.state != "evaluating":
        raise TransferError(f"challenge {challenge_id} is {challenge.state}, not evaluating")
    row = session.get(ChallengeAnswer, answer_id)
    if row is None or row.challenge_id != challenge_id:
        raise NotFound(
            f"no answer {answer_id} to challenge {challenge_id}",
            zh=f"榜单 {challenge_id} 没有揭榜方案 {answer_id}",
        )
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= SCORE_MAX:
        raise TransferError(f"score: 0 to {SCORE_MAX}", zh=f"评分须在 0 至 {SCORE_MAX} 之间")
    row.score = score
    row.comment = comment.strip()
    return row


def award(session: Session, who: Actor, challenge_id: int, answer_id: int) -> Challenge:
    """Award the challenge to one answer; every answer must have been evaluated."""
    challenge = own(session, who, challenge_id)
    rows = answers(session, who, challenge_id)
    if any(r.score is None for r in rows):
        raise TransferError("evaluate every answer before awarding", zh="须先评审全部揭榜方案")
    if answer_id not in {r.id for r in rows}:
        raise NotFound(
            f"no answer {answer_id} to challenge {challenge_id}",
            zh=f"榜单 {challenge_id} 没有揭榜方案 {answer_id}",
        )
    flows.check_allowed(challenge, "award")
    challenge.awarded_answer_id = answer_id
    flows.fire(session, challenge, "award", who.username, f"answer {answer_id}")
    return challenge


def close(session: Session, who: Actor, challenge_id: int, reason: str) -> Challenge:
    challenge = own(session, who, challenge_id)
    flows.fire(session, challenge, "close", who.username, reason)
    return challenge
