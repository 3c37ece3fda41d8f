"""Live answers for the forms (nothing is saved): a candidate's verdicts, a lab value's CTCAE
grade, the RECIST response of reads being entered, QoL scores of answers being entered."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from hepar.clinical import Candidate, QuestionnaireAnswers, RecistReads
from hepar.services.clinical_recist import assess_reads, recist_json
from hepar.services.clinical_screen import screen_candidate, screening_json
from hepar.services.web_labs import lab_grades
from hepar.services.web_qol import booklet_scores

from ._security import CurrentUser

__all__ = ["router"]

router = APIRouter(prefix="/api/live", tags=["live"])


@router.post("/screening")
def live_screening(body: Candidate, user: CurrentUser) -> dict[str, Any]:
    """Each criterion's verdict with its reason, and the overall verdict."""
    return screening_json(screen_candidate(body))


@router.get("/ctcae")
def live_ctcae(user: CurrentUser, analyte: str = Query(max_length=40),
               value: float = Query(ge=0, allow_inf_nan=False),
               unit: str = Query(max_length=20),
               lln: float | None = Query(default=None, gt=0, allow_inf_nan=False),
               uln: float | None = Query(default=None, gt=0, allow_inf_nan=False)
               ) -> dict[str, Any] | None:
    """The CTCAE v4.03 term, grade and reason of one lab value (null: not graded by CTCAE)."""
    return lab_grades(analyte, value, unit, lln=lln, uln=uln)


@router.post("/recist")
def live_recist(body: RecistReads, user: CurrentUser) -> dict[str, Any]:
    """The response of every time point and the best overall response."""
    return recist_json(assess_reads(body))


@router.post("/qol")
def live_qol(body: QuestionnaireAnswers, user: CurrentUser) -> dict[str, float | None]:
    """QLQ-C30 scale scores (0-100; null where the half-items rule fails) and the summary."""
    return booklet_scores(body)
