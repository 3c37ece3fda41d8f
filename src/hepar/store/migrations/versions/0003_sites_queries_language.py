"""users of several sites, the patient's language, data queries, patients' own sign-in (ePRO)

* ``user_sites``: every site a user of a site works for. Each user's single ``users.site_id``
  becomes their first membership (``site_id`` stays as the home site); the rows are written with
  their audit rows, chained after the existing trail, so that the database still verifies.
* ``patients.language``: the language the patient's QoL booklet is given in.
* ``data_queries``: a monitor's query on a saved record, open / answered / closed (audited).
* ``patient_accounts``: the user (role ``patient``) who answers a patient's own booklets.

Downgrade drops the three tables and the column; the audit rows written stay (the trail is
append-only), and ``users.site_id`` still holds each user's home site.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 18:50:00
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import hepar.store._codec

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_MIGRATION_ACTOR = "migration 0003"


def _audited_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "user_sites",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        *_audited_columns(),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "site_id"),
    )
    with op.batch_alter_table("user_sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sites_user_id"), ["user_id"], unique=False)
    op.add_column("patients", sa.Column("language", sa.String(length=10), nullable=True))
    op.create_table(
        "data_queries",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("raised_by", sa.String(length=80), nullable=False),
        sa.Column("raised_at", hepar.store._codec.UTCDateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=80), nullable=True),
        sa.Column("answered_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=80), nullable=True),
        sa.Column("closed_at", hepar.store._codec.UTCDateTime(), nullable=True),
        *_audited_columns(),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("data_queries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_queries_patient_id"), ["patient_id"],
                              unique=False)
    op.create_table(
        "patient_accounts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        *_audited_columns(),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id"),
    )
    with op.batch_alter_table("patient_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patient_accounts_patient_id"), ["patient_id"],
                              unique=False)
    _memberships_from_home_sites()


def _memberships_from_home_sites() -> None:
    """One ``user_sites`` row per user with a site, and its audit rows after the chain head."""
    from hepar.store._audit import GENESIS_HASH, chain_hash

    bind = op.get_bind()
    users = bind.execute(sa.text(
        "SELECT id, site_id FROM users WHERE site_id IS NOT NULL ORDER BY id")).all()
    if not users:
        return
    memberships = sa.table("user_sites", sa.column("id", sa.Integer()),
                           sa.column("user_id", sa.Integer()), sa.column("site_id", sa.Integer()),
                           sa.column("version", sa.Integer()))
    audit = sa.table(
        "audit_log", *(sa.column(name, type_) for name, type_ in (
            ("seq", sa.Integer()), ("at", hepar.store._codec.UTCDateTime()),
            ("actor", sa.String()), ("role", sa.String()), ("table_name", sa.String()),
            ("record_id", sa.Integer()), ("record_version", sa.Integer()),
            ("field", sa.String()), ("action", sa.String()), ("old_value", sa.Text()),
            ("new_value", sa.Text()), ("reason", sa.Text()), ("prev_hash", sa.String()),
            ("hash", sa.String()))))
    head = bind.execute(sa.text(
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")).first()
    seq, prev = (head[0], head[1]) if head is not None else (0, GENESIS_HASH)
    at = datetime.now(UTC)
    rows = []
    for number, (user_id, site_id) in enumerate(users, start=1):
        bind.execute(sa.insert(memberships).values(id=number, user_id=user_id, site_id=site_id,
                                                   version=1))
        for field, value in (("user_id", user_id), ("site_id", site_id)):
            seq += 1
            row = {"seq": seq, "at": at, "actor": _MIGRATION_ACTOR, "role": "admin",
                   "table_name": "user_sites", "record_id": number, "record_version": 1,
                   "field": field, "action": "insert", "old_value": None,
                   "new_value": str(value), "reason": None}
            row["prev_hash"] = prev
            row["hash"] = prev = chain_hash(row, prev)
            rows.append(row)
    bind.execute(sa.insert(audit), rows)
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('user_sites', 'id'), "
                             "(SELECT MAX(id) FROM user_sites))"))


def downgrade() -> None:
    with op.batch_alter_table("patient_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_accounts_patient_id"))
    op.drop_table("patient_accounts")
    with op.batch_alter_table("data_queries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_queries_patient_id"))
    op.drop_table("data_queries")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite >= 3.35 drops the column in place; a batch copy of the table would have to
        # drop ``patients`` itself, which the records referring to it forbid
        op.execute("ALTER TABLE patients DROP COLUMN language")
    else:
        op.drop_column("patients", "language")
    with op.batch_alter_table("user_sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sites_user_id"))
    op.drop_table("user_sites")
