"""Use cases that record a patient's data in the study database, one function per form.

Each takes typed records of :mod:`hepar.clinical` where the study has one, writes them in one
transaction as the named ``user`` (audited; refused for a role that may not write the form, a user
of another site, a locked study) and returns what was saved. No clinical date may precede the
patient's informed consent (177Lu cycles, being history, may).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hepar.clinical import (
    AdverseEvent,
    Candidate,
    LabValue,
    QuestionnaireAnswers,
    RecistReads,
    assess_recist,
    plan_visits,
    sae_report_status,
    score_answers,
    validate_record,
)
from hepar.errors import InvalidValueError
from hepar.io import load_protocol, load_questionnaire
from hepar.store import (
    WRITERS,
    Administration,
    AdverseEventRow,
    Attestation,
    Consent,
    CriterionResultRow,
    Lab,
    LesionRow,
    LutetiumCycleRow,
    Patient,
    PatientKey,
    PermissionDeniedError,
    Plan,
    ProcessingRun,
    QolAnswer,
    QolQuestionnaire,
    QolScore,
    RecistMeasurement,
    RecistRead,
    SaeReport,
    Screening,
    Site,
    Store,
    VisitRow,
    to_text,
)

from .study_common import (
    SavedRecord,
    actor_sites,
    check_after_consent,
    patient_for_write,
    saved,
)

__all__ = [
    "record_administration",
    "record_adverse_event",
    "record_consent",
    "record_labs",
    "record_lutetium_cycles",
    "record_plan",
    "record_processing_run",
    "record_qol",
    "record_recist_reads",
    "record_screening",
    "register_patient",
    "saved_recist_data",
    "schedule_visits",
]


def register_patient(store: Store, user: str, *, study_id: str, site_code: str,
                     identifier: str, sex: str | None = None,
                     birth_date: date | None = None,
                     language: str | None = None) -> SavedRecord:
    """Register a patient under the pseudonymous ``study_id``; the identifying ``identifier``
    and birth date go to the key table, with the patient's pseudonymisation secret.
    ``language`` (ISO 639-1 code) is the one the patient's QoL booklets are given in."""
    if language is not None and not (len(language) == 2 and language.isalpha()
                                     and language.islower()):
        raise InvalidValueError(field="language", value=language,
                                expected="a two-letter ISO 639-1 code, e.g. nl")
    from .study_imaging import date_shift_hours, new_pseudonym_seed

    with store.write(user) as session:
        actor = session.info["actor"]
        site = session.scalars(select(Site).where(Site.code == site_code)).first()
        if site is None:
            raise InvalidValueError(field="site", value=site_code,
                                    expected="the code of a registered site")
        sites = actor_sites(session, actor)
        if sites is not None and site.id not in sites:
            from hepar.store import PermissionDeniedError

            raise PermissionDeniedError(field="site", value=site_code,
                                        expected=f"the user's own site ({actor.username})")
        if session.scalars(select(Patient.id).where(Patient.study_id == study_id)).first():
            raise InvalidValueError(field="study_id", value=study_id,
                                    expected="a study ID not used by another patient")
        patient = Patient(study_id=study_id, site_id=site.id, sex=sex,
                          birth_year=birth_date.year if birth_date else None, status="registered",
                          language=language)
        session.add(patient)
        session.flush()
        seed = new_pseudonym_seed()
        session.add(PatientKey(patient_id=patient.id, identifier=identifier,
                               birth_date=birth_date, pseudonym_seed=seed,
                               date_shift_hours=date_shift_hours(seed)))
        session.flush()
        return saved(patient)


def record_consent(store: Store, user: str, *, study_id: str, consented_on: date,
                   form_version: str) -> SavedRecord:
    """Record informed consent."""
    with store.write(user) as session:
        patient = patient_for_write(session, session.info["actor"], study_id)
        row = Consent(patient_id=patient.id, consented_on=consented_on,
                      form_version=form_version)
        session.add(row)
        session.flush()
        return saved(row)


