"""The life of policy versions in the store: seed, draft, edit, check, review, publish, withdraw.

Every function takes the caller's session and commits nothing itself (steps commit). Rules:
- a draft is edited by naming the revision it started from; a stale revision is a Conflict
  naming who saved in between, so two officers never overwrite each other silently;
- a draft's text may be invalid while it is being written (nothing typed is lost), but only a
  version with no problem (parse error, overlap, failing golden case) can be submitted;
- four eyes: the author of a version neither approves nor publishes it;
- publication closes the period of the version in force the day before the new one starts
  (no overlap) and marks it superseded; published versions are never edited.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kechuang.policies import flows
from kechuang.policies.pack import load_pack
from kechuang.policies.tables import PolicyEvent, PolicyRevision, PolicyVersion
from kechuang.rules.errors import PolicyError
from kechuang.rules.load import load_policy_text
from kechuang.rules.policy import Policy
from kechuang.workflow.errors import Conflict, Forbidden, Invalid, NotFound
from kechuang.workflow.machines import fire

SEEDER = "seed"
# Versions that are being worked on or waiting: a second one of the same policy may not overlap.
PENDING = ("in_review", "approved")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Problem:
    """One reason a version cannot be submitted, where it is (line/col when known)."""

    kind: str  # parse | overlap | golden
    message: str
    line: int = 0
    column: int = 0

    def text(self) -> str:
        where = f"{self.line}:{self.column}: " if self.line else ""
        return f"{where}{self.message}"


# -- reading -----------------------------------------------------------------------------------


def get(session: Session, version_id: int, *, lock: bool = False) -> PolicyVersion:
    query = select(PolicyVersion).where(PolicyVersion.id == version_id)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).one_or_none()
    if row is None:
        raise NotFound(f"no policy version {version_id}", zh=f"没有政策版本 {version_id}")
    return row


def find(session: Session, policy_id: str, version: str) -> PolicyVersion | None:
    return session.scalars(
        select(PolicyVersion).where(
            PolicyVersion.policy_id == policy_id, PolicyVersion.version == version
        )
    ).one_or_none()


def versions_of(session: Session, policy_id: str) -> list[PolicyVersion]:
    return list(
        session.scalars(
            select(PolicyVersion)
            .where(PolicyVersion.policy_id == policy_id)
            .order_by(PolicyVersion.effective_from, PolicyVersion.id)
        )
    )


def all_versions(session: Session, states: tuple[str, ...] | None = None) -> list[PolicyVersion]:
    query = select(PolicyVersion).order_by(
        PolicyVersion.policy_id, PolicyVersion.effective_from, PolicyVersion.id
    )
    if states is not None:
        query = query.where(PolicyVersion.state.in_(states))
    return list(session.scalars(query))


def history(session: Session, row: PolicyVersion) -> list[PolicyEvent]:
    return list(
        session.scalars(
            select(PolicyEvent).where(PolicyEvent.version_id == row.id).order_by(PolicyEvent.id)
        )
    )


def revisions(session: Session, row: PolicyVersion) -> list[PolicyRevision]:
    return list(
        session.scalars(
            select(PolicyRevision)
            .where(PolicyRevision.version_id == row.id)
            .order_by(PolicyRevision.revision)
        )
    )


def parse(row: PolicyVersion) -> Policy:
    """The version's document as a policy (PolicyError with file:line:col when invalid)."""
    return load_policy_text(row.source, f"{row.policy_id}@{row.version}.yaml")


def diff(old: PolicyVersion | None, new: PolicyVersion) -> str:
    """A unified diff of the two documents (the whole text when there is no old one)."""
    before = old.source.splitlines(keepends=True) if old is not None else []
    return "".join(
        difflib.unified_diff(
            before,
            new.source.splitlines(keepends=True),
            fromfile=f"{old.policy_id}@{old.version}" if old is not None else "(none)",
            tofile=f"{new.policy_id}@{new.version}",
        )
    )


