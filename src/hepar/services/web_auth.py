"""Use cases of signing in to the web application: passwords (argon2) and the login throttle.

A password is hashed with argon2id (argon2-cffi's defaults, RFC 9106) and only the encoded hash is
stored (:class:`hepar.store.WebCredential`). :func:`authenticate` answers the same error for an
unknown user, a wrong password and an inactive user, so that it tells nobody which names exist.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from hepar.errors import HeparError, InvalidValueError
from hepar.physics import S_PER_MIN
from hepar.store import (
    Actor,
    Role,
    Site,
    Store,
    User,
    bump_session_epoch,
    read_credential,
    save_password_hash,
)

from .study_common import actor_sites

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "LoginRefusedError",
    "LoginThrottle",
    "TooManyAttemptsError",
    "WebUser",
    "authenticate",
    "end_sessions",
    "set_password",
    "web_user",
]

#: Shortest password accepted (NIST SP 800-63B section 5.1.1.2: at least 8 characters).
MIN_PASSWORD_LENGTH = 8
_HASHER = PasswordHasher()


class LoginRefusedError(HeparError):
    """Wrong user name or password (deliberately not saying which)."""


class TooManyAttemptsError(HeparError):
    """Too many failed sign-ins for this user or from this address: wait and try again."""


@dataclass(frozen=True)
class WebUser:
    """A signed-in user: name, role, home site (None: every site), the session epoch, and every
    site the user works for (``site_ids`` None: study-wide; a patient user: their record's)."""

    username: str
    full_name: str
    role: Role
    site_id: int | None
    site_code: str | None
    session_epoch: int
    site_ids: frozenset[int] | None = None
    site_codes: tuple[str, ...] = ()

    def sees_site(self, site_id: int) -> bool:
        """Whether the user may read patients of the site ``site_id``."""
        return self.site_ids is None or site_id in self.site_ids

    @property
    def read_only(self) -> bool:
        """Monitors and statisticians read, never write clinical data (hepar.store.WRITERS;
        monitors raise data queries); patients answer only their own booklets (ePRO); admins
        manage users."""
        return self.role in (Role.MONITOR, Role.STATISTICIAN, Role.PATIENT, Role.ADMIN)


def set_password(store: Store, username: str, password: str) -> None:
    """Hash ``password`` with argon2id and store it for ``username`` (ends their sessions)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValueError(field="password", value="<withheld>",
                                expected=f"at least {MIN_PASSWORD_LENGTH} characters")
    save_password_hash(store, username, _HASHER.hash(password))


def web_user(store: Store, username: str) -> WebUser | None:
    """The active user ``username`` with a password set, else None."""
    credential = read_credential(store, username)
    if credential is None:
        return None
    with store.read() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None or not user.active or user.deleted_at is not None:
            return None
        role = Role(user.role)
        code = None if user.site_id is None else session.scalar(
            select(Site.code).where(Site.id == user.site_id))
        site_ids = actor_sites(session, Actor(user.username, role, user.site_id))
        if role is Role.PATIENT and not site_ids:
            return None  # a patient user not (or no longer) linked to a record cannot sign in
        codes = () if site_ids is None else tuple(session.scalars(
            select(Site.code).where(Site.id.in_(site_ids)).order_by(Site.code)))
        return WebUser(user.username, user.full_name, role, user.site_id, code,
                       credential.session_epoch, site_ids, codes)


def authenticate(store: Store, username: str, password: str) -> WebUser:
    """The user ``username`` if ``password`` is theirs; else :class:`LoginRefusedError`."""
    refused = LoginRefusedError(field="login", value=username,
                                expected="a registered user name and its password")
    credential = read_credential(store, username)
    if credential is None:
        # spend the time of a verification anyway, so that timing tells no user names
        _HASHER.hash(password)
        raise refused
    try:
        _HASHER.verify(credential.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise refused from None
    user = web_user(store, username)
    if user is None:
        raise refused
    if _HASHER.check_needs_rehash(credential.password_hash):
        save_password_hash(store, username, _HASHER.hash(password))
        user = web_user(store, username) or user
    return user


def end_sessions(store: Store, username: str) -> None:
    """Sign ``username`` out everywhere."""
    bump_session_epoch(store, username)


class LoginThrottle:
    """Failed sign-ins counted per user name and per client address in a sliding window.

    Kept in the server process (one uvicorn process serves a site; several processes each count
    their own, which only makes the limit per process). OWASP's authentication cheat sheet asks
    for a limit on failed attempts per account; the figures here are settings.
    """

    def __init__(self, *, per_user: int = 5, per_address: int = 20,
                 window_s: float = 15 * S_PER_MIN,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_user = per_user
        self.per_address = per_address
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        entries = self._failures.setdefault(key, deque())
        while entries and entries[0] <= now - self.window_s:
            entries.popleft()
        return entries

    def check(self, username: str, address: str) -> None:
        """Refuse (:class:`TooManyAttemptsError`) when either count is at its limit."""
        now = self._clock()
        with self._lock:
            for key, limit, what in ((f"user:{username}", self.per_user, "user"),
                                     (f"addr:{address}", self.per_address, "address")):
                if len(self._recent(key, now)) >= limit:
                    raise TooManyAttemptsError(
                        field="login", value=username if what == "user" else address,
                        expected=f"at most {limit} failed sign-ins per {what} in "
                                 f"{self.window_s:g} s: wait and try again")

    def failed(self, username: str, address: str) -> None:
        """Count a failed sign-in."""
        now = self._clock()
        with self._lock:
            self._recent(f"user:{username}", now).append(now)
            self._recent(f"addr:{address}", now).append(now)

    def succeeded(self, username: str) -> None:
        """Forget the user's failures (the address keeps its count)."""
        with self._lock:
            self._failures.pop(f"user:{username}", None)