def record_screening(store: Store, user: str, *, study_id: str, candidate: Candidate,
                     protocol: str = "registry") -> SavedRecord:
    """Check ``candidate`` (the protocol's plausibility checks,
    :func:`hepar.clinical.check_candidate`), evaluate it against the protocol and save the
    verdict, each criterion's result (long format) and the attestations; the patient's status
    follows the verdict."""
    from .clinical_screen import screen_candidate

    result = screen_candidate(candidate, load_protocol(protocol))  # plausibility checks first
    with store.write(user) as session:
        patient = patient_for_write(session, session.info["actor"], study_id)
        check_after_consent(session, patient, [("screening_date", candidate.screening_date)])
        screening = Screening(patient_id=patient.id, screened_on=candidate.screening_date,
                              protocol=protocol, eligible=to_text(result.eligible) or "",
                              screen_failure_reasons="\n".join(result.screen_failure_reasons))
        session.add(screening)
        session.flush()
        for criterion in result.criteria:
            session.add(CriterionResultRow(
                patient_id=patient.id, screening_id=screening.id, criterion=criterion.id,
                verdict=to_text(criterion.verdict), value=criterion.value,
                reason=criterion.reason))
        for attestation in candidate.attestations:
            session.add(Attestation(
                patient_id=patient.id, screening_id=screening.id,
                criterion=attestation.criterion, met=attestation.met,
                attested_by=attestation.attested_by, attested_at=attestation.attested_at,
                note=attestation.note))
        status = ("eligible" if result.eligible is True else
                  "screen failure" if result.eligible is False else "undecided")
        if patient.status != status:
            session.info["reason"] = f"eligibility evaluated at screening ({protocol})"
            patient.status = status
        session.flush()
        return saved(screening)


def record_lutetium_cycles(store: Store, user: str, *, study_id: str,
                           candidate: Candidate) -> list[SavedRecord]:
    """Save the prior 177Lu-dotatate cycles of ``candidate`` (history: may precede consent)."""
    with store.write(user) as session:
        patient = patient_for_write(session, session.info["actor"], study_id)
        rows = [LutetiumCycleRow(patient_id=patient.id, cycle_number=number,
                                 administered_on=cycle.administered_on,
                                 activity_mbq=cycle.activity_mbq)
                for number, cycle in enumerate(candidate.lutetium_cycles, start=1)]
        session.add_all(rows)
        session.flush()
        return [saved(r) for r in rows]


def schedule_visits(store: Store, user: str, *, study_id: str, treatment_date: date,
                    performed: Mapping[str, date] | None = None,
                    protocol: str = "registry") -> list[SavedRecord]:
    """Plan the protocol's visits from the treatment date (each with its window) and record
    the days the visits in ``performed`` (visit id -> day) took place."""
    planned = plan_visits(load_protocol(protocol), treatment_date)
    performed = dict(performed or {})
    unknown = sorted(set(performed) - {v.id for v in planned})
    with store.write(user) as session:
        patient = patient_for_write(session, session.info["actor"], study_id)
        check_after_consent(session, patient,
                            [(f"performed[{k}]", v) for k, v in performed.items()])
        rows = [VisitRow(patient_id=patient.id, visit_code=v.id, planned_on=v.planned,
                         earliest_on=v.earliest, latest_on=v.latest,
                         performed_on=performed.get(v.id)) for v in planned]
        # visits the site holds beyond the protocol's (e.g. 2- and 6-week checks)
        rows += [VisitRow(patient_id=patient.id, visit_code=code, planned_on=performed[code],
                          earliest_on=performed[code], latest_on=performed[code],
                          performed_on=performed[code]) for code in unknown]
        session.add_all(rows)
        session.flush()
        return [saved(r) for r in rows]