def in_force_version(session: Session, policy_id: str, day: dt.date) -> PolicyVersion | None:
    """The published (or superseded) version of `policy_id` in force on `day`."""
    for row in versions_of(session, policy_id):
        if row.state not in ("published", "superseded"):
            continue
        ends = row.effective_to
        if row.effective_from <= day and (ends is None or day <= ends):
            return row
    return None


def baseline_of(session: Session, row: PolicyVersion) -> PolicyVersion | None:
    """What a draft would replace: the version in force when it starts, else the newest
    published one of the same policy."""
    found = in_force_version(session, row.policy_id, row.effective_from)
    if found is not None and found.id != row.id:
        return found
    published = [
        r for r in versions_of(session, row.policy_id) if r.state == "published" and r.id != row.id
    ]
    return published[-1] if published else None


# -- writing -----------------------------------------------------------------------------------


def _record_revision(session: Session, row: PolicyVersion, author: str) -> None:
    session.add(
        PolicyRevision(
            version_id=row.id, revision=row.revision, source=row.source,
            content_hash=row.content_hash, author=author, at=now(),
        )
    )  # fmt: skip


def _event(session: Session, row: PolicyVersion, event: str, actor: str, note: str = "") -> None:
    session.add(
        PolicyEvent(
            version_id=row.id, event=event, from_state=None, to_state=row.state, actor=actor,
            note=note, at=now(),
        )
    )  # fmt: skip


def _apply_document(session: Session, row: PolicyVersion, policy: Policy) -> None:
    """Copy a valid document's metadata onto the row (its id and version must be free)."""
    other = find(session, policy.id, policy.version)
    if other is not None and other.id != row.id:
        raise Conflict(
            f"policy {policy.id} already has a version {policy.version} ({other.state}): "
            "give this draft another version",
            zh=f"政策 {policy.id} 已有版本 {policy.version}（{flows.FLOW.name(other.state)}），"
            "请为本草稿另设版本号",
        )
    row.policy_id = policy.id
    row.version = policy.version
    row.title_zh = policy.title.zh
    row.title_en = policy.title.en
    row.mode = policy.mode.value
    row.effective_from = policy.effective_from
    row.effective_to = policy.effective_to


def _new_version(
    policy: Policy,
    text: str,
    state: str,
    author: str,
    *,
    reviewer: str | None = None,
    based_on: int | None = None,
) -> PolicyVersion:
    stamp = now()
    return PolicyVersion(
        policy_id=policy.id, version=policy.version, state=state, source=text,
        content_hash=digest(text), title_zh=policy.title.zh, title_en=policy.title.en,
        mode=policy.mode.value, effective_from=policy.effective_from,
        effective_to=policy.effective_to, author=author, reviewer=reviewer, revision=1,
        based_on=based_on, created_at=stamp, updated_at=stamp,
    )  # fmt: skip


def create_draft(
    session: Session, author: str, source: str, based_on: int | None = None
) -> PolicyVersion:
    """A new draft from a YAML document (a template, a copy, or an imported file). The first
    text must be a valid document: its id and version name the draft."""
    try:
        policy = load_policy_text(source, "draft.yaml")
    except PolicyError as exc:
        raise Invalid(str(exc), field="source", zh=f"政策文本有误：{exc}") from None
    row = _new_version(policy, source, "draft", author, based_on=based_on)
    _apply_document(session, row, policy)
    session.add(row)
    session.flush()
    _record_revision(session, row, author)
    _event(session, row, "create", author, f"based on version {based_on}" if based_on else "")
    return row


def copy_version(
    session: Session, author: str, source_row: PolicyVersion, new_version: str
) -> PolicyVersion:
    """A draft copying any version, renumbered `new_version` (the document's version line)."""
    text = renumber(source_row.source, new_version)
    return create_draft(session, author, text, based_on=source_row.id)


def renumber(source: str, new_version: str) -> str:
    """The document with its top-level `version:` line set to `new_version`."""
    lines = source.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("version:"):
            ending = "\n" if line.endswith("\n") else ""
            lines[index] = f'version: "{new_version}"{ending}'
            return "".join(lines)
    raise Invalid("the document has no top-level `version:` line", field="source")


