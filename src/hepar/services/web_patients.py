"""Use cases the web application reads: the patients a user may see, one patient's timeline, and
enrolment after an eligible screening.

Every read is scoped to the user's sites (a user without a site is study-wide; a patient user sees
their own record only). A patient of
another site answers exactly as a patient that does not exist, so that nobody can probe which
study IDs are taken elsewhere.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hepar.clinical import RecistReads, validate_record
from hepar.errors import HeparError, InvalidValueError
from hepar.store import (
    Administration,
    AdverseEventRow,
    Attestation,
    Consent,
    CriterionResultRow,
    DataQuery,
    Lab,
    LutetiumCycleRow,
    Patient,
    PatientAccount,
    Plan,
    QolAnswer,
    QolQuestionnaire,
    QolScore,
    Role,
    SaeReport,
    Screening,
    Site,
    Store,
    User,
    VisitRow,
)

from .clinical_recist import assess_reads, recist_json
from .study_admin import update_record
from .study_records import saved_recist_data
from .web_auth import WebUser
from .web_labs import lab_grades

__all__ = [
    "PatientSummary",
    "PatientTimeline",
    "enrol_patient",
    "list_patients",
    "new_study_id",
    "patient_timeline",
    "qol_booklet",
    "set_patient_language",
    "visible_patient",
]

#: Alphabet of generated study IDs: Crockford's base 32 (no I, L, O, U: nothing to misread).
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_study_id(site_code: str) -> str:
    """A pseudonymous study ID that cannot be guessed: ``HP-<site>-`` and 10 random characters
    (50 bits from :mod:`secrets`)."""
    return f"HP-{site_code}-" + "".join(secrets.choice(_ALPHABET) for _ in range(10))


@dataclass(frozen=True)
class PatientSummary:
    """One line of the patient list."""

    study_id: str
    site: str
    status: str
    sex: str | None
    birth_year: int | None
    version: int
    language: str | None = None


def _not_found(study_id: str) -> InvalidValueError:
    return InvalidValueError(field="study_id", value=study_id,
                             expected="the study ID of a registered patient of your site")


def _scoped(user: WebUser) -> Any:
    query = select(Patient, Site.code).join(Site, Site.id == Patient.site_id).where(
        Patient.deleted_at.is_(None))
    if user.site_ids is not None:
        query = query.where(Patient.site_id.in_(user.site_ids))
    if user.role is Role.PATIENT:
        own = (select(PatientAccount.patient_id).join(User, User.id == PatientAccount.user_id)
               .where(User.username == user.username, PatientAccount.deleted_at.is_(None)))
        query = query.where(Patient.id.in_(own))
    return query


def list_patients(store: Store, user: WebUser, *, status: str | None = None
                  ) -> list[PatientSummary]:
    """The patients of the user's site (every site for a study-wide user), by study ID."""
    query = _scoped(user).order_by(Patient.study_id)
    if status is not None:
        query = query.where(Patient.status == status)
    with store.read() as session:
        return [PatientSummary(p.study_id, code, p.status, p.sex, p.birth_year, p.version,
                               p.language)
                for p, code in session.execute(query)]


def _patient(session: Session, user: WebUser, study_id: str) -> tuple[Patient, str]:
    row = session.execute(_scoped(user).where(Patient.study_id == study_id)).first()
    if row is None:
        raise _not_found(study_id)
    return row[0], row[1]


def visible_patient(store: Store, user: WebUser, study_id: str) -> PatientSummary:
    """The patient ``study_id`` if the user may see it (else the error of an unknown ID)."""
    with store.read() as session:
        p, code = _patient(session, user, study_id)
        return PatientSummary(p.study_id, code, p.status, p.sex, p.birth_year, p.version,
                              p.language)


