"""Request and response bodies of the REST API (pydantic; the clinical records themselves are
:mod:`hepar.clinical`'s: :class:`~hepar.clinical.Candidate`, :class:`~hepar.clinical.LabValue`,
:class:`~hepar.clinical.RecistReads`, :class:`~hepar.clinical.QuestionnaireAnswers`,
:class:`~hepar.clinical.AdverseEvent`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hepar.clinical import LabValue

__all__ = [
    "ConsentIn",
    "DashboardOut",
    "EnrolIn",
    "LabsIn",
    "LoginIn",
    "PatientIn",
    "PatientOut",
    "QueryAnswerIn",
    "QueryCloseIn",
    "QueryIn",
    "SavedOut",
    "SessionOut",
    "TimelineOut",
    "UserIn",
    "UserOut",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_Strict):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=1024)


class SessionOut(BaseModel):
    username: str | None
    full_name: str | None = None
    role: str | None = None
    site: str | None = None
    csrf_token: str


class PatientIn(_Strict):
    """A new patient; the study ID is drawn at random unless given (a registry's own ID)."""

    identifier: str = Field(min_length=1, max_length=200,
                            description="the hospital's identifier (kept in the key table only)")
    site_code: str | None = Field(default=None, max_length=40,
                                  description="default: the user's site")
    study_id: str | None = Field(default=None, min_length=1, max_length=40)
    sex: str | None = Field(default=None, pattern="^(male|female)$")
    birth_date: date | None = None
    language: str | None = Field(default=None, pattern="^[a-z]{2}$",
                                 description="ISO 639-1 code: the QoL booklet's language")


class PatientOut(BaseModel):
    study_id: str
    site: str
    status: str
    sex: str | None
    birth_year: int | None
    version: int
    language: str | None


class ConsentIn(_Strict):
    consented_on: date
    form_version: str = Field(min_length=1, max_length=40)


class EnrolIn(_Strict):
    enrolled_on: date


class LabsIn(_Strict):
    labs: list[LabValue] = Field(min_length=1, max_length=200)
    visit_code: str | None = Field(default=None, max_length=40)


class QueryIn(_Strict):
    """A monitor's data query on a saved record of the patient."""

    table: str = Field(min_length=1, max_length=40, description="e.g. labs")
    record_id: int = Field(ge=1, le=2**31 - 1)
    field: str | None = Field(default=None, max_length=60)
    question: str = Field(min_length=1, max_length=4000)


class QueryAnswerIn(_Strict):
    version: int = Field(ge=1, le=2**31 - 1, description="the version of the query read")
    answer: str = Field(min_length=1, max_length=4000)


class QueryCloseIn(_Strict):
    version: int = Field(ge=1, le=2**31 - 1, description="the version of the query read")
    reopen_with: str | None = Field(default=None, min_length=1, max_length=4000,
                                    description="re-open with this new question instead")


class UserIn(_Strict):
    """A new user of the study (added by an admin)."""

    username: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._@-]+$")
    full_name: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=40)
    sites: list[str] = Field(default_factory=list, max_length=50,
                             description="site codes, the home site first; none: study-wide")
    password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    username: str
    full_name: str
    role: str
    sites: list[str]
    active: bool


class SavedOut(BaseModel):
    table: str
    id: int
    version: int


class TimelineOut(BaseModel):
    patient: PatientOut
    consents: list[dict[str, Any]]
    screenings: list[dict[str, Any]]
    lutetium_cycles: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    labs: list[dict[str, Any]]
    plans: list[dict[str, Any]]
    administrations: list[dict[str, Any]]
    qol: list[dict[str, Any]]
    recist: dict[str, Any] | None
    adverse_events: list[dict[str, Any]]
    recist_reads: dict[str, Any] | None
    queries: list[dict[str, Any]]


class DashboardOut(BaseModel):
    today: date
    now: datetime
    patients_by_status: dict[str, int]
    visits_due: list[dict[str, Any]]
    visits_overdue: list[dict[str, Any]]
    sae_reports_overdue: list[dict[str, Any]]
    open_queries: list[dict[str, Any]]