def edit(
    session: Session, author: str, row: PolicyVersion, source: str, revision: int
) -> PolicyVersion:
    """Save a new text of a draft, started from `revision`. An invalid text is saved too (the
    check lists its problems); a valid one also updates the draft's id, version and period."""
    check_revision(session, row, revision)
    if source == row.source:
        return row
    try:
        policy = load_policy_text(source, f"{row.policy_id}@{row.version}.yaml")
    except PolicyError:
        policy = None
    if policy is not None:
        _apply_document(session, row, policy)
    row.source = source
    row.content_hash = digest(source)
    row.revision += 1
    row.updated_at = now()
    _record_revision(session, row, author)
    try:
        # Two saves from the same revision race for the same revision number: the unique
        # (version, revision) lets exactly one of them in, the other is told who was first.
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _changed(session, row.id) from None
    return row


def check_revision(session: Session, row: PolicyVersion, revision: int) -> None:
    """Refuse an edit started from another revision than the draft's (naming who saved)."""
    if revision != row.revision:
        raise _changed(session, row.id)


def _changed(session: Session, version_id: int) -> Conflict:
    last = session.scalars(
        select(PolicyRevision)
        .where(PolicyRevision.version_id == version_id)
        .order_by(PolicyRevision.revision.desc())
        .limit(1)
    ).one()
    return Conflict(
        f"the draft changed since you opened it: revision {last.revision} was saved by "
        f"{last.author} at {last.at:%H:%M:%S}; reload it and apply your change again",
        zh=f"草稿已被修改：{last.author} 于 {last.at:%H:%M:%S} 保存了第 {last.revision} 版，"
        "请重新打开后再修改",
    )


def problems(
    session: Session, row: PolicyVersion, results: list[Any] | None = None
) -> list[Problem]:
    """Why this version could not be submitted now (empty: it can). `results` are the golden
    cases' results when the caller has run them already (golden.run)."""
    try:
        parse(row)
    except PolicyError as exc:
        return [Problem("parse", exc.message, exc.line, exc.column)]
    found: list[Problem] = []
    for other in versions_of(session, row.policy_id):
        if other.id == row.id or other.state not in PENDING:
            continue
        if _overlap(row, other):
            found.append(
                Problem(
                    "overlap",
                    f"the effective period overlaps version {other.version} ({other.state}) of "
                    f"{row.policy_id}: {other.effective_from}..{other.effective_to or ''}",
                )
            )
    for other in versions_of(session, row.policy_id):
        replaced = other.id != row.id and other.state in ("published", "superseded")
        if replaced and other.effective_from >= row.effective_from and _overlap(row, other):
            found.append(
                Problem(
                    "overlap",
                    f"the effective period starts on or before the start of published "
                    f"version {other.version} ({other.effective_from}): a new version "
                    "starts after the one it replaces",
                )
            )
    from kechuang.policies import golden

    ran = golden.run(session, row) if results is None else results
    for result in ran:
        if not result.passed:
            found.append(Problem("golden", result.describe()))
    return found


def _overlap(a: PolicyVersion, b: PolicyVersion) -> bool:
    a_end = a.effective_to or dt.date.max
    b_end = b.effective_to or dt.date.max
    return a.effective_from <= b_end and b.effective_from <= a_end


def submit(session: Session, actor: str, row: PolicyVersion) -> PolicyVersion:
    found = problems(session, row)
    if found:
        listed = "; ".join(p.text() for p in found)
        raise Invalid(
            f"version {row.version} of {row.policy_id} cannot be submitted: {listed}",
            field="source",
            zh=f"政策 {row.policy_id} 版本 {row.version} 不能提交审核：{listed}",
        )
    from kechuang.policies import review

    sent_back = review.last_send_back(session, row)
    if sent_back is not None:
        # The resubmission answers the reason it was sent back, in the same thread.
        review.add(session, row, actor, f"revision {row.revision}", kind="resubmit",
                   reply_to=sent_back.id)  # fmt: skip
    fire(session, row, flows.FLOW, "submit", actor)
    return row


