"""``/api/patients`` and ``/api/dashboard``: what a user may read, scoped to their site."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from fastapi import APIRouter

from hepar.errors import InvalidValueError
from hepar.services.study_records import register_patient
from hepar.services.web_dashboard import dashboard
from hepar.services.web_patients import (
    enrol_patient,
    list_patients,
    new_study_id,
    patient_timeline,
    visible_patient,
)

from ._schemas import DashboardOut, EnrolIn, PatientIn, PatientOut, TimelineOut
from ._security import CurrentUser, StoreDep, WritingUser

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["patients"])


@router.get("/patients", response_model=list[PatientOut])
def patients(user: CurrentUser, store: StoreDep, status: str | None = None) -> list[PatientOut]:
    """The patients of the user's site (optionally of one status)."""
    return [PatientOut(**asdict(p)) for p in list_patients(store, user, status=status)]


@router.post("/patients", response_model=PatientOut, status_code=201)
def register(body: PatientIn, user: WritingUser, store: StoreDep) -> PatientOut:
    """Register a patient under a random pseudonymous study ID (or the one given)."""
    site = body.site_code or user.site_code
    if site is None:
        raise InvalidValueError(field="site_code", value=None,
                                expected="the code of the patient's site (you are study-wide)")
    study_id = body.study_id or new_study_id(site)
    register_patient(store, user.username, study_id=study_id, site_code=site,
                     identifier=body.identifier, sex=body.sex, birth_date=body.birth_date,
                     language=body.language)
    return PatientOut(**asdict(visible_patient(store, user, study_id)))


@router.get("/patients/{study_id}", response_model=TimelineOut)
def timeline(study_id: str, user: CurrentUser, store: StoreDep) -> TimelineOut:
    """The patient's timeline: consent, screenings (each criterion's verdict and reason,
    attestations), 177Lu cycles, visits, labs with CTCAE grades, plans, administrations, QoL
    with scores, RECIST reads with the computed response, adverse events."""
    data = asdict(patient_timeline(store, user, study_id))
    return TimelineOut.model_validate(data)


@router.post("/patients/{study_id}/enrol", response_model=PatientOut)
def enrol(study_id: str, body: EnrolIn, user: WritingUser, store: StoreDep) -> PatientOut:
    """Enrol a patient whose screening met every criterion."""
    enrol_patient(store, user, study_id, enrolled_on=body.enrolled_on)
    return PatientOut(**asdict(visible_patient(store, user, study_id)))


@router.get("/dashboard", response_model=DashboardOut)
def read_dashboard(user: CurrentUser, store: StoreDep) -> DashboardOut:
    """Patients by status, visits due / overdue by their windows, SAE reports overdue (24 h)."""
    now = datetime.now(UTC)
    return DashboardOut(now=now, **asdict(dashboard(store, user, now=now)))
