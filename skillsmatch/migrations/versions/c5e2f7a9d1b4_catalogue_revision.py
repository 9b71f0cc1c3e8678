"""catalogue revision

Revision ID: c5e2f7a9d1b4
Revises: 7a3b1d94a0db
Create Date: 2026-11-23 04:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5e2f7a9d1b4"
down_revision = "7a3b1d94a0db"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "catalogue_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_revision")),
    )
    op.bulk_insert(table, [{"id": 1, "number": 0}])


def downgrade():
    op.drop_table("catalogue_revision")