def record_labs(store: Store, user: str, *, study_id: str, labs: Sequence[LabValue],
                visit_code: str | None = None) -> list[SavedRecord]:
    """Save lab values (one row each) in the reporting lab's unit with its reference range."""
    with store.write(user) as session:
        patient = patient_for_write(session, session.info["actor"], study_id)
        check_after_consent(session, patient,
                            [(f"labs[{i}].sampled_on", lab.sampled_on)
                             for i, lab in enumerate(labs)])
        rows = [Lab(patient_id=patient.id, visit_code=visit_code, analyte=to_text(lab.analyte),
                    value=lab.value, unit=to_text(lab.unit), lln=lab.lln, uln=lab.uln,
                    sampled_on=lab.sampled_on) for lab in labs]
        session.add_all(rows)
        session.flush()
        return [saved(r) for r in rows]


def record_qol(store: Store, user: str, *, study_id: str, answers: QuestionnaireAnswers,
               visit_code: str | None = None,
               questionnaires: Sequence[str] = ("qlq-c30",)) -> SavedRecord:
    """Save a questionnaire's answers (one row per item) and its scale scores."""
    definitions = [load_questionnaire(name) for name in questionnaires]
    known = {i for d in definitions for i in d.item_numbers}
    scores = score_answers({k: v for k, v in answers.answers.items() if k in known}, definitions)
    with store.write(user) as session:
        patient = patient_for_write(session, session.info["actor"], study_id)
        check_after_consent(session, patient, [("completed_on", answers.completed_on)])
        booklet = QolQuestionnaire(patient_id=patient.id, visit_code=visit_code,
                                   completed_on=answers.completed_on)
        session.add(booklet)
        session.flush()
        session.add_all(QolAnswer(patient_id=patient.id, questionnaire_id=booklet.id, item=item,
                                  answer=value) for item, value in sorted(answers.answers.items()))
        session.add_all(QolScore(patient_id=patient.id, questionnaire_id=booklet.id, scale=scale,
                                 score=score) for scale, score in scores.flat().items())
        session.flush()
        return saved(booklet)


def saved_recist_data(session: Session, patient_id: int) -> dict[str, Any] | None:
    """The saved lesions and reads of a patient as :class:`hepar.clinical.RecistReads` JSON
    (reads in date order; None: no lesion saved)."""
    def rows(model: Any, *order: Any) -> list[Any]:
        return list(session.scalars(select(model).where(
            model.patient_id == patient_id, model.deleted_at.is_(None)).order_by(*order,
                                                                                  model.id)))

    lesions = rows(LesionRow)
    if not lesions:
        return None
    by_id = {row.id: row for row in lesions}
    measurements = rows(RecistMeasurement)
    timepoints = []
    for read in rows(RecistRead, RecistRead.read_on):
        measured: dict[str, Any] = {}
        non_target: dict[str, Any] = {}
        for m in measurements:
            if m.read_id != read.id:
                continue
            lesion = by_id[m.lesion_id]
            value = m.diameter_mm if m.diameter_mm is not None else m.code
            (measured if lesion.role == "target" else non_target)[lesion.lesion_code] = value
        timepoints.append({
            "date": read.read_on.isoformat(), "measurements_mm": measured,
            "non_target": non_target, "new_lesions": _new_lesions(read.new_lesions),
            "new_lesions_in_treated_volume": _new_lesions(read.new_lesions_in_treated_volume)})
    return {"lesions": [{"id": r.lesion_code, "role": r.role, "organ": r.organ,
                         "nodal": r.nodal, "in_treated_volume": r.in_treated_volume,
                         "slice_thickness_mm": r.slice_thickness_mm} for r in lesions],
            "timepoints": timepoints}


def _new_lesions(text: str | None) -> bool | str | None:
    return {"true": True, "false": False, None: None}.get(text, text)


