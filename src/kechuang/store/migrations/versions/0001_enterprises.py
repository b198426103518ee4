"""Enterprises, their annual facts and import batches (the first tables).

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27 22:21:08.295743
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("enterprise_count", sa.Integer(), nullable=False),
        sa.Column("years", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    op.create_index(op.f("ix_import_batches_sha256"), "import_batches", ["sha256"], unique=False)

    op.create_table(
        "enterprises",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.Text(), nullable=False, comment="Enterprise name"),
        sa.Column("district", sa.String(length=16), nullable=True, comment="District"),
        sa.Column("park", sa.Text(), nullable=True, comment="Park"),
        sa.Column(
            "industry_code",
            sa.String(length=16),
            nullable=True,
            comment="Industry code (GB/T 4754-2017)",
        ),
        sa.Column("founded_on", sa.Date(), nullable=True, comment="Date of registration"),
        sa.Column(
            "mainland_resident",
            sa.Boolean(),
            nullable=True,
            comment="Resident enterprise registered in the mainland",
        ),
        sa.Column("attributes_year", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name=op.f("fk_enterprises_batch_id_import_batches")
        ),
        sa.PrimaryKeyConstraint("uscc", name=op.f("pk_enterprises")),
    )
    op.create_table(
        "annual_facts",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("employees", sa.BigInteger(), nullable=True, comment="Employees"),
        sa.Column("st_staff", sa.BigInteger(), nullable=True, comment="S&T staff"),
        sa.Column("rd_staff", sa.BigInteger(), nullable=True, comment="R&D staff"),
        sa.Column("revenue_fen", sa.BigInteger(), nullable=True, comment="Revenue"),
        sa.Column(
            "main_business_revenue_fen",
            sa.BigInteger(),
            nullable=True,
            comment="Main business revenue",
        ),
        sa.Column(
            "cost_expense_total_fen",
            sa.BigInteger(),
            nullable=True,
            comment="Total costs and expenses",
        ),
        sa.Column("total_assets_fen", sa.BigInteger(), nullable=True, comment="Total assets"),
        sa.Column(
            "total_liabilities_fen", sa.BigInteger(), nullable=True, comment="Total liabilities"
        ),
        sa.Column("net_assets_fen", sa.BigInteger(), nullable=True, comment="Net assets"),
        sa.Column("rd_expense_fen", sa.BigInteger(), nullable=True, comment="R&D expense"),
        sa.Column(
            "rd_expense_domestic_fen",
            sa.BigInteger(),
            nullable=True,
            comment="Domestic R&D expense",
        ),
        sa.Column(
            "hightech_revenue_fen",
            sa.BigInteger(),
            nullable=True,
            comment="High-tech products and services revenue",
        ),
        sa.Column("ip_class1", sa.BigInteger(), nullable=True, comment="Class I IP"),
        sa.Column("ip_class2", sa.BigInteger(), nullable=True, comment="Class II IP"),
        sa.Column(
            "transformations", sa.BigInteger(), nullable=True, comment="S&T result transformations"
        ),
        sa.Column(
            "equity_financing_fen", sa.BigInteger(), nullable=True, comment="New equity financing"
        ),
        sa.Column("niche_years", sa.BigInteger(), nullable=True, comment="Years in niche market"),
        sa.Column(
            "market_share",
            sa.Numeric(precision=9, scale=6),
            nullable=True,
            comment="Niche market share",
        ),
        sa.Column("is_hnte", sa.Boolean(), nullable=True, comment="Holds a valid HNTE certificate"),
        sa.Column(
            "national_award_5y",
            sa.Boolean(),
            nullable=True,
            comment="National S&T award within 5 years",
        ),
        sa.Column(
            "provincial_rd_institution",
            sa.Boolean(),
            nullable=True,
            comment="Provincial or higher R&D institution",
        ),
        sa.Column(
            "led_standard_5y", sa.Boolean(), nullable=True, comment="Led a standard within 5 years"
        ),
        sa.Column(
            "major_accident",
            sa.Boolean(),
            nullable=True,
            comment="Major accident or serious environmental violation",
        ),
        sa.Column("misconduct", sa.Boolean(), nullable=True, comment="Serious research misconduct"),
        sa.Column(
            "abnormal_list", sa.Boolean(), nullable=True, comment="On the abnormal-operations list"
        ),
        sa.Column(
            "dishonest_list", sa.Boolean(), nullable=True, comment="On the serious-dishonesty list"
        ),
        sa.Column("listed_board", sa.Text(), nullable=True, comment="Listing board"),
        sa.Column(
            "valuation_fen", sa.BigInteger(), nullable=True, comment="Latest post-money valuation"
        ),
        sa.Column("output_value_fen", sa.BigInteger(), nullable=True, comment="Industrial output"),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_annual_facts_batch_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["uscc"],
            ["enterprises.uscc"],
            name=op.f("fk_annual_facts_uscc_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("uscc", "year", name=op.f("pk_annual_facts")),
    )


def downgrade() -> None:
    op.drop_table("annual_facts")
    op.drop_table("enterprises")
    op.drop_index(op.f("ix_import_batches_sha256"), table_name="import_batches")

    op.drop_table("import_batches")
