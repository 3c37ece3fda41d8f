"""Use case: load virtual patients' clinical records into the study database.

``hepar db load-virtual --patients N``: N enrolled virtual patients of a cohort
(:func:`hepar.phantoms.cohort_plan`, ``tiny`` preset) and the cohort's screen failures, each
written through the same use cases, as the same kind of named users and in the same transactions,
as a site's staff would (``study_admin`` and ``study_records``): nothing reaches the tables
without its audit rows. A virtual site ``VIRTUAL`` and its users are created when missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import func, select

from hepar.clinical import LabValue
from hepar.errors import InvalidValueError
from hepar.phantoms import (
    HO166_PRESCRIBED_DOSE_GY,
    HO166_SCOUT_ACTIVITY_MBQ,
    cohort_plan,
    generate_clinical_record,
    generate_virtual_patient,
    screen_failure_candidate,
)
from hepar.store import AuditEntry, Patient, Site, Store, Study, User

from .study_admin import add_site, add_user, initialise_study
from .study_records import (
    record_administration,
    record_adverse_event,
    record_consent,
    record_labs,
    record_lutetium_cycles,
    record_plan,
    record_qol,
    record_recist_reads,
    record_screening,
    register_patient,
    schedule_visits,
)

__all__ = ["VIRTUAL_SITE", "VIRTUAL_USERS", "LoadReport", "load_virtual_patients"]

VIRTUAL_SITE = "VIRTUAL"
#: user name -> (full name, role) of the virtual site's staff.
VIRTUAL_USERS = {
    "virtual.investigator": ("virtual investigator", "investigator"),
    "virtual.nurse": ("virtual research nurse", "research_nurse"),
    "virtual.physicist": ("virtual medical physicist", "physicist"),
    "virtual.radiologist": ("virtual radiologist", "radiologist"),
    "virtual.monitor": ("virtual monitor", "monitor"),
}
_DATA_MANAGER = "virtual.datamanager"


@dataclass(frozen=True)
class LoadReport:
    """What :func:`load_virtual_patients` loaded (the ``--json`` keys)."""

    enrolled: int
    screen_failures: int
    skipped: int
    audit_rows: int


def _ensure_virtual_site(store: Store, protocol: str) -> None:
    with store.read() as session:
        has_study = bool(session.scalar(select(func.count()).select_from(Study)))
        users = set(session.scalars(select(User.username)))
        has_site = session.scalar(select(Site.id).where(Site.code == VIRTUAL_SITE)) is not None
    if not has_study:
        initialise_study(store, name="HEPAR PLUS", protocol=protocol, data_manager=_DATA_MANAGER,
                         full_name="virtual data manager")
        users.add(_DATA_MANAGER)
    manager = _DATA_MANAGER if _DATA_MANAGER in users else None
    if manager is None:
        raise InvalidValueError(field="database", value="a study without virtual.datamanager",
                                expected="an empty database or one loaded by load-virtual")
    if not has_site:
        add_site(store, manager, code=VIRTUAL_SITE, name="virtual hospital (hepar.phantoms)")
    for username, (full_name, role) in VIRTUAL_USERS.items():
        if username not in users:
            add_user(store, manager, username=username, full_name=full_name, role=role,
                     site_code=VIRTUAL_SITE)


def load_virtual_patients(store: Store, *, n_patients: int, seed: int = 0,
                          protocol: str = "registry",
                          progress: Callable[[str], None] | None = None) -> LoadReport:
    """Load the cohort of ``n_patients`` enrolled virtual patients (and its screen failures).

    Patients already in the database (same study ID) are skipped, so a second run adds nothing.
    """
    say = progress or (lambda message: None)
    _ensure_virtual_site(store, protocol)
    with store.read() as session:
        present = set(session.scalars(select(Patient.study_id)))
    enrolled = failures = skipped = 0
    plan = cohort_plan(n_patients, seed=seed)
    nurse, investigator = "virtual.nurse", "virtual.investigator"
    for index, member in enumerate(plan, start=1):
        pid = member.patient_id
        if pid in present:
            skipped += 1
            continue
        say(f"[{index}/{len(plan)}] {pid}")
        if member.fails is not None:
            candidate = screen_failure_candidate(member)
            register_patient(store, nurse, study_id=pid, site_code=VIRTUAL_SITE,
                             identifier=f"virtual-mrn-{member.seed}", sex=str(candidate.sex),
                             birth_date=candidate.birth_date)
            record_consent(store, nurse, study_id=pid, consented_on=candidate.screening_date,
                           form_version="1.0")
            record_screening(store, investigator, study_id=pid, candidate=candidate,
                             protocol=protocol)
            failures += 1
            continue
        patient = generate_virtual_patient(member.seed, "tiny")
        record = generate_clinical_record(patient)
        candidate = record.candidate
        register_patient(store, nurse, study_id=pid, site_code=VIRTUAL_SITE,
                         identifier=f"virtual-mrn-{member.seed}",
                         sex=None if candidate.sex is None else candidate.sex.value,
                         birth_date=candidate.birth_date)
        consented = candidate.events.get("informed consent") or candidate.screening_date
        record_consent(store, nurse, study_id=pid, consented_on=consented, form_version="1.0")
        record_screening(store, investigator, study_id=pid, candidate=candidate,
                         protocol=protocol)
        record_lutetium_cycles(store, nurse, study_id=pid, candidate=candidate)
        treatment_day = patient.treatment_time.date()
        schedule_visits(store, nurse, study_id=pid, treatment_date=treatment_day,
                        performed=record.visits, protocol=protocol)
        by_day: dict[str, list[LabValue]] = {}
        day_to_visit = {day: code for code, day in record.visits.items()}
        for lab in record.labs:
            code = day_to_visit.get(lab.sampled_on) if lab.sampled_on else None
            by_day.setdefault(code or "", []).append(lab)
        for code, labs in by_day.items():
            record_labs(store, nurse, study_id=pid, labs=labs, visit_code=code or None)
        for code, answers in record.qol.items():
            record_qol(store, nurse, study_id=pid, answers=answers, visit_code=code)
        record_recist_reads(store, "virtual.radiologist", study_id=pid, reads=record.recist)
        physicist = "virtual.physicist"
        scout_plan = record_plan(store, physicist, study_id=pid, kind="scout",
                                 planned_on=patient.scout_time.date(),
                                 activity_mbq=HO166_SCOUT_ACTIVITY_MBQ, method="fixed scout")
        record_administration(store, physicist, study_id=pid, kind="scout",
                              administered_at=patient.scout_time.astimezone(UTC),
                              activity_mbq=patient.scout.administered_mbq,
                              plan_id=scout_plan.id)
        treat_plan = record_plan(store, physicist, study_id=pid, kind="treatment",
                                 planned_on=patient.scout_time.date(),
                                 activity_mbq=patient.treatment.administered_mbq,
                                 target_dose_gy=HO166_PRESCRIBED_DOSE_GY,
                                 method="scout-based, mean treated-liver dose")
        record_administration(store, physicist, study_id=pid, kind="treatment",
                              administered_at=patient.treatment_time.astimezone(UTC),
                              activity_mbq=patient.treatment.administered_mbq,
                              plan_id=treat_plan.id)
        for event in record.adverse_events:
            record_adverse_event(store, investigator, study_id=pid, event=event)
        enrolled += 1
    with store.read() as session:
        rows = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return LoadReport(enrolled=enrolled, screen_failures=failures, skipped=skipped,
                      audit_rows=rows)