def _merged_reads(saved: dict[str, Any] | None, reads: RecistReads) -> RecistReads:
    """The saved reads with the new ones: a lesion or time point saved already must be given as
    it was saved (a correction goes through update_record, with a reason)."""
    if saved is None:
        return reads
    incoming = reads.model_dump(mode="json")
    lesions = {lesion["id"]: lesion for lesion in saved["lesions"]}
    for index, lesion in enumerate(incoming["lesions"]):
        known = lesions.get(lesion["id"])
        if known is None:
            lesions[lesion["id"]] = lesion
        elif (known["role"], known["organ"], known["nodal"]) != \
                (lesion["role"], lesion["organ"], lesion["nodal"]):
            raise InvalidValueError(
                field=f"lesions[{index}]", value=lesion["id"],
                expected=f"lesion {lesion['id']} as saved ({known['role']}, {known['organ']}); "
                         f"correct a saved lesion with a reason")
    points = {point["date"]: point for point in saved["timepoints"]}
    for index, point in enumerate(incoming["timepoints"]):
        known = points.get(point["date"])
        if known is None:
            points[point["date"]] = point
            continue
        same = (RecistReads.model_validate({"lesions": list(lesions.values()),
                                            "timepoints": [known]}).timepoints[0]
                == reads.timepoints[index])
        if not same:
            raise InvalidValueError(
                field=f"timepoints[{index}]", value=point["date"],
                expected="the read of that date as saved, or a new date (correct a saved read "
                         "with a reason)")
    data = {"settings": incoming["settings"], "lesions": list(lesions.values()),
            "timepoints": [points[day] for day in sorted(points)]}
    return validate_record(RecistReads, data)


def record_recist_reads(store: Store, user: str, *, study_id: str,
                        reads: RecistReads) -> list[SavedRecord]:
    """Save the baseline lesions and the time points read (one measurement row per lesion),
    each read with its RECIST 1.1 assessment (:func:`hepar.clinical.assess_recist`).

    Lesions and reads saved before are kept, not saved again: ``reads`` may repeat them (as
    saved) or give only the new time points; every new read is assessed over the whole series
    (baseline and nadir from the saved reads). Returns the new reads.
    """
    with store.write(user) as session:
        actor = session.info["actor"]
        if actor.role not in WRITERS["recist_reads"]:  # also when nothing new is to be saved
            allowed = sorted(r.value for r in WRITERS["recist_reads"])
            raise PermissionDeniedError(field="role", value=actor.role.value,
                                        expected=f"one of {allowed} to write recist_reads")
        patient = patient_for_write(session, actor, study_id)
        check_after_consent(session, patient, [(f"timepoints[{i}].date", tp.date)
                                               for i, tp in enumerate(reads.timepoints)])
        saved_data = saved_recist_data(session, patient.id)
        merged = _merged_reads(saved_data, reads)
        assessment = assess_recist(merged)
        lesions = {row.lesion_code: row for row in session.scalars(select(LesionRow).where(
            LesionRow.patient_id == patient.id, LesionRow.deleted_at.is_(None)))}
        for lesion in merged.lesions:
            if lesion.id in lesions:
                continue
            row = LesionRow(patient_id=patient.id, lesion_code=lesion.id,
                            role=to_text(lesion.role), organ=lesion.organ, nodal=lesion.nodal,
                            in_treated_volume=lesion.in_treated_volume,
                            slice_thickness_mm=lesion.slice_thickness_mm)
            session.add(row)
            lesions[lesion.id] = row
        session.flush()
        done = {point["date"] for point in (saved_data or {}).get("timepoints", [])}
        out = []
        for tp, result in zip(merged.timepoints, assessment.timepoints, strict=True):
            if tp.date.isoformat() in done:
                continue
            read = RecistRead(
                patient_id=patient.id, read_on=tp.date, new_lesions=to_text(tp.new_lesions),
                new_lesions_in_treated_volume=to_text(tp.new_lesions_in_treated_volume),
                sum_mm=result.sum_mm, target_response=to_text(result.target),
                non_target_response=to_text(result.non_target),
                overall_response=to_text(result.overall), response_reason=result.reason)
            session.add(read)
            session.flush()
            out.append(saved(read))
            for code, value in {**tp.measurements_mm, **tp.non_target}.items():
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                session.add(RecistMeasurement(
                    patient_id=patient.id, read_id=read.id, lesion_id=lesions[code].id,
                    diameter_mm=float(value) if number else None,
                    code=None if number else to_text(value)))
        session.flush()
        return out


