"""Cultivation and biomedicine: certificates with validity periods, incubators and tenants;
innovative drugs and devices and their hospital admissions (with the working days taken).

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-27 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cultivation_certificates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cultivation_certificates")),
        sa.UniqueConstraint(
            "label",
            "certificate_no",
            name=op.f("uq_cultivation_certificates_label_certificate_no"),
        ),
    )
    op.create_index(op.f("ix_cultivation_certificates_uscc"), "cultivation_certificates", ["uscc"])
    op.create_table(
        "cultivation_incubators",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("park", sa.Text(), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_cultivation_incubators")),
    )
    op.create_table(
        "cultivation_tenants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incubator_code", sa.String(length=32), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("graduated_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incubator_code"],
            ["cultivation_incubators.code"],
            name=op.f("fk_cultivation_tenants_incubator_code_cultivation_incubators"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cultivation_tenants")),
        sa.UniqueConstraint(
            "incubator_code",
            "uscc",
            "entered_on",
            name=op.f("uq_cultivation_tenants_incubator_code_uscc_entered_on"),
        ),
    )
    op.create_index(op.f("ix_cultivation_tenants_uscc"), "cultivation_tenants", ["uscc"])
    op.create_table(
        "stats_products",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("approval_number", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("holder_name", sa.Text(), nullable=False),
        sa.Column("holder_uscc", sa.String(length=18), nullable=True),
        sa.Column("district", sa.String(length=6), nullable=True),
        sa.Column("national_list_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_products")),
        sa.UniqueConstraint("approval_number", name=op.f("uq_stats_products_approval_number")),
    )
    op.create_index(op.f("ix_stats_products_holder_uscc"), "stats_products", ["holder_uscc"])
    op.create_table(
        "stats_admissions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("hospital_code", sa.String(length=32), nullable=False),
        sa.Column("hospital_name", sa.Text(), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=True),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("start_basis", sa.String(length=16), nullable=False),
        sa.Column("workdays", sa.Integer(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["stats_products.id"],
            name=op.f("fk_stats_admissions_product_id_stats_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_admissions")),
        sa.UniqueConstraint(
            "product_id",
            "hospital_code",
            name=op.f("uq_stats_admissions_product_id_hospital_code"),
        ),
    )
    op.create_index(op.f("ix_stats_admissions_product_id"), "stats_admissions", ["product_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_stats_admissions_product_id"), table_name="stats_admissions")
    op.drop_table("stats_admissions")
    op.drop_index(op.f("ix_stats_products_holder_uscc"), table_name="stats_products")
    op.drop_table("stats_products")
    op.drop_index(op.f("ix_cultivation_tenants_uscc"), table_name="cultivation_tenants")
    op.drop_table("cultivation_tenants")
    op.drop_table("cultivation_incubators")
    op.drop_index(op.f("ix_cultivation_certificates_uscc"), table_name="cultivation_certificates")
    op.drop_table("cultivation_certificates")
