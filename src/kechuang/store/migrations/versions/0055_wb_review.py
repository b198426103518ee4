"""Review threads of the policy workbench: comments on a version (optionally a section and
line), answers to them, the reasons of send-backs and the notes of resubmissions.

Revision ID: 0055_wb_review
Revises: 0040
Create Date: 2026-12-06 07:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0055_wb_review"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("reply_to", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("section", sa.String(length=120), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('comment', 'send_back', 'approve', 'resubmit')",
            name=op.f("ck_policy_comments_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["policy_versions.id"],
            name=op.f("fk_policy_comments_version_id_policy_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["reply_to"],
            ["policy_comments.id"],
            name=op.f("fk_policy_comments_reply_to_policy_comments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_comments")),
    )
    op.create_index(op.f("ix_policy_comments_version_id"), "policy_comments", ["version_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_policy_comments_version_id"), table_name="policy_comments")
    op.drop_table("policy_comments")
