"""web application sign-in: password hash and session epoch per user

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 14:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hepar.store._codec

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_credentials",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("changed_at", hepar.store._codec.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("web_credentials")
