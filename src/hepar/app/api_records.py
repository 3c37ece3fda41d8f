"""The forms of a patient's record as endpoints: consent, screening, labs, RECIST reads, QoL
answers, adverse events. Each call is one use case of :mod:`hepar.services` (one audited
transaction); the patient is first looked up within the user's site."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from hepar.clinical import (
    AdverseEvent,
    Candidate,
    QuestionnaireAnswers,
    RecistReads,
    validate_record,
)
from hepar.services.clinical_recist import assess_reads, recist_json
from hepar.services.clinical_screen import screen_candidate, screening_json
from hepar.services.study_records import (
    record_adverse_event,
    record_consent,
    record_labs,
    record_qol,
    record_recist_reads,
    record_screening,
)
from hepar.services.web_auth import WebUser
from hepar.services.web_labs import lab_grades
from hepar.services.web_patients import patient_timeline, qol_booklet, visible_patient

from ._schemas import ConsentIn, LabsIn, SavedOut
from ._security import StoreDep, WritingUser

__all__ = ["router"]

router = APIRouter(prefix="/api/patients/{study_id}", tags=["records"])


@router.post("/consent", response_model=SavedOut, status_code=201)
def consent(study_id: str, body: ConsentIn, user: WritingUser, store: StoreDep) -> SavedOut:
    """Record informed consent (before any clinical data)."""
    visible_patient(store, user, study_id)
    saved = record_consent(store, user.username, study_id=study_id,
                           consented_on=body.consented_on, form_version=body.form_version)
    return SavedOut(**asdict(saved))


def _as_attested_by(candidate: Candidate, user: WebUser, study_id: str) -> Candidate:
    # an attestation is the signed-in user's own (DESIGN.md: attested by a named user)
    attestations = [a.model_copy(update={"attested_by": user.username})
                    for a in candidate.attestations]
    return candidate.model_copy(update={"id": study_id, "attestations": attestations})


@router.post("/screening", status_code=201)
def screening(study_id: str, body: Candidate, user: WritingUser,
              store: StoreDep) -> dict[str, Any]:
    """Screen the patient: every criterion's verdict and reason, saved with the attestations
    (attested by the signed-in user); the patient's status follows the verdict."""
    visible_patient(store, user, study_id)
    candidate = _as_attested_by(body, user, study_id)
    result = screening_json(screen_candidate(candidate))
    record_screening(store, user.username, study_id=study_id, candidate=candidate)
    return result


@router.post("/labs", status_code=201)
def labs(study_id: str, body: LabsIn, user: WritingUser, store: StoreDep
         ) -> list[dict[str, Any]]:
    """Save lab values; each answers with its CTCAE v4.03 grade."""
    visible_patient(store, user, study_id)
    record_labs(store, user.username, study_id=study_id, labs=body.labs,
                visit_code=body.visit_code)
    return [{**lab.model_dump(mode="json"),
             "ctcae": lab_grades(str(lab.analyte.value), lab.value, str(lab.unit.value),
                                 lln=lab.lln, uln=lab.uln)} for lab in body.labs]


@router.post("/recist", status_code=201)
def recist(study_id: str, body: RecistReads, user: WritingUser,
           store: StoreDep) -> dict[str, Any]:
    """Save the baseline lesions and the time points read (lesions and reads saved before may be
    repeated as saved, or left out); answers the RECIST 1.1 response of every saved time point
    and the best overall response, under the body's settings."""
    visible_patient(store, user, study_id)
    record_recist_reads(store, user.username, study_id=study_id, reads=body)
    saved = patient_timeline(store, user, study_id).recist_reads
    assert saved is not None  # reads were saved just now
    settings = body.settings.model_dump(mode="json")
    series = validate_record(RecistReads, {**saved, "settings": settings})
    return recist_json(assess_reads(series))


@router.post("/qol", status_code=201)
def qol(study_id: str, body: QuestionnaireAnswers, user: WritingUser, store: StoreDep,
        visit_code: str | None = None) -> dict[str, Any]:
    """Save a QLQ-C30 booklet's answers; answers the scale scores (0-100)."""
    visible_patient(store, user, study_id)
    saved = record_qol(store, user.username, study_id=study_id, answers=body,
                       visit_code=visit_code)
    return qol_booklet(store, user, study_id, saved.id)


@router.post("/adverse-events", response_model=SavedOut, status_code=201)
def adverse_event(study_id: str, body: AdverseEvent, user: WritingUser,
                  store: StoreDep) -> SavedOut:
    """Save an adverse event (a serious one gets its SAE report deadline, 24 h)."""
    visible_patient(store, user, study_id)
    event = body.model_copy(update={"patient_id": study_id})
    saved = record_adverse_event(store, user.username, study_id=study_id, event=event)
    return SavedOut(**asdict(saved))