def _second_officer(row: PolicyVersion, actor: str, what: str, what_zh: str) -> None:
    if actor.lower() == row.author.lower():
        raise Forbidden(
            f"four eyes: {actor} wrote version {row.version} and may not {what} it; "
            "a second officer does",
            zh=f"四眼原则：{actor} 是本版本的起草人，不能{what_zh}，须由另一名工作人员办理",
        )


def approve(session: Session, actor: str, row: PolicyVersion, comment: str) -> PolicyVersion:
    _second_officer(row, actor, "approve", "审核通过")
    found = problems(session, row)
    if found:
        raise Invalid("; ".join(p.text() for p in found), field="source")
    row.reviewer = actor
    row.review_comment = comment or None
    if comment.strip():
        from kechuang.policies import review

        review.add(session, row, actor, comment, kind="approve")
    fire(session, row, flows.FLOW, "approve", actor, comment)
    return row


def send_back(
    session: Session,
    actor: str,
    row: PolicyVersion,
    comment: str,
    *,
    section: str | None = None,
    line: int | None = None,
) -> PolicyVersion:
    _second_officer(row, actor, "send back", "退回")
    from kechuang.policies import review

    # Sending back requires a comment: it opens (or continues) the thread the author answers.
    review.add(session, row, actor, comment, kind="send_back", section=section, line=line)
    row.reviewer = actor
    row.review_comment = comment
    fire(session, row, flows.FLOW, "send_back", actor, comment)
    return row


def approved_on(session: Session, row: PolicyVersion) -> dt.date | None:
    """The day the version was (last) approved, from its history."""
    days = [e.at.date() for e in history(session, row) if e.event == "approve"]
    return days[-1] if days else None


def publish(
    session: Session, actor: str, row: PolicyVersion, effective_from: dt.date | None = None
) -> PolicyVersion:
    """Publish an approved version from `effective_from` (default: the document's date): the
    version in force when it starts is superseded, its period closed the day before (a version
    that would start later is withdrawn from view by an empty period), so no two published
    versions of a policy overlap. A chosen date may not be before the approval, after the end
    of the document's period, or on or before the start of the version in force it replaces."""
    _second_officer(row, actor, "publish", "发布")
    if effective_from is not None and effective_from != row.effective_from:
        _check_start(session, row, effective_from)
        note = f"effective from {effective_from} (the document says {row.effective_from})"
        row.effective_from = effective_from
    else:
        note = ""
    day_before = row.effective_from - dt.timedelta(days=1)
    for other in versions_of(session, row.policy_id):
        if other.id == row.id or other.state != "published" or not _overlap(row, other):
            continue
        other.effective_to = day_before
        fire(session, other, flows.FLOW, "supersede", actor,
             f"superseded by version {row.version} from {row.effective_from}")  # fmt: skip
    row.published_at = now()
    fire(session, row, flows.FLOW, "publish", actor, note)
    from kechuang.policies import source

    source.forget()
    return row


def _check_start(session: Session, row: PolicyVersion, start: dt.date) -> None:
    approved = approved_on(session, row)
    if approved is not None and start < approved:
        raise Invalid(
            f"the effective date {start} is before the approval on {approved}",
            field="effective_from",
            zh=f"生效日期 {start} 早于审核通过日期 {approved}",
        )
    if row.effective_to is not None and start > row.effective_to:
        raise Invalid(
            f"the effective date {start} is after the end of the document's period "
            f"({row.effective_to})",
            field="effective_from",
            zh=f"生效日期 {start} 晚于文件规定的截止日期 {row.effective_to}",
        )
    for other in versions_of(session, row.policy_id):
        if other.id == row.id or other.state != "published":
            continue
        ends = row.effective_to or dt.date.max
        if start <= other.effective_from <= ends:
            raise Invalid(
                f"the effective date {start} overlaps version {other.version} in force from "
                f"{other.effective_from}: a new version starts after the one it replaces",
                field="effective_from",
                zh=f"生效日期 {start} 与 {other.effective_from} 起施行的现行版本 "
                f"{other.version} 重叠，新版本须晚于被取代的版本开始",
            )


