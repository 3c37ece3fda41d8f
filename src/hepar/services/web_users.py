"""Use case of ``hepar user add``: register a user of the web application with a password.

In an empty database the first user is the study's admin (role ``admin``: manages users and
sites): the schema is created, the study row written and the admin registered in one go. Every
later user is added by an admin or data manager (``by``) at one or more sites (``site_code``:
codes separated by commas, the first the home site), or study-wide.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from hepar.errors import InvalidValueError
from hepar.store import (
    PermissionDeniedError,
    Role,
    Site,
    Store,
    Study,
    User,
    UserSite,
    current_revision,
    head_revision,
    upgrade,
)

from .study_admin import add_user, initialise_study
from .web_auth import MIN_PASSWORD_LENGTH, set_password

__all__ = ["ADMIN_ROLE", "NewUser", "UserLine", "add_web_user", "check_schema", "list_users"]

#: The role of the study's first user.
ADMIN_ROLE = Role.ADMIN


@dataclass(frozen=True)
class NewUser:
    """What ``hepar user add --json`` prints."""

    username: str
    role: str
    site: str | None
    first_admin: bool


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidValueError(field="--role", value=role,
                                expected=f"one of {[r.value for r in Role]}") from None


def check_schema(store: Store) -> None:
    """Refuse a database whose schema is not at the newest migration."""
    reached, head = current_revision(store.engine), head_revision()
    if reached != head:
        raise InvalidValueError(field="database schema", value=reached,
                                expected=f"revision {head} (create the first admin with "
                                         f"`hepar user add`, or upgrade the database)")


def add_web_user(store: Store, *, username: str, full_name: str, role: str, password: str,
                 site_code: str | None = None, by: str | None = None,
                 study_name: str = "HEPAR PLUS", protocol: str = "registry") -> NewUser:
    """Register ``username`` with ``password`` (argon2-hashed); the first user of an empty
    database must be the admin and creates the study."""
    chosen = _role(role)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValueError(field="password", value="<withheld>",
                                expected=f"at least {MIN_PASSWORD_LENGTH} characters")
    upgrade(store.engine)
    with store.read() as session:
        has_study = bool(session.scalar(select(func.count()).select_from(Study)))
    if not has_study:
        if chosen is not ADMIN_ROLE or site_code is not None:
            raise InvalidValueError(field="--role", value=role,
                                    expected="admin without --site for the first user of an "
                                             "empty database")
        initialise_study(store, name=study_name, protocol=protocol, data_manager=username,
                         full_name=full_name, role=ADMIN_ROLE)
        set_password(store, username, password)
        return NewUser(username, chosen.value, None, True)
    if by is None:
        raise InvalidValueError(field="--by", value=None,
                                expected="the user name of an admin who adds this user")
    with store.read() as session:
        roles = dict(session.execute(select(User.username, User.role).where(
            User.username.in_([username, by]))).tuples().all())
    if username in roles:
        raise InvalidValueError(field="USERNAME", value=username,
                                expected="a user name not yet registered")
    if roles.get(by) not in {r.value for r in USER_MANAGERS}:
        raise InvalidValueError(field="--by", value=by,
                                expected="the user name of an admin (this user is "
                                f"{roles.get(by) or 'not registered'})")
    codes = [c.strip() for c in site_code.split(",") if c.strip()] if site_code else None
    add_user(store, by, username=username, full_name=full_name, role=chosen, site_code=codes)
    set_password(store, username, password)
    return NewUser(username, chosen.value, site_code, False)


#: Roles that manage the study's users.
USER_MANAGERS = frozenset({Role.ADMIN, Role.DATA_MANAGER})


@dataclass(frozen=True)
class UserLine:
    """One user as the admin's user list shows it (never a password hash)."""

    username: str
    full_name: str
    role: str
    sites: list[str]
    active: bool


def list_users(store: Store, by: str) -> list[UserLine]:
    """Every user of the study with their sites (home site first), for an admin ``by``."""
    with store.read() as session:
        actor = store.actor(session, by)
        if actor.role not in USER_MANAGERS:
            raise PermissionDeniedError(field="role", value=actor.role.value,
                                        expected=f"one of {sorted(r.value for r in USER_MANAGERS)}"
                                                 f" to manage users")
        codes = dict(session.execute(select(Site.id, Site.code)).tuples().all())
        memberships: dict[int, list[int]] = {}
        for user_id, site_id in session.execute(select(UserSite.user_id, UserSite.site_id).where(
                UserSite.deleted_at.is_(None)).order_by(UserSite.id)):
            memberships.setdefault(user_id, []).append(site_id)
        out = []
        for user in session.scalars(select(User).where(User.deleted_at.is_(None))
                                    .order_by(User.username)):
            ids = memberships.get(user.id, [])
            if user.site_id is not None:
                ids = [user.site_id, *(i for i in ids if i != user.site_id)]
            out.append(UserLine(user.username, user.full_name, user.role,
                                [codes[i] for i in ids], user.active))
        return out
