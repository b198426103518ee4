"""Finance: funds, loans, instalments, repayments, claims, recoveries, the loan event log, the
fund of funds (sub-funds and their flows), and the view `finance_loan_facts` (sourced facts).

File names give the apply order (applied sixth, as databases
already migrated hold that id).

Revision ID: 0006
Revises: 0007
Create Date: 2026-11-27 23:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The sourced facts of domain.panel.SOURCED_FIELDS, per enterprise and year:
# - loan_premium_timely_paid_fen: premium actually paid on loans settled in that year with every
#   instalment paid by its due date (the bank and insurer have reported the loan, the premium and
#   the repayments: the loan is in the platform's records only through them);
# - loan_overdue_count: loans whose first late instalment fell due in that year.
LOAN_FACTS_VIEW = """
CREATE VIEW finance_loan_facts AS
SELECT uscc, year,
       SUM(premium_fen) AS loan_premium_timely_paid_fen,
       SUM(overdue) AS loan_overdue_count
FROM (
    SELECT uscc, settled_year AS year, premium_fen, 0 AS overdue
    FROM finance_loans
    WHERE state = 'repaid' AND NOT ever_overdue AND charge_kind = 'premium'
    UNION ALL
    SELECT uscc, overdue_year AS year, 0 AS premium_fen, 1 AS overdue
    FROM finance_loans
    WHERE overdue_year IS NOT NULL
) AS facts
GROUP BY uscc, year
"""


def upgrade() -> None:
    # Only create_table and create_index, constraints inline: works on SQLite without batch mode.
    op.create_table(
        "finance_funds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("size_fen", sa.BigInteger(), nullable=False),
        sa.Column("leverage", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size_fen >= 0", name=op.f("ck_finance_funds_size")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_funds")),
        sa.UniqueConstraint("code", name=op.f("uq_finance_funds_code")),
    )
    op.create_table(
        "finance_loans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("product_version", sa.String(length=32), nullable=False),
        sa.Column("fund_code", sa.String(length=64), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("enterprise_name", sa.Text(), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=True),
        sa.Column("bank_org", sa.String(length=64), nullable=False),
        sa.Column("partner_org", sa.String(length=64), nullable=False),
        sa.Column("bank_ref", sa.String(length=64), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("annual_rate", sa.String(length=32), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("admission_year", sa.Integer(), nullable=False),
        sa.Column("admission_outcome", sa.String(length=16), nullable=False),
        sa.Column("admission", sa.JSON(), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("disbursed_on", sa.Date(), nullable=True),
        sa.Column("shares", sa.JSON(), nullable=True),
        sa.Column("premium_fen", sa.BigInteger(), nullable=False),
        sa.Column("charge_kind", sa.String(length=16), nullable=True),
        sa.Column("premium_paid_on", sa.Date(), nullable=True),
        sa.Column("outstanding_fen", sa.BigInteger(), nullable=False),
        sa.Column("ever_overdue", sa.Boolean(), nullable=False),
        sa.Column("overdue_year", sa.Integer(), nullable=True),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.Column("settled_year", sa.Integer(), nullable=True),
        sa.Column("defaulted_on", sa.Date(), nullable=True),
        sa.Column("defaulted_fen", sa.BigInteger(), nullable=True),
        sa.Column("claim_deadline", sa.Date(), nullable=True),
        sa.Column("claim_deadline_provisional", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.CheckConstraint("principal_fen > 0", name=op.f("ck_finance_loans_principal")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_loans")),
        sa.UniqueConstraint(
            "bank_org", "bank_ref", name=op.f("uq_finance_loans_bank_org_bank_ref")
        ),
    )
    op.create_index("ix_finance_loans_bank_state", "finance_loans", ["bank_org", "state"])
    op.create_index(op.f("ix_finance_loans_fund_code"), "finance_loans", ["fund_code"])
    op.create_index(op.f("ix_finance_loans_partner_org"), "finance_loans", ["partner_org"])
    op.create_index("ix_finance_loans_product_state", "finance_loans", ["product_id", "state"])
    op.create_index(op.f("ix_finance_loans_uscc"), "finance_loans", ["uscc"])

    op.create_table(
        "fof_sub_funds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("manager", sa.Text(), nullable=False),
        sa.Column("industry", sa.String(length=64), nullable=False),
        sa.Column("target_size_fen", sa.BigInteger(), nullable=False),
        sa.Column("requested_fen", sa.BigInteger(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("score", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fof_sub_funds")),
    )
    op.create_table(
        "finance_claims",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("claimed_on", sa.Date(), nullable=False),
        sa.Column("loss_fen", sa.BigInteger(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["finance_loans.id"], name=op.f("fk_finance_claims_loan_id_finance_loans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_claims")),
        sa.UniqueConstraint("loan_id", name=op.f("uq_finance_claims_loan_id")),
    )
    op.create_table(
        "finance_instalments",
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["finance_loans.id"],
            name=op.f("fk_finance_instalments_loan_id_finance_loans"),
        ),
        sa.PrimaryKeyConstraint("loan_id", "seq", name=op.f("pk_finance_instalments")),
    )
    op.create_table(
        "finance_loan_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=False),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["finance_loans.id"],
            name=op.f("fk_finance_loan_events_loan_id_finance_loans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_loan_events")),
    )
    op.create_index(op.f("ix_finance_loan_events_loan_id"), "finance_loan_events", ["loan_id"])

    op.create_table(
        "finance_recoveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("bank_ref", sa.String(length=64), nullable=False),
        sa.Column("recovered_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["finance_loans.id"],
            name=op.f("fk_finance_recoveries_loan_id_finance_loans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_recoveries")),
        sa.UniqueConstraint(
            "loan_id", "bank_ref", name=op.f("uq_finance_recoveries_loan_id_bank_ref")
        ),
    )
    op.create_index(op.f("ix_finance_recoveries_loan_id"), "finance_recoveries", ["loan_id"])

    op.create_table(
        "finance_repayments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("bank_ref", sa.String(length=64), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["finance_loans.id"],
            name=op.f("fk_finance_repayments_loan_id_finance_loans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_repayments")),
        sa.UniqueConstraint(
            "loan_id", "bank_ref", name=op.f("uq_finance_repayments_loan_id_bank_ref")
        ),
    )
    op.create_index(op.f("ix_finance_repayments_loan_id"), "finance_repayments", ["loan_id"])

    op.create_table(
        "fof_flows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("sub_fund_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.CheckConstraint("amount_fen >= 0", name=op.f("ck_fof_flows_amount")),
        sa.ForeignKeyConstraint(
            ["sub_fund_id"],
            ["fof_sub_funds.id"],
            name=op.f("fk_fof_flows_sub_fund_id_fof_sub_funds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fof_flows")),
        sa.UniqueConstraint("key", name=op.f("uq_fof_flows_key")),
    )
    op.create_index(op.f("ix_fof_flows_sub_fund_id"), "fof_flows", ["sub_fund_id"])

    op.execute(LOAN_FACTS_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS finance_loan_facts")
    op.drop_index(op.f("ix_fof_flows_sub_fund_id"), table_name="fof_flows")

    op.drop_table("fof_flows")
    op.drop_index(op.f("ix_finance_repayments_loan_id"), table_name="finance_repayments")

    op.drop_table("finance_repayments")
    op.drop_index(op.f("ix_finance_recoveries_loan_id"), table_name="finance_recoveries")

    op.drop_table("finance_recoveries")
    op.drop_index(op.f("ix_finance_loan_events_loan_id"), table_name="finance_loan_events")

    op.drop_table("finance_loan_events")
    op.drop_table("finance_instalments")
    op.drop_table("finance_claims")
    op.drop_table("fof_sub_funds")
    op.drop_index(op.f("ix_finance_loans_uscc"), table_name="finance_loans")
    op.drop_index("ix_finance_loans_product_state", table_name="finance_loans")
    op.drop_index(op.f("ix_finance_loans_partner_org"), table_name="finance_loans")
    op.drop_index(op.f("ix_finance_loans_fund_code"), table_name="finance_loans")
    op.drop_index("ix_finance_loans_bank_state", table_name="finance_loans")

    op.drop_table("finance_loans")
    op.drop_table("finance_funds")
