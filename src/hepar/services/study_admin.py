"""Use cases of study administration: the study, its sites and users, the lock, corrections of
saved records (with a reason, at the version read) and soft deletes, and reading a patient's key.

Each function is one transaction as a named user (``user``: a user name of the study).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from hepar.errors import InvalidValueError
from hepar.store import (
    AUDITED_MODELS,
    KEY_READERS,
    Actor,
    Patient,
    PatientAccount,
    PatientKey,
    PatientOwned,
    PermissionDeniedError,
    Role,
    Site,
    Store,
    Study,
    User,
    UserSite,
    conflict_error,
    python_value,
)

from .study_common import SavedRecord, check_after_consent, patient_for_write, saved

__all__ = [
    "PatientKeyView",
    "add_site",
    "add_user",
    "add_user_site",
    "initialise_study",
    "link_patient_account",
    "lock_study",
    "read_patient_key",
    "soft_delete_record",
    "unlock_study",
    "update_record",
]

_FIXED = frozenset({"id", "version", "patient_id", "deleted_at"})
#: Date fields that record something that happened to the patient (checked against consent).
_CLINICAL_DATES = frozenset({"sampled_on", "performed_on", "read_on", "completed_on", "onset",
                             "resolution", "planned_on", "acquired_on", "screened_on"})


def initialise_study(store: Store, *, name: str, protocol: str, data_manager: str,
                     full_name: str, role: Role = Role.DATA_MANAGER) -> SavedRecord:
    """Create the study row and its first user (a data manager, or the ``admin`` of the web
    application) in an empty database.

    The only write without an existing user: it is audited as ``data_manager`` itself.
    """
    if role not in (Role.DATA_MANAGER, Role.ADMIN):
        raise InvalidValueError(field="role", value=role.value,
                                expected="data_manager or admin for the study's first user")
    with store.write(Actor(data_manager, role)) as session:
        if session.scalar(select(func.count()).select_from(Study)) or \
                session.scalar(select(func.count()).select_from(User)):
            raise InvalidValueError(field="study", value=name,
                                    expected="an empty database (the study exists already)")
        study = Study(name=name, protocol=protocol, locked=False)
        session.add(study)
        session.add(User(username=data_manager, full_name=full_name,
                         role=role.value, site_id=None, active=True))
        session.flush()
        return saved(study)


def add_site(store: Store, user: str, *, code: str, name: str) -> SavedRecord:
    """Register a participating site (data manager, admin)."""
    with store.write(user) as session:
        site = Site(code=code, name=name)
        session.add(site)
        session.flush()
        return saved(site)


def _site_id(session: Any, code: str) -> int:
    site_id = session.scalar(select(Site.id).where(Site.code == code))
    if site_id is None:
        raise InvalidValueError(field="site", value=code,
                                expected="the code of a registered site")
    return int(site_id)


def add_user(store: Store, user: str, *, username: str, full_name: str, role: str | Role,
             site_code: str | Sequence[str] | None) -> SavedRecord:
    """Register a user with a role at one or more sites (``None``: study-wide) (data manager,
    admin). The first site is the user's home site; a ``patient`` user is linked to their record
    with :func:`link_patient_account`."""
    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidValueError(field="role", value=role,
                                expected=f"one of {[r.value for r in Role]}") from None
    codes = [site_code] if isinstance(site_code, str) else list(site_code or [])
    if chosen is Role.PATIENT and not codes:
        raise InvalidValueError(field="site", value=None,
                                expected="the site of the patient (a patient user is never "
                                         "study-wide)")
    with store.write(user) as session:
        site_ids = list(dict.fromkeys(_site_id(session, code) for code in codes))
        row = User(username=username, full_name=full_name, role=chosen.value,
                   site_id=site_ids[0] if site_ids else None, active=True)
        session.add(row)
        session.flush()
        session.add_all(UserSite(user_id=row.id, site_id=site_id) for site_id in site_ids)
        session.flush()
        return saved(row)


def add_user_site(store: Store, user: str, *, username: str, site_code: str) -> SavedRecord:
    """Let the user ``username`` (of a site) work for one more site (data manager, admin)."""
    with store.write(user) as session:
        member = session.scalars(select(User).where(User.username == username)).first()
        if member is None:
            raise InvalidValueError(field="user", value=username,
                                    expected="a registered user of this study")
        if member.site_id is None:
            raise InvalidValueError(field="user", value=username,
                                    expected="a user of a site (study-wide users see every "
                                             "site already)")
        site_id = _site_id(session, site_code)
        row = UserSite(user_id=member.id, site_id=site_id)
        session.add(row)
        session.flush()
        return saved(row)


def link_patient_account(store: Store, user: str, *, username: str,
                         study_id: str) -> SavedRecord:
    """Link the ``patient`` user ``username`` to the record ``study_id``: they may then answer
    their own QoL booklets (ePRO) and nothing else (investigator, nurse, data manager, admin)."""
    with store.write(user) as session:
        actor = session.info["actor"]
        member = session.scalars(select(User).where(User.username == username)).first()
        if member is None or member.role != Role.PATIENT.value:
            raise InvalidValueError(field="user", value=username,
                                    expected="a registered user of role 'patient'")
        patient = patient_for_write(session, actor, study_id)
        if member.site_id != patient.site_id:
            raise InvalidValueError(field="user", value=username,
                                    expected=f"a patient user of the site of {study_id}")
        row = PatientAccount(patient_id=patient.id, user_id=member.id)
        session.add(row)
        session.flush()
        return saved(row)


def _set_lock(store: Store, user: str, locked: bool, reason: str) -> SavedRecord:
    with store.write(user, reason=reason) as session:
        study = session.scalars(select(Study)).first()
        if study is None:
            raise InvalidValueError(field="study", value=None, expected="an initialised study")
        if study.locked == locked:
            raise InvalidValueError(field="study.locked", value=locked,
                                    expected=f"a study that is {'un' if locked else ''}locked")
        study.locked = locked
        session.flush()
        return saved(study)


def lock_study(store: Store, user: str, *, reason: str) -> SavedRecord:
    """Lock the study: every later write is refused until it is unlocked (audited)."""
    return _set_lock(store, user, True, reason)


def unlock_study(store: Store, user: str, *, reason: str) -> SavedRecord:
    """Unlock the study (the unlocking and its reason are in the audit trail)."""
    return _set_lock(store, user, False, reason)


def _model(table: str) -> Any:
    model = AUDITED_MODELS.get(table)
    if model is None:
        raise InvalidValueError(field="table", value=table,
                                expected=f"one of {sorted(AUDITED_MODELS)}")
    return model


def _load_for_change(session: Any, actor: Actor, table: str, record_id: int,
                     expected_version: int) -> Any:
    model = _model(table)
    row = session.get(model, record_id)
    if row is None:
        raise InvalidValueError(field=f"{table}.id", value=record_id,
                                expected="the id of a saved record")
    if row.deleted_at is not None:
        raise InvalidValueError(field=f"{table}#{record_id}", value="deleted",
                                expected="a record that is not deleted")
    if row.version != expected_version:
        raise conflict_error(table, record_id, expected_version, row.version)
    if isinstance(row, PatientOwned):
        patient = session.get(Patient, row.patient_id)
        patient_for_write(session, actor, patient.study_id)
    elif isinstance(row, Patient):
        patient_for_write(session, actor, row.study_id)
    return row


def update_record(store: Store, user: str, *, table: str, record_id: int, expected_version: int,
                  changes: Mapping[str, Any], reason: str) -> SavedRecord:
    """Correct fields of a saved record, quoting the version read and a reason.

    ``changes`` maps column names to new values (Python values or their text, as a form sends
    them). A record changed by someone else since ``expected_version`` is refused with a
    :class:`hepar.store.ConflictError` naming the newer version.
    """
    with store.write(user, reason=reason) as session:
        actor = session.info["actor"]
        row = _load_for_change(session, actor, table, record_id, expected_version)
        columns = {c.key: c for c in row.__table__.columns}
        for name, value in changes.items():
            if name not in columns or name in _FIXED:
                raise InvalidValueError(field=f"{table}.{name}", value=value,
                                        expected=f"one of {sorted(set(columns) - _FIXED)}")
            setattr(row, name, python_value(columns[name], value, field=f"{table}.{name}"))
        if isinstance(row, PatientOwned):
            dated = [(f"{table}.{n}", getattr(row, n)) for n in changes if n in _CLINICAL_DATES]
            if dated:
                check_after_consent(session, session.get_one(Patient, row.patient_id), dated)
        session.flush()
        return saved(row)


def soft_delete_record(store: Store, user: str, *, table: str, record_id: int,
                       expected_version: int, reason: str) -> SavedRecord:
    """Mark a record deleted (it stays in the database and in the exports, with its history)."""
    with store.write(user, reason=reason) as session:
        row = _load_for_change(session, session.info["actor"], table, record_id,
                               expected_version)
        row.deleted_at = datetime.now(UTC)
        session.flush()
        return saved(row)


class PatientKeyView:
    """What links a study ID to a person (only for roles in :data:`hepar.store.KEY_READERS`)."""

    def __init__(self, study_id: str, identifier: str, birth_date: date | None,
                 date_shift_hours: int) -> None:
        self.study_id = study_id
        self.identifier = identifier
        self.birth_date = birth_date
        self.date_shift_hours = date_shift_hours

    def __repr__(self) -> str:  # never print the identifier by accident
        return f"PatientKeyView(study_id={self.study_id!r}, identifier=<withheld>)"


def read_patient_key(store: Store, user: str, *, study_id: str) -> PatientKeyView:
    """The identifying key of patient ``study_id``; refused for roles that may not see it."""
    with store.read() as session:
        actor = store.actor(session, user)
        if actor.role not in KEY_READERS:
            raise PermissionDeniedError(field="role", value=actor.role.value,
                                        expected=f"one of {sorted(r.value for r in KEY_READERS)}"
                                                 f" to read a patient's identity")
        patient = patient_for_write(session, actor, study_id)
        key = session.scalars(select(PatientKey).where(PatientKey.patient_id == patient.id)
                              ).first()
        if key is None:
            raise InvalidValueError(field="study_id", value=study_id,
                                    expected="a patient whose key is held in this database")
        return PatientKeyView(study_id, key.identifier, key.birth_date, key.date_shift_hours)
