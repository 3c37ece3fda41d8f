"""``/api/users``: the admin manages the study's users (role, sites, first password)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from hepar.errors import InvalidValueError
from hepar.services.web_users import USER_MANAGERS, add_web_user, list_users
from hepar.store import PermissionDeniedError

from ._schemas import UserIn, UserOut
from ._security import ActingUser, CurrentUser, StoreDep

__all__ = ["router"]

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("", response_model=list[UserOut])
def users(user: CurrentUser, store: StoreDep) -> list[UserOut]:
    """Every user with their role and sites (admins and data managers)."""
    return [UserOut(**asdict(line)) for line in list_users(store, user.username)]


@router.post("", response_model=UserOut, status_code=201)
def add(body: UserIn, user: ActingUser, store: StoreDep) -> UserOut:
    """Add a user at one or more sites (none: study-wide) with a first password."""
    if user.role not in USER_MANAGERS:
        raise PermissionDeniedError(field="role", value=user.role.value,
                                    expected=f"one of {sorted(r.value for r in USER_MANAGERS)} "
                                             f"to manage users")
    if any("," in code for code in body.sites):
        raise InvalidValueError(field="sites", value=body.sites, expected="one code per entry")
    add_web_user(store, username=body.username, full_name=body.full_name, role=body.role,
                 password=body.password, site_code=",".join(body.sites) or None,
                 by=user.username)
    line = next(u for u in list_users(store, user.username) if u.username == body.username)
    return UserOut(**asdict(line))
