"""The study database: SQLAlchemy 2 models of everything the study records.

Every table is audited (:mod:`hepar.store._audit`): ``id``, a ``version`` that SQLAlchemy checks
on each update (a stale write matches no row), and ``deleted_at`` for soft deletes (clinical data
is never hard-deleted). Tables that belong to a patient carry ``patient_id`` directly, so that site
scoping, the lock and the exports need no joins. Identifying data lives in ``patient_keys`` and
``dicom_uid_maps`` only; ``patients`` holds the pseudonymous study ID.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from ._codec import UTCDateTime

__all__ = [
    "AUDITED_MODELS",
    "Administration",
    "AdverseEventRow",
    "Attestation",
    "AuditEntry",
    "AuditSecret",
    "Audited",
    "Base",
    "Consent",
    "CriterionResultRow",
    "DataQuery",
    "DicomUidMap",
    "ImagingJob",
    "ImagingStudy",
    "Lab",
    "LesionRow",
    "LutetiumCycleRow",
    "Patient",
    "PatientAccount",
    "PatientKey",
    "PatientOwned",
    "Plan",
    "ProcessingRun",
    "QolAnswer",
    "QolQuestionnaire",
    "QolScore",
    "RecistMeasurement",
    "RecistRead",
    "SaeReport",
    "Screening",
    "Site",
    "Study",
    "User",
    "UserSite",
    "VisitRow",
]


class Base(DeclarativeBase):
    """Declarative base; ``datetime`` columns are always :class:`UTCDateTime`."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), str: String(200)}


class Audited(Base):
    """A row whose every change is audited; a stale update is refused (``version``)."""

    __abstract__ = True
    #: The ODM form / CSV file this table is exported as (None: admin data).
    form: ClassVar[str | None] = None

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    deleted_at: Mapped[datetime | None]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class Study(Audited):
    """The study itself: one row; ``locked`` refuses every write but unlocking."""

    __tablename__ = "study"
    name: Mapped[str] = mapped_column(unique=True)
    protocol: Mapped[str]
    locked: Mapped[bool] = mapped_column(Boolean, default=False)


class Site(Audited):
    """A participating hospital."""

    __tablename__ = "sites"
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str]


class User(Audited):
    """A person who reads or writes study data, with one role.

    ``site_id`` is the user's home site (None: study-wide, every site); a user of a site works
    for every site in :class:`UserSite` (the home site included, migration 0003).
    """

    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str]
    role: Mapped[str] = mapped_column(String(40))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class UserSite(Audited):
    """One site a user of a site works for (a user may work for several)."""

    __tablename__ = "user_sites"
    __table_args__ = (UniqueConstraint("user_id", "site_id"),)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))


class Patient(Audited):
    """A study participant under a pseudonymous study ID."""

    __tablename__ = "patients"
    form = "patients"
    study_id: Mapped[str] = mapped_column(String(40), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    sex: Mapped[str | None] = mapped_column(String(10))
    birth_year: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(40))
    #: The patient's language (ISO 639-1, e.g. "nl"): the QoL booklet is given in it.
    language: Mapped[str | None] = mapped_column(String(10))


class PatientOwned(Audited):
    """A row that belongs to one patient."""

    __abstract__ = True

    @declared_attr
    def patient_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("patients.id"), index=True)


class PatientKey(PatientOwned):
    """What links a study ID to a person, and the patient's pseudonymisation secret."""

    __tablename__ = "patient_keys"
    identifier: Mapped[str] = mapped_column(unique=True)
    birth_date: Mapped[date | None]
    pseudonym_seed: Mapped[str] = mapped_column(String(64))
    date_shift_hours: Mapped[int]


class DicomUidMap(PatientOwned):
    """An original DICOM UID and the pseudonym it was replaced by."""

    __tablename__ = "dicom_uid_maps"
    level: Mapped[str] = mapped_column(String(20))
    original_uid: Mapped[str] = mapped_column(String(64), unique=True)
    pseudonym_uid: Mapped[str] = mapped_column(String(64), unique=True)


class Consent(PatientOwned):
    """Informed consent (and its withdrawal)."""

    __tablename__ = "consents"
    form = "consent"
    consented_on: Mapped[date]
    form_version: Mapped[str]
    withdrawn_on: Mapped[date | None]


class Screening(PatientOwned):
    """One screening: the verdict of the protocol's criteria."""

    __tablename__ = "screenings"
    form = "screening"
    screened_on: Mapped[date]
    protocol: Mapped[str]
    #: "true", "false", "pending attestation" or "incomplete" (hepar.clinical.EligibilityResult)
    eligible: Mapped[str] = mapped_column(String(40))
    screen_failure_reasons: Mapped[str] = mapped_column(Text, default="")


