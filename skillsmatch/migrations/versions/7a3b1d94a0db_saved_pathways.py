"""saved pathways

Revision ID: 7a3b1d94a0db
Revises: 8ee03fbc61ee
Create Date: 2026-11-23 02:37:48.670253

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7a3b1d94a0db"
down_revision = "8ee03fbc61ee"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_pathway",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("occupation_id", sa.Integer(), nullable=False),
        sa.Column("second_course_id", sa.Integer(), nullable=True),
        sa.Column("pathway_key", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_saved_pathway_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learner.id"],
            name=op.f("fk_saved_pathway_learner_id_learner"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["occupation_id"],
            ["occupation.id"],
            name=op.f("fk_saved_pathway_occupation_id_occupation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["second_course_id"],
            ["course.id"],
            name=op.f("fk_saved_pathway_second_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_pathway")),
        sa.UniqueConstraint("learner_id", "pathway_key", name=op.f("uq_saved_pathway_learner_id")),
        sa.UniqueConstraint("public_id", name=op.f("uq_saved_pathway_public_id")),
    )
    with op.batch_alter_table("saved_pathway", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_pathway_course_id"), ["course_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_saved_pathway_occupation_id"), ["occupation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_saved_pathway_second_course_id"), ["second_course_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("saved_pathway", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_pathway_second_course_id"))
        batch_op.drop_index(batch_op.f("ix_saved_pathway_occupation_id"))
        batch_op.drop_index(batch_op.f("ix_saved_pathway_course_id"))

    op.drop_table("saved_pathway")