@dataclass
class PatientTimeline:
    """Everything recorded of one patient, each list in date order (API: patient detail)."""

    patient: PatientSummary
    consents: list[dict[str, Any]] = field(default_factory=list)
    screenings: list[dict[str, Any]] = field(default_factory=list)
    lutetium_cycles: list[dict[str, Any]] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)
    labs: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    administrations: list[dict[str, Any]] = field(default_factory=list)
    qol: list[dict[str, Any]] = field(default_factory=list)
    recist: dict[str, Any] | None = None
    adverse_events: list[dict[str, Any]] = field(default_factory=list)
    #: The saved lesions and reads (RecistReads JSON) the next read continues from.
    recist_reads: dict[str, Any] | None = None
    queries: list[dict[str, Any]] = field(default_factory=list)


def _rows(session: Session, model: Any, patient: Patient, *order: Any) -> list[Any]:
    return list(session.scalars(select(model).where(
        model.patient_id == patient.id, model.deleted_at.is_(None)).order_by(*order, model.id)))


def _recist(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None or not data["timepoints"]:
        return None
    try:
        return recist_json(assess_reads(validate_record(RecistReads, data)))
    except HeparError as error:  # saved reads that the engine refuses: say why, not a 500
        return {"error": str(error)}


def patient_timeline(store: Store, user: WebUser, study_id: str) -> PatientTimeline:
    """The timeline of patient ``study_id`` (labs with their CTCAE grade, QoL with scores,
    RECIST reads with the response computed from the saved measurements)."""
    with store.read() as session:
        p, code = _patient(session, user, study_id)
        out = PatientTimeline(PatientSummary(p.study_id, code, p.status, p.sex, p.birth_year,
                                             p.version, p.language))
        out.consents = [{"consented_on": c.consented_on, "form_version": c.form_version,
                         "withdrawn_on": c.withdrawn_on}
                        for c in _rows(session, Consent, p, Consent.consented_on)]
        criteria = _rows(session, CriterionResultRow, p)
        attestations = _rows(session, Attestation, p)
        for s in _rows(session, Screening, p, Screening.screened_on):
            out.screenings.append({
                "screened_on": s.screened_on, "protocol": s.protocol, "eligible": s.eligible,
                "screen_failure_reasons": [r for r in s.screen_failure_reasons.split("\n") if r],
                "criteria": [{"id": c.criterion, "verdict": c.verdict, "value": c.value,
                              "reason": c.reason} for c in criteria if c.screening_id == s.id],
                "attestations": [{"criterion": a.criterion, "met": a.met,
                                  "attested_by": a.attested_by, "attested_at": a.attested_at,
                                  "note": a.note}
                                 for a in attestations if a.screening_id == s.id]})
        out.lutetium_cycles = [{"cycle_number": c.cycle_number,
                                "administered_on": c.administered_on,
                                "activity_mbq": c.activity_mbq}
                               for c in _rows(session, LutetiumCycleRow, p,
                                              LutetiumCycleRow.cycle_number)]
        out.visits = [{"visit_code": v.visit_code, "planned_on": v.planned_on,
                       "earliest_on": v.earliest_on, "latest_on": v.latest_on,
                       "performed_on": v.performed_on}
                      for v in _rows(session, VisitRow, p, VisitRow.planned_on)]
        labs = _rows(session, Lab, p, Lab.sampled_on)
        out.labs = [{"analyte": lab.analyte, "value": lab.value, "unit": lab.unit,
                     "lln": lab.lln, "uln": lab.uln, "sampled_on": lab.sampled_on,
                     "visit_code": lab.visit_code,
                     "ctcae": lab_grades(lab.analyte, lab.value, lab.unit, lln=lab.lln,
                                         uln=lab.uln)} for lab in labs]
        out.plans = [{"kind": x.kind, "planned_on": x.planned_on, "activity_mbq": x.activity_mbq,
                      "target_dose_gy": x.target_dose_gy, "lung_dose_gy": x.lung_dose_gy,
                      "method": x.method} for x in _rows(session, Plan, p, Plan.planned_on)]
        out.administrations = [{"kind": a.kind, "administered_at": a.administered_at,
                                "activity_mbq": a.activity_mbq}
                               for a in _rows(session, Administration, p)]
        answers = _rows(session, QolAnswer, p)
        scores = _rows(session, QolScore, p)
        for q in _rows(session, QolQuestionnaire, p, QolQuestionnaire.completed_on):
            out.qol.append({
                "visit_code": q.visit_code, "completed_on": q.completed_on,
                "answers": {a.item: a.answer for a in answers if a.questionnaire_id == q.id},
                "scores": {s.scale: s.score for s in scores if s.questionnaire_id == q.id}})
        out.queries = [{"id": q.id, "version": q.version, "table_name": q.table_name,
                        "record_id": q.record_id, "field": q.field, "question": q.question,
                        "status": q.status, "raised_by": q.raised_by, "raised_at": q.raised_at,
                        "answer": q.answer, "answered_by": q.answered_by,
                        "answered_at": q.answered_at, "closed_by": q.closed_by,
                        "closed_at": q.closed_at}
                       for q in _rows(session, DataQuery, p, DataQuery.raised_at)]
        out.recist_reads = saved_recist_data(session, p.id)
        out.recist = _recist(out.recist_reads)
        reports = {r.adverse_event_id: r for r in _rows(session, SaeReport, p)}
        for ae in _rows(session, AdverseEventRow, p, AdverseEventRow.onset):
            report = reports.get(ae.id)
            out.adverse_events.append({
                "ae_code": ae.ae_code, "term": ae.term, "grade": ae.grade, "onset": ae.onset,
                "resolution": ae.resolution, "serious": ae.serious,
                "relatedness": ae.relatedness,
                "sae_deadline_at": None if report is None else report.deadline_at,
                "sae_reported_at": None if report is None else report.reported_at})
        return out


def enrol_patient(store: Store, user: WebUser, study_id: str, *, enrolled_on: date) -> str:
    """Enrol an eligible patient (status ``eligible`` -> ``enrolled``, audited with a reason)."""
    summary = visible_patient(store, user, study_id)
    if summary.status != "eligible":
        raise InvalidValueError(field="status", value=summary.status,
                                expected=f"'eligible' (a screening of {study_id} that met every "
                                         f"criterion) before enrolment")
    with store.read() as session:
        record_id = session.scalar(select(Patient.id).where(Patient.study_id == study_id))
    assert record_id is not None
    update_record(store, user.username, table="patients", record_id=record_id,
                  expected_version=summary.version, changes={"status": "enrolled"},
                  reason=f"enrolled on {enrolled_on.isoformat()} after an eligible screening")
    return "enrolled"


def set_patient_language(store: Store, user: WebUser, study_id: str, language: str) -> str:
    """Record the language the patient's QoL booklets are given in (audited, with a reason);
    returns it. Nothing is written when it is the one recorded already."""
    if not (len(language) == 2 and language.isalpha() and language.islower()):
        raise InvalidValueError(field="language", value=language,
                                expected="a two-letter ISO 639-1 code, e.g. nl")
    summary = visible_patient(store, user, study_id)
    if summary.language == language:
        return language
    with store.read() as session:
        record_id = session.scalar(select(Patient.id).where(Patient.study_id == study_id))
    assert record_id is not None
    update_record(store, user.username, table="patients", record_id=record_id,
                  expected_version=summary.version, changes={"language": language},
                  reason="the patient's language for the QoL booklet")
    return language


def qol_booklet(store: Store, user: WebUser, study_id: str, booklet_id: int) -> dict[str, Any]:
    """One saved QoL booklet of ``study_id``: its answers and scale scores."""
    with store.read() as session:
        p, _code = _patient(session, user, study_id)
        booklet = session.get(QolQuestionnaire, booklet_id)
        if booklet is None or booklet.patient_id != p.id:
            raise InvalidValueError(field="questionnaire", value=booklet_id,
                                    expected=f"a QoL booklet of {study_id}")
        answers = session.scalars(select(QolAnswer).where(
            QolAnswer.questionnaire_id == booklet.id).order_by(QolAnswer.item))
        scores = session.scalars(select(QolScore).where(
            QolScore.questionnaire_id == booklet.id).order_by(QolScore.scale))
        return {"visit_code": booklet.visit_code, "completed_on": booklet.completed_on,
                "answers": {a.item: a.answer for a in answers},
                "scores": {s.scale: s.score for s in scores}}
