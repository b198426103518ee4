"""Transfer: the results register, 赋权 cases, deals, income and payouts, demands, challenges.

The day's exchange rate is exact decimal text (String), read back as Decimal by the model.

File names give the apply order (applied fifth; its revision id stays "0007", as databases
already migrated hold that id).

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-27 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transfer_challenges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("title_zh", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("problem_zh", sa.Text(), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("awarded_answer_id", sa.Integer(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_challenges")),
    )
    with op.batch_alter_table("transfer_challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_challenges_uscc"), ["uscc"], unique=False)

    op.create_table(
        "transfer_demands",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("title_zh", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("ipc_codes", sa.Text(), nullable=False),
        sa.Column("industry_code", sa.String(length=8), nullable=True),
        sa.Column("budget_fen", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_demands")),
    )
    with op.batch_alter_table("transfer_demands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_demands_uscc"), ["uscc"], unique=False)

    op.create_table(
        "transfer_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_events")),
    )
    with op.batch_alter_table("transfer_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transfer_events_subject", ["subject_type", "subject_id"], unique=False
        )

    op.create_table(
        "transfer_pilot_units",
        sa.Column("institution", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("since_year", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("institution", name=op.f("pk_transfer_pilot_units")),
    )
    op.create_table(
        "transfer_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("institution", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title_zh", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("abstract_zh", sa.Text(), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("application_number", sa.String(length=20), nullable=True),
        sa.Column("ipc_codes", sa.Text(), nullable=False),
        sa.Column("industry_code", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("disclosed_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_results")),
        sa.UniqueConstraint(
            "institution",
            "application_number",
            name=op.f("uq_transfer_results_institution_application_number"),
        ),
    )
    with op.batch_alter_table("transfer_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transfer_results_institution_status", ["institution", "status"], unique=False
        )

    op.create_table(
        "transfer_rules",
        sa.Column("institution", sa.String(length=64), nullable=False),
        sa.Column("licence_bp", sa.Integer(), nullable=False),
        sa.Column("transfer_bp", sa.Integer(), nullable=False),
        sa.Column("equity_bp", sa.Integer(), nullable=False),
        sa.Column("operating_profit_bp", sa.Integer(), nullable=False),
        sa.Column("main_contributors_bp", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("institution", name=op.f("pk_transfer_rules")),
    )
    op.create_table(
        "transfer_challenge_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("team_name", sa.String(length=200), nullable=False),
        sa.Column("institution", sa.String(length=64), nullable=True),
        sa.Column("submitted_by", sa.String(length=128), nullable=False),
        sa.Column("proposal_zh", sa.Text(), nullable=False),
        sa.Column("asked_fen", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["transfer_challenges.id"],
            name=op.f("fk_transfer_challenge_answers_challenge_id_transfer_challenges"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_challenge_answers")),
        sa.UniqueConstraint(
            "challenge_id",
            "team_name",
            name=op.f("uq_transfer_challenge_answers_challenge_id_team_name"),
        ),
    )
    with op.batch_alter_table("transfer_challenge_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfer_challenge_answers_challenge_id"), ["challenge_id"], unique=False
        )

    op.create_table(
        "transfer_deals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("institution", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("counterparty_name", sa.Text(), nullable=False),
        sa.Column("counterparty_uscc", sa.String(length=18), nullable=True),
        sa.Column("counterparty_country", sa.String(length=2), nullable=False),
        sa.Column("exclusive", sa.Boolean(), nullable=True),
        sa.Column("territory", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("fx_rate", sa.String(length=40), nullable=False),
        sa.Column("fx_date", sa.Date(), nullable=False),
        sa.Column("contract_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("contract_amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("upfront_minor", sa.BigInteger(), nullable=False),
        sa.Column("milestones", sa.JSON(), nullable=False),
        sa.Column("royalty_bp", sa.Integer(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("export_control", sa.String(length=16), nullable=False),
        sa.Column("export_licence_number", sa.String(length=64), nullable=True),
        sa.Column("company_uscc", sa.String(length=18), nullable=True),
        sa.Column("company_name", sa.Text(), nullable=True),
        sa.Column("company_founded_on", sa.Date(), nullable=True),
        sa.Column("shares", sa.BigInteger(), nullable=True),
        sa.Column("reward_years", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["transfer_results.id"],
            name=op.f("fk_transfer_deals_result_id_transfer_results"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_deals")),
    )
    with op.batch_alter_table("transfer_deals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfer_deals_counterparty_uscc"), ["counterparty_uscc"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_transfer_deals_institution"), ["institution"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_transfer_deals_result_id"), ["result_id"], unique=False
        )

    op.create_table(
        "transfer_empowerments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("institution", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_note", sa.Text(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=True),
        sa.Column("agreement_kind", sa.String(length=16), nullable=True),
        sa.Column("inventor_ownership_bp", sa.Integer(), nullable=True),
        sa.Column("term_years", sa.Integer(), nullable=True),
        sa.Column("licence_bp", sa.Integer(), nullable=True),
        sa.Column("transfer_bp", sa.Integer(), nullable=True),
        sa.Column("equity_bp", sa.Integer(), nullable=True),
        sa.Column("decision_rights", sa.Text(), nullable=True),
        sa.Column("costs", sa.Text(), nullable=True),
        sa.Column("agreed_on", sa.Date(), nullable=True),
        sa.Column("registration_number", sa.String(length=64), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["transfer_results.id"],
            name=op.f("fk_transfer_empowerments_result_id_transfer_results"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_empowerments")),
    )
    with op.batch_alter_table("transfer_empowerments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfer_empowerments_institution"), ["institution"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_transfer_empowerments_result_id"), ["result_id"], unique=False
        )

    op.create_table(
        "transfer_inventors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("share_bp", sa.Integer(), nullable=False),
        sa.Column("main", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "share_bp > 0 AND share_bp <= 10000", name=op.f("ck_transfer_inventors_share")
        ),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["transfer_results.id"],
            name=op.f("fk_transfer_inventors_result_id_transfer_results"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_inventors")),
        sa.UniqueConstraint("result_id", "name", name=op.f("uq_transfer_inventors_result_id_name")),
    )
    with op.batch_alter_table("transfer_inventors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfer_inventors_result_id"), ["result_id"], unique=False
        )

    op.create_table(
        "transfer_financings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("institution", sa.String(length=64), nullable=False),
        sa.Column("round_name", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["transfer_deals.id"],
            name=op.f("fk_transfer_financings_deal_id_transfer_deals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_financings")),
    )
    with op.batch_alter_table("transfer_financings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfer_financings_deal_id"), ["deal_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_transfer_financings_institution"), ["institution"], unique=False
        )

    op.create_table(
        "transfer_incomes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("receipt", sa.String(length=64), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("fx_rate", sa.String(length=40), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("costs_fen", sa.BigInteger(), nullable=False),
        sa.Column("net_fen", sa.BigInteger(), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=True),
        sa.Column("year_index", sa.Integer(), nullable=True),
        sa.Column("share_bp", sa.Integer(), nullable=False),
        sa.Column("inventors_fen", sa.BigInteger(), nullable=False),
        sa.Column("inventors_shares", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["transfer_deals.id"],
            name=op.f("fk_transfer_incomes_deal_id_transfer_deals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_incomes")),
        sa.UniqueConstraint("deal_id", "receipt", name=op.f("uq_transfer_incomes_deal_id_receipt")),
    )
    with op.batch_alter_table("transfer_incomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_incomes_deal_id"), ["deal_id"], unique=False)

    op.create_table(
        "transfer_payouts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("income_id", sa.Integer(), nullable=False),
        sa.Column("inventor_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["income_id"],
            ["transfer_incomes.id"],
            name=op.f("fk_transfer_payouts_income_id_transfer_incomes"),
        ),
        sa.ForeignKeyConstraint(
            ["inventor_id"],
            ["transfer_inventors.id"],
            name=op.f("fk_transfer_payouts_inventor_id_transfer_inventors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_payouts")),
        sa.UniqueConstraint(
            "income_id", "inventor_id", name=op.f("uq_transfer_payouts_income_id_inventor_id")
        ),
    )
    with op.batch_alter_table("transfer_payouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfer_payouts_income_id"), ["income_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("transfer_payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_payouts_income_id"))

    op.drop_table("transfer_payouts")
    with op.batch_alter_table("transfer_incomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_incomes_deal_id"))

    op.drop_table("transfer_incomes")
    with op.batch_alter_table("transfer_financings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_financings_institution"))
        batch_op.drop_index(batch_op.f("ix_transfer_financings_deal_id"))

    op.drop_table("transfer_financings")
    with op.batch_alter_table("transfer_inventors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_inventors_result_id"))

    op.drop_table("transfer_inventors")
    with op.batch_alter_table("transfer_empowerments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_empowerments_result_id"))
        batch_op.drop_index(batch_op.f("ix_transfer_empowerments_institution"))

    op.drop_table("transfer_empowerments")
    with op.batch_alter_table("transfer_deals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_deals_result_id"))
        batch_op.drop_index(batch_op.f("ix_transfer_deals_institution"))
        batch_op.drop_index(batch_op.f("ix_transfer_deals_counterparty_uscc"))

    op.drop_table("transfer_deals")
    with op.batch_alter_table("transfer_challenge_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_challenge_answers_challenge_id"))

    op.drop_table("transfer_challenge_answers")
    op.drop_table("transfer_rules")
    with op.batch_alter_table("transfer_results", schema=None) as batch_op:
        batch_op.drop_index("ix_transfer_results_institution_status")

    op.drop_table("transfer_results")
    op.drop_table("transfer_pilot_units")
    with op.batch_alter_table("transfer_events", schema=None) as batch_op:
        batch_op.drop_index("ix_transfer_events_subject")

    op.drop_table("transfer_events")
    with op.batch_alter_table("transfer_demands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_demands_uscc"))

    op.drop_table("transfer_demands")
    with op.batch_alter_table("transfer_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_challenges_uscc"))

    op.drop_table("transfer_challenges")
