"""The unit of work: one transaction per use case, audited, all or nothing.

:meth:`Store.write` opens a session as a named user (and, for a change to saved records, a
reason), yields it, and commits when the block ends: the data rows and their audit rows commit
together or not at all. A stale update (someone else saved a newer version first) becomes a
:class:`ConflictError` naming the newer version; a broken uniqueness or foreign-key rule becomes a
:class:`StoreError`. Nothing is left behind by a failure inside the block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ._audit import Actor, hold_chain, install_audit
from ._engine import _WRITE, database_url, make_engine
from ._errors import ConflictError, PermissionDeniedError, StoreError
from ._models import User
from ._roles import Role

__all__ = ["Store", "conflict_error"]


def conflict_error(table: str, record_id: int, read_version: int, current: int | None
                   ) -> ConflictError:
    """The error of a stale write to ``table#record_id`` (read at ``read_version``)."""
    return ConflictError(
        field=f"{table}#{record_id}.version", value=read_version,
        expected=f"the current version {current} (saved by someone else since you read it: "
                 f"reload the record and apply your change again)")


class Store:
    """The study database at ``url`` (default: :func:`hepar.store.database_url`).

    Examples
    --------
    >>> store = Store("sqlite://")
    >>> store.backend
    'sqlite'
    """

    def __init__(self, url: str | None = None, *, engine: Engine | None = None) -> None:
        self.url = database_url(url) if engine is None else engine.url.render_as_string(False)
        self.engine = engine if engine is not None else make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        install_audit(self._sessions)

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (closed, never committed, at the end; never blocks writers).

        Rows read stay usable after the block (they are detached, not expired).
        """
        session = self._sessions()
        session.info["read_only"] = True
        if self.backend == "postgresql":  # one snapshot for every statement (exports, verify)
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        try:
            yield session
        finally:
            session.close()

    def actor(self, session: Session, username: str) -> Actor:
        """The :class:`Actor` of the active user ``username``."""
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None or not user.active or user.deleted_at is not None:
            raise PermissionDeniedError(field="user", value=username,
                                        expected="a registered, active user of this study")
        return Actor(user.username, Role(user.role), user.site_id)

    @contextmanager
    def write(self, user: str | Actor, *, reason: str | None = None, importing: bool = False,
              chain_at_start: bool = True) -> Iterator[Session]:
        """One audited transaction as ``user`` (a user name, or an :class:`Actor`).

        The transaction holds the audit chain (writers append to it one at a time) from its
        start, taken in the round trip that reads the user: one round trip less per write. A
        use case that works long before its first write (pseudonymising a DICOM series) passes
        ``chain_at_start=False`` so that the chain is taken at its first flush instead and other
        writers do not wait meanwhile (PostgreSQL; on SQLite the transaction holds the file's
        write lock from its start either way).
        """
        session = self._sessions()
        session.connection(execution_options={_WRITE: True})
        try:
            if isinstance(user, Actor):
                session.info["actor"] = user
            else:
                session.info["actor"] = (self._writer(session, user) if chain_at_start
                                         else self.actor(session, user))
            session.info["reason"] = reason
            session.info["importing"] = importing
            yield session
            session.commit()
        except StaleDataError as error:
            touched = list(session.info.get("touched", []))
            session.rollback()
            raise self._conflict(touched) from error
        except IntegrityError as error:
            session.rollback()
            raise StoreError(field="record", value=_first_line(error.orig),
                             expected="unique study IDs and codes, and references to records "
                                      "that exist") from None
        except OperationalError as error:
            session.rollback()
            raise StoreError(field="database", value=_first_line(error.orig),
                             expected="a reachable, writable database") from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @staticmethod
    def _writer(session: Session, username: str) -> Actor:
        """The :class:`Actor` of ``username``, read in the round trip that takes the audit chain.

        A write transaction holds the chain from its start (not from its first flush): one
        round trip less per write, at the price of holding it during the use case's reads too.
        """
        user = hold_chain(session, username)
        if user.username is None or not user.active or user.deleted_at is not None:
            raise PermissionDeniedError(field="user", value=username,
                                        expected="a registered, active user of this study")
        return Actor(user.username, Role(user.role), user.site_id)

    def _conflict(self, touched: list[tuple[Any, int, int]]) -> ConflictError:
        with self.read() as session:
            for model, record_id, read_version in touched:
                current = session.scalar(select(model.version).where(model.id == record_id))
                if current != read_version:
                    return conflict_error(model.__tablename__, record_id, read_version, current)
        model, record_id, read_version = touched[0] if touched else (None, 0, 0)
        name = model.__tablename__ if model is not None else "record"
        return conflict_error(name, record_id, read_version, None)


def _first_line(error: Any) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
