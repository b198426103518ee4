"""Review threads of policy versions: comments on a version (optionally on a section and a line
of its document), answers to them, and the notes the life cycle writes into the thread (the
reason a version is sent back, the approval's comment, a resubmission).

Every function takes the caller's session and commits nothing itself (steps commit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.policies.tables import PolicyComment, PolicyVersion
from kechuang.workflow.errors import Invalid

KINDS = {
    "comment": ("意见", "comment"),
    "send_back": ("退回意见", "sent back"),
    "approve": ("审核意见", "approval"),
    "resubmit": ("重新提交", "resubmitted"),
}
# A version still under discussion: once published (or superseded/withdrawn) its thread is closed.
OPEN = ("draft", "in_review", "approved")


@dataclass
class Thread:
    """One comment with its answers (answers to answers are flattened into the same thread)."""

    comment: PolicyComment
    replies: list[PolicyComment] = field(default_factory=list)


def comments_of(session: Session, row: PolicyVersion) -> list[PolicyComment]:
    return list(
        session.scalars(
            select(PolicyComment)
            .where(PolicyComment.version_id == row.id)
            .order_by(PolicyComment.id)
        )
    )


def threads(comments: list[PolicyComment]) -> list[Thread]:
    """The comments as threads: each top comment followed by every answer below it."""
    by_id = {c.id: c for c in comments}
    roots: dict[int, Thread] = {}

    def root_of(c: PolicyComment) -> int:
        while c.reply_to is not None and c.reply_to in by_id:
            c = by_id[c.reply_to]
        return c.id

    for c in comments:
        top = root_of(c)
        if top == c.id:
            roots[c.id] = Thread(c)
        else:
            roots[top].replies.append(c)
    return list(roots.values())


def add(
    session: Session,
    row: PolicyVersion,
    author: str,
    body: str,
    *,
    kind: str = "comment",
    reply_to: int | None = None,
    section: str | None = None,
    line: int | None = None,
) -> PolicyComment:
    """A comment on the version (or an answer to one of its comments)."""
    if not body.strip():
        raise Invalid("a comment needs its text", field="body", zh="请填写意见内容")
    if kind == "comment" and row.state not in OPEN:
        raise Invalid(
            f"version {row.version} is {row.state}: its review is closed",
            field="body",
            zh=f"版本 {row.version} 已结束审核，不能再添加意见",
        )
    if reply_to is not None:
        parent = session.get(PolicyComment, reply_to)
        if parent is None or parent.version_id != row.id:
            raise Invalid(
                f"comment {reply_to} is not a comment of version {row.id}",
                field="reply_to",
                zh=f"意见 {reply_to} 不属于本版本",
            )
    if line is not None and line > len(row.source.splitlines()):
        raise Invalid(
            f"line {line} is past the end of the document ({len(row.source.splitlines())} lines)",
            field="line",
            zh=f"第 {line} 行超出文本范围",
        )
    comment = PolicyComment(
        version_id=row.id, reply_to=reply_to, kind=kind, section=section or None, line=line,
        revision=row.revision, author=author, body=body.strip(), at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    session.add(comment)
    session.flush()
    return comment


def last_send_back(session: Session, row: PolicyVersion) -> PolicyComment | None:
    found = [c for c in comments_of(session, row) if c.kind == "send_back"]
    return found[-1] if found else None