class CriterionResultRow(PatientOwned):
    """One criterion's verdict at a screening (long format)."""

    __tablename__ = "criterion_results"
    form = "criterion_results"
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"))
    criterion: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[str] = mapped_column(String(20))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class Attestation(PatientOwned):
    """A judgement criterion attested by a named user (DESIGN.md: never guessed)."""

    __tablename__ = "attestations"
    form = "attestations"
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id"))
    criterion: Mapped[str] = mapped_column(String(20))
    met: Mapped[bool]
    attested_by: Mapped[str]
    attested_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")


class LutetiumCycleRow(PatientOwned):
    """A prior 177Lu-dotatate cycle."""

    __tablename__ = "lutetium_cycles"
    form = "lutetium_cycles"
    cycle_number: Mapped[int]
    administered_on: Mapped[date]
    activity_mbq: Mapped[float | None] = mapped_column(Float)


class VisitRow(PatientOwned):
    """A protocol visit: planned day, its window, and the day it took place."""

    __tablename__ = "visits"
    form = "visits"
    __table_args__ = (UniqueConstraint("patient_id", "visit_code"),)
    visit_code: Mapped[str] = mapped_column(String(40))
    planned_on: Mapped[date]
    earliest_on: Mapped[date]
    latest_on: Mapped[date]
    performed_on: Mapped[date | None]


class Lab(PatientOwned):
    """One lab value in the reporting lab's unit, with its reference range."""

    __tablename__ = "labs"
    form = "labs"
    visit_code: Mapped[str | None] = mapped_column(String(40))
    analyte: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    lln: Mapped[float | None] = mapped_column(Float)
    uln: Mapped[float | None] = mapped_column(Float)
    sampled_on: Mapped[date | None]


class ImagingStudy(PatientOwned):
    """A (pseudonymised) DICOM series in the store: its UIDs, files' SHA-256 and location."""

    __tablename__ = "imaging_studies"
    form = "imaging"
    modality: Mapped[str] = mapped_column(String(10))
    study_uid: Mapped[str] = mapped_column(String(64))
    series_uid: Mapped[str] = mapped_column(String(64), unique=True)
    n_instances: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(Text)
    acquired_on: Mapped[date | None]


class Plan(PatientOwned):
    """A 166Ho activity plan (scout or treatment)."""

    __tablename__ = "plans"
    form = "plans"
    kind: Mapped[str] = mapped_column(String(20))
    planned_on: Mapped[date]
    activity_mbq: Mapped[float] = mapped_column(Float)
    target_dose_gy: Mapped[float | None] = mapped_column(Float)
    lung_dose_gy: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str]


class Administration(PatientOwned):
    """An administered 166Ho activity."""

    __tablename__ = "administrations"
    form = "administrations"
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    kind: Mapped[str] = mapped_column(String(20))
    administered_at: Mapped[datetime]
    activity_mbq: Mapped[float] = mapped_column(Float)


class ProcessingRun(PatientOwned):
    """A reconstruction or dosimetry run: inputs' hashes, parameters, version, outputs (JSON)."""

    __tablename__ = "processing_runs"
    form = "processing_runs"
    kind: Mapped[str] = mapped_column(String(20))
    inputs_sha256: Mapped[str] = mapped_column(Text)
    parameters: Mapped[str] = mapped_column(Text)
    software_version: Mapped[str] = mapped_column(String(40))
    outputs: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class LesionRow(PatientOwned):
    """A lesion chosen at baseline for RECIST 1.1."""

    __tablename__ = "lesions"
    form = "lesions"
    __table_args__ = (UniqueConstraint("patient_id", "lesion_code"),)
    lesion_code: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    organ: Mapped[str] = mapped_column(String(40))
    nodal: Mapped[bool] = mapped_column(Boolean, default=False)
    in_treated_volume: Mapped[bool | None]
    slice_thickness_mm: Mapped[float | None] = mapped_column(Float)


class RecistRead(PatientOwned):
    """One RECIST time point read."""

    __tablename__ = "recist_reads"
    form = "recist_reads"
    read_on: Mapped[date]
    new_lesions: Mapped[str] = mapped_column(String(20))
    new_lesions_in_treated_volume: Mapped[str | None] = mapped_column(String(20))
    #: The RECIST 1.1 assessment of the time point (hepar.clinical.assess_recist) when saved.
    sum_mm: Mapped[float | None] = mapped_column(Float)
    target_response: Mapped[str | None] = mapped_column(String(20))
    non_target_response: Mapped[str | None] = mapped_column(String(20))
    overall_response: Mapped[str | None] = mapped_column(String(20))
    response_reason: Mapped[str] = mapped_column(Text, default="")


class RecistMeasurement(PatientOwned):
    """One lesion at one read (long format): a diameter, a code or a non-target state."""

    __tablename__ = "recist_measurements"
    form = "recist_measurements"
    read_id: Mapped[int] = mapped_column(ForeignKey("recist_reads.id"))
    lesion_id: Mapped[int] = mapped_column(ForeignKey("lesions.id"))
    diameter_mm: Mapped[float | None] = mapped_column(Float)
    code: Mapped[str | None] = mapped_column(String(40))


