"""Alembic environment: runs on the connection handed over by :func:`hepar.store.upgrade`."""

from __future__ import annotations

from alembic import context

from hepar.store._models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - hepar always hands a connection over
    raise RuntimeError("run migrations through hepar.store.upgrade (hepar db upgrade)")
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
