"""Alembic environment: runs on the connection handed over by :func:`hepar.store.upgrade`."""

from __future__ import annotations

from alembic import context

from hepar.store._models import Base


def run_migrations() -> None:
    """Run the migrations on the connection in ``config.attributes["connection"]``."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through hepar.store.upgrade (hepar db upgrade)")
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


try:  # only inside Alembic (the doctest collector imports this module too)
    _inside_alembic = context.config is not None
except AttributeError:
    _inside_alembic = False
if _inside_alembic:
    run_migrations()
