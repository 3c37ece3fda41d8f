"""audit chain head in one round trip on PostgreSQL (lock, then fresh reads)

A write transaction must hold the chain's advisory lock *before* it reads the chain head and the
study lock, and must read them with a snapshot taken after the lock was granted (READ COMMITTED:
one snapshot per statement), else two writers could chain onto the same row. Done as two
statements that costs two round trips; done inside one VOLATILE PL/pgSQL function, whose every
statement takes a fresh snapshot, it costs one. SQLite needs nothing: ``BEGIN IMMEDIATE`` holds the
file's write lock before the first read.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None

#: hepar.store._audit.CHAIN_LOCK_KEY when this migration was written (a migration is frozen).
_CHAIN_LOCK_KEY = 0x48455041520001


def upgrade() -> None:
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
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION hepar_audit_chain_head()")
