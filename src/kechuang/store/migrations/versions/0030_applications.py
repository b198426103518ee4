"""Applications and expert review for 申报 policies: rounds, applications and their versions,
attachments, the expert pool, panel assignments and scores, milestones, certificates, history.

Revision ID: 0030
Revises: 0020
Create Date: 2026-12-06 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_events")),
    )
    op.create_index(
        "ix_app_events_subject", "app_events", ["subject_type", "subject_id"], unique=False
    )
    op.create_table(
        "app_experts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("relations", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_experts")),
        sa.UniqueConstraint("username", name=op.f("uq_app_experts_username")),
    )
    op.create_table(
        "app_rounds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("aggregation", sa.String(length=16), nullable=False),
        sa.Column("panel_size", sa.Integer(), nullable=False),
        sa.Column("outlier_points", sa.Integer(), nullable=False),
        sa.Column("grant_cap_fen", sa.BigInteger(), nullable=True),
        sa.Column("matching_bp", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_rounds")),
    )
    op.create_table(
        "app_applications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("partners", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("attested", sa.JSON(), nullable=False),
        sa.Column("corrections", sa.JSON(), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=True),
        sa.Column("requested_fen", sa.BigInteger(), nullable=True),
        sa.Column("matching_fen", sa.BigInteger(), nullable=True),
        sa.Column("receipt_no", sa.String(length=40), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resubmit_by", sa.Date(), nullable=True),
        sa.Column("final_score", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("notice_ends", sa.Date(), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("objection", sa.Text(), nullable=True),
        sa.Column("grant_fen", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["app_rounds.id"], name=op.f("fk_app_applications_round_id_app_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_applications")),
        sa.UniqueConstraint("receipt_no", name="uq_app_applications_receipt_no"),
        sa.UniqueConstraint("round_id", "uscc", name="uq_app_applications_round_uscc"),
    )
    op.create_index("ix_app_applications_state", "app_applications", ["state"], unique=False)
    op.create_index(op.f("ix_app_applications_uscc"), "app_applications", ["uscc"], unique=False)
    op.create_table(
        "app_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["app_applications.id"],
            name=op.f("fk_app_assignments_application_id_app_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["app_experts.id"], name=op.f("fk_app_assignments_expert_id_app_experts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_assignments")),
        sa.UniqueConstraint(
            "application_id", "expert_id", name=op.f("uq_app_assignments_application_id_expert_id")
        ),
    )
    op.create_index(
        op.f("ix_app_assignments_application_id"),
        "app_assignments",
        ["application_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_app_assignments_expert_id"), "app_assignments", ["expert_id"], unique=False
    )
    op.create_table(
        "app_attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("requirement", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("scan", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["app_applications.id"],
            name=op.f("fk_app_attachments_application_id_app_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_attachments")),
    )
    op.create_index(
        op.f("ix_app_attachments_application_id"),
        "app_attachments",
        ["application_id"],
        unique=False,
    )
    op.create_table(
        "app_certificates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["app_applications.id"],
            name=op.f("fk_app_certificates_application_id_app_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_certificates")),
        sa.UniqueConstraint("application_id", name=op.f("uq_app_certificates_application_id")),
        sa.UniqueConstraint("number", name=op.f("uq_app_certificates_number")),
    )
    op.create_index(op.f("ix_app_certificates_uscc"), "app_certificates", ["uscc"], unique=False)
    op.create_table(
        "app_milestones",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["app_applications.id"],
            name=op.f("fk_app_milestones_application_id_app_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_milestones")),
        sa.UniqueConstraint(
            "application_id", "seq", name=op.f("uq_app_milestones_application_id_seq")
        ),
    )
    op.create_index(
        op.f("ix_app_milestones_application_id"), "app_milestones", ["application_id"], unique=False
    )
    op.create_table(
        "app_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("receipt_no", sa.String(length=40), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("returned_reasons", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["app_applications.id"],
            name=op.f("fk_app_versions_application_id_app_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_versions")),
        sa.UniqueConstraint(
            "application_id", "version", name=op.f("uq_app_versions_application_id_version")
        ),
    )
    op.create_table(
        "app_scores",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["app_assignments.id"],
            name=op.f("fk_app_scores_assignment_id_app_assignments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_scores")),
        sa.UniqueConstraint("assignment_id", "item", name=op.f("uq_app_scores_assignment_id_item")),
    )
    op.create_index(
        op.f("ix_app_scores_assignment_id"), "app_scores", ["assignment_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_app_scores_assignment_id"), table_name="app_scores")
    op.drop_table("app_scores")
    op.drop_table("app_versions")
    op.drop_index(op.f("ix_app_milestones_application_id"), table_name="app_milestones")
    op.drop_table("app_milestones")
    op.drop_index(op.f("ix_app_certificates_uscc"), table_name="app_certificates")
    op.drop_table("app_certificates")
    op.drop_index(op.f("ix_app_attachments_application_id"), table_name="app_attachments")
    op.drop_table("app_attachments")
    op.drop_index(op.f("ix_app_assignments_expert_id"), table_name="app_assignments")
    op.drop_index(op.f("ix_app_assignments_application_id"), table_name="app_assignments")
    op.drop_table("app_assignments")
    op.drop_index(op.f("ix_app_applications_uscc"), table_name="app_applications")
    op.drop_index("ix_app_applications_state", table_name="app_applications")
    op.drop_table("app_applications")
    op.drop_table("app_rounds")
    op.drop_table("app_experts")
    op.drop_index("ix_app_events_subject", table_name="app_events")
    op.drop_table("app_events")
