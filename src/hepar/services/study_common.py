"""What the study use cases share: the result of a write, finding a patient for a write, and the
rule that no clinical date precedes informed consent.

The use cases themselves are in ``study_admin`` (study, sites, users, lock, corrections, keys),
``study_records`` (one function per form), ``study_imaging`` (DICOM in, pseudonymised),
``study_virtual`` (virtual patients through the same path) and ``study_data`` (schema, exports,
imports, audit verification). Each is one function and one transaction (:meth:`Store.write`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from hepar.errors import InvalidValueError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from hepar.store import Actor, Audited, Patient

__all__ = ["SavedRecord", "actor_sites", "check_after_consent", "consent_date",
           "patient_for_write", "saved"]


@dataclass(frozen=True)
class SavedRecord:
    """A record as saved: its table, id and the version a later change must quote."""

    table: str
    id: int
    version: int


def saved(row: Audited) -> SavedRecord:
    """The :class:`SavedRecord` of a flushed row."""
    return SavedRecord(row.__tablename__, row.id, row.version)


def actor_sites(session: Session, actor: Actor) -> frozenset[int] | None:
    """The ids of the sites ``actor`` works for (None: study-wide, a user without a home site).

    A user of a site works for every site of theirs in ``user_sites`` (their home site
    ``users.site_id`` included); a ``patient`` user for the site of their own record.
    """
    from sqlalchemy import select

    from hepar.store import Patient, PatientAccount, User, UserSite

    if actor.role.value == "patient":
        own = (select(Patient.site_id).join(PatientAccount, PatientAccount.patient_id == Patient.id)
               .join(User, User.id == PatientAccount.user_id)
               .where(User.username == actor.username, PatientAccount.deleted_at.is_(None)))
        return frozenset(session.scalars(own))
    if actor.site_id is None:
        return None
    joined = (select(UserSite.site_id).join(User, User.id == UserSite.user_id)
              .where(User.username == actor.username, UserSite.deleted_at.is_(None)))
    return frozenset({actor.site_id, *session.scalars(joined)})


def _own_patient(session: Session, actor: Actor, patient: Patient) -> bool:
    from sqlalchemy import select

    from hepar.store import PatientAccount, User

    return session.scalar(
        select(PatientAccount.id).join(User, User.id == PatientAccount.user_id)
        .where(User.username == actor.username, PatientAccount.patient_id == patient.id,
               PatientAccount.deleted_at.is_(None))) is not None


def patient_for_write(session: Session, actor: Actor, study_id: str) -> Patient:
    """The patient ``study_id``, if ``actor`` works for its site (a ``patient`` user: if it is
    their own record)."""
    from sqlalchemy import func, select

    from hepar.store import Consent, Patient, PermissionDeniedError

    consented = (select(func.min(Consent.consented_on))
                 .where(Consent.patient_id == Patient.id, Consent.deleted_at.is_(None))
                 .correlate(Patient).scalar_subquery())
    found = session.execute(select(Patient, consented).where(Patient.study_id == study_id)
                            ).first()  # the patient and the consent day in one round trip
    patient = found[0] if found else None
    if patient is None or patient.deleted_at is not None:
        raise InvalidValueError(field="study_id", value=study_id,
                                expected="the study ID of a registered patient")
    if actor.role.value == "patient":
        if not _own_patient(session, actor, patient):
            raise PermissionDeniedError(field="user", value=actor.username,
                                        expected=f"the patient {study_id} themself")
    elif actor.site_id is not None and actor.site_id != patient.site_id:
        sites = actor_sites(session, actor)
        if sites is not None and patient.site_id not in sites:
            raise PermissionDeniedError(field="user", value=actor.username,
                                        expected=f"a user of the site of patient {study_id}")
    session.info.setdefault("consent_date", {})[patient.id] = found[1] if found else None
    return patient


def consent_date(session: Session, patient: Patient) -> date | None:
    """The day of the patient's (earliest, not withdrawn) informed consent."""
    from sqlalchemy import func, select

    from hepar.store import Consent

    return session.scalar(select(func.min(Consent.consented_on)).where(
        Consent.patient_id == patient.id, Consent.deleted_at.is_(None)))


def check_after_consent(session: Session, patient: Patient,
                        dated: list[tuple[str, date | None]]) -> None:
    """Refuse clinical data of ``patient`` dated before informed consent (or without consent).

    ``dated`` is a list of (field name as the user knows it, date).
    """
    cached = session.info.get("consent_date", {})
    consented = cached.get(patient.id) or consent_date(session, patient)
    if consented is None:
        raise InvalidValueError(field="consent", value=None,
                                expected=f"informed consent of {patient.study_id} recorded "
                                         f"before any clinical data")
    for field, day in dated:
        if day is not None and day < consented:
            raise InvalidValueError(field=field, value=day.isoformat(),
                                    expected=f"a date on or after informed consent "
                                             f"({consented.isoformat()}) of {patient.study_id}")
