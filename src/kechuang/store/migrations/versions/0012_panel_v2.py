"""Panel contract version 2: the annual facts that the documents' alternative routes read
(award ranks, 创客中国 rank, honours, the SRDI development score, 六基, titles held); and the view
`finance_loan_charges`, the windowed sourced fact of the premium subsidy (沪科〔2025〕212号).

Every column is nullable: a version 1 file leaves them unknown. Added with add_column only,
which SQLite supports without batch mode.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (column, type, comment) as enterprises.tables derives them from domain.panel at this revision.
COLUMNS: tuple[tuple[str, sa.types.TypeEngine[object], str], ...] = (
    (
        "award_national_rank",
        sa.BigInteger(),
        "Rank among the units of a national S&T award that year (0 = none)",
    ),
    (
        "award_provincial_rank",
        sa.BigInteger(),
        "Rank among the units of a provincial S&T award that year (0 = none)",
    ),
    (
        "makers_china_rank",
        sa.BigInteger(),
        "National rank in the Maker China contest, enterprise group (0 = not ranked)",
    ),
    (
        "tech_innovation_demo",
        sa.Boolean(),
        "National technology innovation demonstration enterprise",
    ),
    ("ip_demo_enterprise", sa.Boolean(), "National IP advantage or demonstration enterprise"),
    ("development_score", sa.Numeric(9, 6), "SRDI development score (MIIT indicator system)"),
    (
        "six_basics_or_key_link",
        sa.Boolean(),
        "Main product in the six basics or a key link of an industrial chain",
    ),
    ("is_tsme", sa.Boolean(), "Registered tech-based SME"),
    ("is_innovative_sme", sa.Boolean(), "Holds the innovative SME title"),
    ("is_srdi_sme", sa.Boolean(), "Holds the SRDI SME title"),
)


# domain.panel's windowed sourced fact `loan_charge_timely_paid`, one row per loan: the
# premium (履约保证保险) or guarantee fee (担保) the enterprise paid on a risk-shared tech loan
# it repaid with every instalment on time, on the day it was settled; a screening sums the rows
# of its policy's window (for 沪科〔2025〕212号, repayments from 2024-08-01 to 2025-08-31).
LOAN_CHARGES_VIEW = """
CREATE VIEW finance_loan_charges AS
SELECT uscc, settled_on AS day, premium_fen AS loan_charge_timely_paid_fen
FROM finance_loans
WHERE state = 'repaid' AND NOT ever_overdue AND settled_on IS NOT NULL
  AND charge_kind IN ('premium', 'guarantee_fee')
"""


def upgrade() -> None:
    for name, kind, comment in COLUMNS:
        op.add_column("annual_facts", sa.Column(name, kind, nullable=True, comment=comment))
    op.execute(LOAN_CHARGES_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS finance_loan_charges")
    with op.batch_alter_table("annual_facts") as batch:
        for name, _kind, _comment in reversed(COLUMNS):
            batch.drop_column(name)
