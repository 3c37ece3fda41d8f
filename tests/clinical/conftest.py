"""Shared records for the clinical tests: an eligible candidate (made up, no patient data) and
RECIST reads built from compact descriptions."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

ATTESTED_AT = "2025-01-06T10:00:00+01:00"

ELIGIBLE_CANDIDATE: dict[str, Any] = {
    "id": "S-001",
    "screening_date": "2025-01-06",
    "treatment_date": "2025-02-24",
    "sex": "female",
    "birth_date": "1960-05-01",
    "weight_kg": 70,
    "height_cm": 168,
    "who_performance_status": 1,
    "unresolved_toxicity_grade": 0,
    "liver_tumour_involvement_pct": 25,
    "labs": [
        {"analyte": "bilirubin", "value": 12, "unit": "umol/L", "uln": 17},
        {"analyte": "creatinine", "value": 80, "unit": "umol/L", "uln": 90},
        {"analyte": "alt", "value": 40, "unit": "U/L", "uln": 45},
        {"analyte": "ast", "value": 30, "unit": "U/L", "uln": 40},
        {"analyte": "alp", "value": 200, "unit": "U/L", "uln": 120},
        {"analyte": "leukocytes", "value": 4.5, "unit": "10^9/L"},
        {"analyte": "platelets", "value": 180, "unit": "10^9/L"},
    ],
    "lesions": [
        {"id": "L1", "organ": "liver", "diameter_mm": 32},
        {"id": "L2", "organ": "liver", "diameter_mm": 18},
        {"id": "L3", "organ": "liver", "diameter_mm": 11},
        {"id": "L4", "organ": "liver", "diameter_mm": 7},
    ],
    # the last cycle 10 weeks before the planned 166Ho-RE (2024-12-16 -> 2025-02-24)
    "lutetium_cycles": [
        {"administered_on": "2024-07-08", "activity_mbq": 7400},
        {"administered_on": "2024-09-02", "activity_mbq": 7400},
        {"administered_on": "2024-10-28", "activity_mbq": 7350},
        {"administered_on": "2024-12-16", "activity_mbq": 7400},
    ],
    "events": {
        "informed consent": "2025-01-06",
        "radiotherapy": None,
        "chemotherapy": None,
        "major surgery": None,
    },
    "facts": {
        "histologically confirmed NET": True,
        "childbearing potential": False,
        "incompletely healed surgical incision": False,
        "declared incompetent": False,
        "previously enrolled in this study": False,
        "previous radioembolization": False,
        "without acceptable contraception": False,
        "severe contrast allergy": False,
    },
    "attestations": [
        {"criterion": c, "met": c.startswith("I"), "attested_by": "dr.investigator",
         "attested_at": ATTESTED_AT}
        for c in ("I3", "I5", "E1", "E10", "E12", "E13", "E18")
    ],
}


@pytest.fixture
def candidate_data() -> dict[str, Any]:
    """A fresh copy of an eligible candidate's record (registry protocol)."""
    return copy.deepcopy(ELIGIBLE_CANDIDATE)


def set_lab(data: dict[str, Any], analyte: str, **fields: Any) -> None:
    """Replace the lab result of ``analyte`` in a candidate record."""
    data["labs"] = [lab for lab in data["labs"] if lab["analyte"] != analyte]
    data["labs"].append({"analyte": analyte, **fields})


@pytest.fixture
def with_lab() -> Callable[..., None]:
    """The :func:`set_lab` helper, as a fixture."""
    return set_lab


def reads(
    sizes: list[dict[str, Any]],
    *,
    targets: dict[str, dict[str, Any]] | None = None,
    non_targets: dict[str, dict[str, Any]] | None = None,
    non_target_states: list[dict[str, str]] | None = None,
    new_lesions: list[Any] | None = None,
    dates: list[str] | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """RECIST reads from per-time-point measurements (first = baseline), in the JSON shape."""
    targets = targets or {lesion_id: {} for lesion_id in sizes[0]}
    non_targets = non_targets or {}
    default_dates = [
        "2025-01-10", "2025-03-10", "2025-05-10", "2025-07-10", "2025-09-10", "2025-11-10",
        "2026-01-10", "2026-03-10",
    ]
    dates = dates or default_dates[: len(sizes)]
    points = []
    for index, measured in enumerate(sizes):
        point: dict[str, Any] = {"date": dates[index], "measurements_mm": measured}
        if non_targets:
            point["non_target"] = (
                non_target_states[index]
                if non_target_states
                else {lesion_id: "present" for lesion_id in non_targets}
            )
        if new_lesions is not None:
            point["new_lesions"] = new_lesions[index]
        points.append(point)
    lesions = [
        {"id": lesion_id, "role": "target", "organ": "liver", **extra}
        for lesion_id, extra in targets.items()
    ] + [
        {"id": lesion_id, "role": "non-target", "organ": "liver", **extra}
        for lesion_id, extra in non_targets.items()
    ]
    return {"settings": settings or {}, "lesions": lesions, "timepoints": points}


@pytest.fixture
def make_reads() -> Callable[..., dict[str, Any]]:
    """The :func:`reads` builder, as a fixture."""
    return reads