def record_adverse_event(store: Store, user: str, *, study_id: str,
                         event: AdverseEvent) -> SavedRecord:
    """Save an adverse event; a serious one also gets its SAE report row with the deadline."""
    with store.write(user) as session:
        patient = patient_for_write(session, session.info["actor"], study_id)
        check_after_consent(session, patient, [("onset", event.onset)])
        row = AdverseEventRow(
            patient_id=patient.id, ae_code=event.id, term=event.term, grade=event.grade,
            onset=event.onset, resolution=event.resolution, serious=event.serious,
            seriousness_criteria=";".join(to_text(c) or "" for c in event.seriousness_criteria),
            relatedness=to_text(event.relatedness), action_taken=to_text(event.action_taken))
        session.add(row)
        session.flush()
        if event.serious and event.awareness_at is not None:
            status = sae_report_status([event], now=event.reported_at or datetime.now(UTC))[0]
            session.add(SaeReport(patient_id=patient.id, adverse_event_id=row.id,
                                  awareness_at=status.awareness_at,
                                  deadline_at=status.deadline, reported_at=status.reported_at))
            session.flush()
        return saved(row)


def record_plan(store: Store, user: str, *, study_id: str, kind: str, planned_on: date,
                activity_mbq: float, method: str, target_dose_gy: float | None = None,
                lung_dose_gy: float | None = None) -> SavedRecord:
    """Save a 166Ho activity plan (``kind``: scout or treatment)."""
    if kind not in ("scout", "treatment"):
        raise InvalidValueError(field="kind", value=kind, expected="'scout' or 'treatment'")
    with store.write(user) as session:
        patient = patient_for_write(session, session.info["actor"], study_id)
        check_after_consent(session, patient, [("planned_on", planned_on)])
        row = Plan(patient_id=patient.id, kind=kind, planned_on=planned_on,
                   activity_mbq=activity_mbq, method=method, target_dose_gy=target_dose_gy,
                   lung_dose_gy=lung_dose_gy)
        session.add(row)
        session.flush()
        return saved(row)


def record_administration(store: Store, user: str, *, study_id: str, kind: str,
                          administered_at: datetime, activity_mbq: float,
                          plan_id: int | None = None) -> SavedRecord:
    """Save an administered 166Ho activity."""
    with store.write(user) as session:
        patient = patient_for_write(session, session.info["actor"], study_id)
        check_after_consent(session, patient, [("administered_at", administered_at.date())])
        row = Administration(patient_id=patient.id, plan_id=plan_id, kind=kind,
                             administered_at=administered_at, activity_mbq=activity_mbq)
        session.add(row)
        session.flush()
        return saved(row)


def record_processing_run(store: Store, user: str, *, study_id: str, kind: str,
                          inputs_sha256: Mapping[str, str], parameters: Mapping[str, object],
                          software_version: str, outputs: Mapping[str, object],
                          started_at: datetime, finished_at: datetime | None = None
                          ) -> SavedRecord:
    """Save a reconstruction or dosimetry run: its inputs' SHA-256, parameters, version and
    outputs (stored as canonical JSON)."""
    if kind not in ("reconstruction", "dosimetry"):
        raise InvalidValueError(field="kind", value=kind,
                                expected="'reconstruction' or 'dosimetry'")
    with store.write(user) as session:
        patient = patient_for_write(session, session.info["actor"], study_id)
        row = ProcessingRun(
            patient_id=patient.id, kind=kind,
            inputs_sha256=json.dumps(dict(inputs_sha256), sort_keys=True),
            parameters=json.dumps(dict(parameters), sort_keys=True, default=str),
            software_version=software_version,
            outputs=json.dumps(dict(outputs), sort_keys=True, default=str),
            started_at=started_at, finished_at=finished_at)
        session.add(row)
        session.flush()
        return saved(row)