def withdraw(session: Session, actor: str, row: PolicyVersion, reason: str) -> PolicyVersion:
    if not reason.strip():
        raise Invalid("say why the version is withdrawn", field="reason", zh="请说明撤回理由")
    fire(session, row, flows.FLOW, "withdraw", actor, reason)
    return row


# -- the shipped pack --------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    added: list[str]
    kept: list[str]


def seed(session: Session) -> Seeded:
    """Load the shipped pack as published versions, each with its boundary cases as golden cases
    (policies/golden_cases); a version already stored is kept as it is, given only the cases it
    lacks (idempotent: a second run adds nothing)."""
    from kechuang.policies import boundary

    added: list[str] = []
    kept: list[str] = []
    for policy in load_pack().policies:
        name = f"{policy.id}@{policy.version}"
        stored = find(session, policy.id, policy.version)
        if stored is not None:
            if stored.author == SEEDER:
                boundary.attach(session, stored, SEEDER)  # a store seeded before the cases
            kept.append(name)
            continue
        with open(policy.source_file, encoding="utf-8") as handle:
            text = handle.read()
        row = _new_version(policy, text, "published", SEEDER, reviewer=SEEDER)
        row.published_at = row.created_at
        session.add(row)
        session.flush()
        _record_revision(session, row, SEEDER)
        _event(session, row, "seed", SEEDER, "the shipped pack")
        boundary.attach(session, row, SEEDER)
        added.append(name)
    return Seeded(added, kept)


# -- a what-if saved as a draft ----------------------------------------------------------------


def with_dated_value(source: str, name: str, start: dt.date, value: str, reference: str) -> str:
    """The document with one more dated value of parameter `name` from `start` (replacing a
    value dated the same day): a what-if becomes an amendment, not a copied policy. Works on
    the flow-style value lists the pack uses (`- {from: ..., value: ...}`); Invalid otherwise."""
    lines = source.splitlines(keepends=True)
    try:
        top = next(i for i, line in enumerate(lines) if line.rstrip() == "parameters:")
        head = next(i for i in range(top + 1, len(lines)) if lines[i].rstrip() == f"  {name}:")
        values = next(i for i in range(head + 1, len(lines)) if lines[i].strip() == "values:")
    except StopIteration:
        raise Invalid(f"the document has no parameter {name!r} with a `values:` list",
                      field="values") from None  # fmt: skip
    items = []
    for i in range(values + 1, len(lines)):
        if not lines[i].startswith("      - "):
            break
        items.append(i)
    if not items or any(not lines[i].lstrip().startswith("- {") for i in items):
        raise Invalid(f"parameter {name!r}: its values are not one-line entries; edit the YAML",
                      field="values")  # fmt: skip
    entry = f'      - {{from: {start.isoformat()}, value: {value}, reference: "{reference}"}}\n'
    same_day = [i for i in items if f"from: {start.isoformat()}," in lines[i]]
    if same_day:
        lines[same_day[0]] = entry
    else:
        lines.insert(items[-1] + 1, entry)
    return "".join(lines)


def draft_from_whatif(
    session: Session,
    author: str,
    base: PolicyVersion,
    new_version: str,
    year: int,
    values: dict[str, str],
) -> PolicyVersion:
    """A draft copying `base` with each what-if value as a dated value from 1 January of
    `year` (cited as the what-if), so the officer edits, tests and submits it like any draft."""
    from kechuang.rules.overrides import OverrideError, parse_overrides

    policy = parse(base)
    try:
        parse_overrides([f"{policy.id}.{k}={v}" for k, v in values.items()], [policy])
    except OverrideError as exc:
        raise Invalid(str(exc).replace("--set ", ""), field="values") from None
    text = renumber(base.source, new_version)
    for name, value in sorted(values.items()):
        text = with_dated_value(text, name, dt.date(year, 1, 1), value.strip(),
                                f"政策模拟（what-if）{author}")  # fmt: skip
    return create_draft(session, author, text, based_on=base.id)
