"""audit chain head in one round trip on PostgreSQL; secret key of the key tables' digests

1. The chain head in one round trip on PostgreSQL (lock, then fresh reads).

A write transaction must hold the chain's advisory lock *before* it reads the chain head and the
study lock, and must read them with a snapshot taken after the lock was granted (READ COMMITTED:
one snapshot per statement), else two writers could chain onto the same row. Done as two
statements that costs two round trips; done inside one VOLATILE PL/pgSQL function, whose every
statement takes a fresh snapshot, it costs one. SQLite needs nothing: ``BEGIN IMMEDIATE`` holds the
file's write lock before the first read.

2. ``audit_secret``: one random key per database, under which the audit trail keeps the values
of the key tables as HMAC-SHA256 digests (a plain SHA-256 of a birth date, a date shift or a
hospital number is reversed by trying every candidate, and the audit trail is exported). Rows
written before keep their plain ``sha256:`` digests and still verify. A downgrade drops the key:
digests written under it can no longer be checked against the tables.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: hepar.store._audit.CHAIN_LOCK_KEY when this migration was written (a migration is frozen).
_CHAIN_LOCK_KEY = 0x48455041520001


def upgrade() -> None:
    secret = op.create_table(
        "audit_secret",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key_hex", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(secret, [{"id": 1, "key_hex": secrets.token_hex(32)}])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE FUNCTION hepar_audit_chain_head(
            OUT study_locked boolean, OUT chain_seq integer, OUT chain_hash varchar)
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock({_CHAIN_LOCK_KEY});
            SELECT s.locked INTO study_locked FROM study AS s ORDER BY s.id LIMIT 1;
            SELECT a.seq, a.hash INTO chain_seq, chain_hash
                FROM audit_log AS a ORDER BY a.seq DESC LIMIT 1;
        END $$
    """)


def downgrade() -> None:
    op.drop_table("audit_secret")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION hepar_audit_chain_head()")
