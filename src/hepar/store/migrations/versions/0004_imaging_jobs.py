"""web application imaging jobs: state, stage and one-line error of each background job

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 18:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hepar.store._codec

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imaging_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", hepar.store._codec.UTCDateTime(), nullable=False),
        sa.Column("updated_at", hepar.store._codec.UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("n_stages", sa.Integer(), nullable=False),
        sa.Column("stage_name", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("folder", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id"),
    )
    op.create_index(op.f("ix_imaging_jobs_patient_id"), "imaging_jobs", ["patient_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_imaging_jobs_patient_id"), table_name="imaging_jobs")
    op.drop_table("imaging_jobs")
