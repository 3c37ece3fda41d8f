"""Use case: the CTCAE v4.03 grade of a saved or entered lab value, for the forms and timeline."""

from __future__ import annotations

from typing import Any

from hepar.clinical import LabTerm, grade_lab
from hepar.errors import HeparError

__all__ = ["TERM_OF_ANALYTE", "lab_grades"]

#: The CTCAE v4.03 laboratory term that grades each analyte (a name mapping: the grading rules
#: and their thresholds are in :mod:`hepar.clinical`).
TERM_OF_ANALYTE: dict[str, LabTerm] = {
    "bilirubin": LabTerm.BILIRUBIN_INCREASED,
    "alt": LabTerm.ALT_INCREASED,
    "ast": LabTerm.AST_INCREASED,
    "alp": LabTerm.ALP_INCREASED,
    "ggt": LabTerm.GGT_INCREASED,
    "creatinine": LabTerm.CREATININE_INCREASED,
    "platelets": LabTerm.PLATELETS_DECREASED,
    "leukocytes": LabTerm.WBC_DECREASED,
    "neutrophils": LabTerm.NEUTROPHILS_DECREASED,
    "lymphocytes": LabTerm.LYMPHOCYTES_DECREASED,
    "haemoglobin": LabTerm.ANEMIA,
    "albumin": LabTerm.HYPOALBUMINEMIA,
}


def lab_grades(analyte: str, value: float, unit: str, *, lln: float | None = None,
               uln: float | None = None) -> dict[str, Any] | None:
    """``{"term", "grade", "reason"}`` of the lab value; ``grade`` None with the reason when it
    cannot be graded (e.g. no ULN given); None for an analyte CTCAE does not grade."""
    term = TERM_OF_ANALYTE.get(analyte)
    if term is None:
        return None
    try:
        result = grade_lab(term, value, unit, uln=uln, lln=lln)
    except HeparError as error:
        return {"term": term.value, "grade": None, "reason": str(error)}
    return {"term": term.value, "grade": result.grade, "reason": result.reason}
