"""Sign-in data of the web application: one password hash per user, and a session epoch.

Kept apart from the audited study tables on purpose: a password hash is not study data, must
never reach an export or the audit trail, and changes (a new password, "sign me out everywhere")
are not corrections of a record. ``session_epoch`` is quoted in every signed session cookie; raising
it invalidates every session of that user at once (logout, password change, deactivation).

The hashing itself (argon2) is done by :mod:`hepar.services.web_auth`; this module only stores the
encoded hash string.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ._codec import UTCDateTime
from ._engine import _WRITE
from ._models import Base, User
from ._unit import Store

__all__ = ["WebCredential", "bump_session_epoch", "read_credential", "save_password_hash"]


class WebCredential(Base):
    """A user's password hash (argon2 encoded string) and session epoch."""

    __tablename__ = "web_credentials"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _session(store: Store) -> Session:
    session = Session(store.engine, expire_on_commit=False)
    session.connection(execution_options={_WRITE: True})
    return session


def _user_id(session: Session, username: str) -> int | None:
    return session.scalar(select(User.id).where(User.username == username))


def read_credential(store: Store, username: str) -> WebCredential | None:
    """The credential of ``username`` (None: unknown user or no password set)."""
    with Session(store.engine) as session:
        user_id = _user_id(session, username)
        return None if user_id is None else session.get(WebCredential, user_id)


def save_password_hash(store: Store, username: str, password_hash: str) -> WebCredential:
    """Store a new password hash for the registered user ``username`` (ends their sessions)."""
    from hepar.errors import InvalidValueError

    with _session(store) as session:
        user_id = _user_id(session, username)
        if user_id is None:
            raise InvalidValueError(field="user", value=username,
                                    expected="a registered user of this study")
        row = session.get(WebCredential, user_id)
        now = datetime.now(UTC)
        if row is None:
            row = WebCredential(user_id=user_id, password_hash=password_hash, session_epoch=0,
                                changed_at=now)
            session.add(row)
        else:
            row.password_hash = password_hash
            row.session_epoch += 1
            row.changed_at = now
        session.commit()
        return row


def bump_session_epoch(store: Store, username: str) -> None:
    """End every session of ``username`` (their signed cookies quote the old epoch)."""
    with _session(store) as session:
        user_id = _user_id(session, username)
        row = None if user_id is None else session.get(WebCredential, user_id)
        if row is not None:
            row.session_epoch += 1
        session.commit()