class QolQuestionnaire(PatientOwned):
    """One completed questionnaire booklet."""

    __tablename__ = "qol_questionnaires"
    form = "qol"
    visit_code: Mapped[str | None] = mapped_column(String(40))
    completed_on: Mapped[date | None]


class QolAnswer(PatientOwned):
    """One item's answer (long format; ``None``: not answered)."""

    __tablename__ = "qol_answers"
    form = "qol_answers"
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("qol_questionnaires.id"))
    item: Mapped[int]
    answer: Mapped[int | None]


class QolScore(PatientOwned):
    """One scale's score 0-100 (long format)."""

    __tablename__ = "qol_scores"
    form = "qol_scores"
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("qol_questionnaires.id"))
    scale: Mapped[str] = mapped_column(String(40))
    score: Mapped[float | None] = mapped_column(Float)


class AdverseEventRow(PatientOwned):
    """An adverse event (CTCAE v4.03 term and grade)."""

    __tablename__ = "adverse_events"
    form = "adverse_events"
    ae_code: Mapped[str] = mapped_column(String(60), unique=True)
    term: Mapped[str]
    grade: Mapped[int]
    onset: Mapped[date]
    resolution: Mapped[date | None]
    serious: Mapped[bool]
    seriousness_criteria: Mapped[str] = mapped_column(Text, default="")
    relatedness: Mapped[str] = mapped_column(String(40))
    action_taken: Mapped[str] = mapped_column(String(40))


class SaeReport(PatientOwned):
    """The expedited report of a serious adverse event."""

    __tablename__ = "sae_reports"
    form = "sae_reports"
    adverse_event_id: Mapped[int] = mapped_column(ForeignKey("adverse_events.id"))
    awareness_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    reported_at: Mapped[datetime | None]


class PatientAccount(PatientOwned):
    """The sign-in of a patient (a user of role ``patient``) who answers their own QoL booklets
    (ePRO): one user, one patient."""

    __tablename__ = "patient_accounts"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)


class DataQuery(PatientOwned):
    """A data query a monitor raised on a saved record (``table#record_id``, optionally one
    field): ``open`` -> ``answered`` (by the site) -> ``closed`` (by a monitor), or re-opened."""

    __tablename__ = "data_queries"
    form = "data_queries"
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    field: Mapped[str | None] = mapped_column(String(60))
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    raised_by: Mapped[str] = mapped_column(String(80))
    raised_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(80))
    answered_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(80))
    closed_at: Mapped[datetime | None]


class AuditEntry(Base):
    """One audit row: who changed which field of which record, when (UTC), from what to what, why.

    ``hash`` = SHA-256 over the row's content and ``prev_hash`` (see :mod:`._audit`): the rows
    form a chain, so an edited, inserted or removed row breaks it from there on.
    """

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(40))
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    record_version: Mapped[int]
    field: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(10))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditSecret(Base):
    """The database's secret key of the identifying values' digests in the audit trail.

    The audit trail keeps a value of a key table (:data:`hepar.store.KEY_TABLES`) as
    ``hmac-sha256:<HMAC-SHA256(key, value)>``: a plain SHA-256 of a birth date, a date shift or
    a hospital number is reversed by trying every candidate, and the audit trail is exported.
    One row, written by migration 0005; never audited, never exported.
    """

    __tablename__ = "audit_secret"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key_hex: Mapped[str] = mapped_column(String(64))


#: Every audited model by table name, in an order where a row's parents come first.
AUDITED_MODELS: dict[str, type[Audited]] = {
    m.__tablename__: m for m in (
        Study, Site, User, UserSite, Patient, PatientKey, DicomUidMap, Consent, Screening,
        CriterionResultRow, Attestation, LutetiumCycleRow, VisitRow, Lab, ImagingStudy, Plan,
        Administration, ProcessingRun, LesionRow, RecistRead, RecistMeasurement,
        QolQuestionnaire, QolAnswer, QolScore, AdverseEventRow, SaeReport, PatientAccount,
        DataQuery)
}


class ImagingJob(Base):
    """A background imaging job of the web application (reconstruct -> plan -> dose): its state,
    stage and one-line error, so that a page reload or another server process sees its progress.

    Not study data and not audited: what a finished job computed is recorded through the audited
    path (``processing_runs``); this row only says how far the work is. ``job_id`` is random
    (never sequential) and the patient's site is checked on every read.
    """

    __tablename__ = "imaging_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(40), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    #: queued, running, done or failed
    state: Mapped[str] = mapped_column(String(20))
    stage: Mapped[int]
    n_stages: Mapped[int]
    stage_name: Mapped[str]
    error: Mapped[str | None] = mapped_column(Text)
    #: JSON: the run's options and the ``imaging_studies`` ids it reads
    parameters: Mapped[str] = mapped_column(Text)
    folder: Mapped[str] = mapped_column(Text)
    #: JSON summary of a finished job (plan, dose metrics, files), None before
    result: Mapped[str | None] = mapped_column(Text)
