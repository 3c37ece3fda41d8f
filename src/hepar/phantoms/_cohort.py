"""A virtual study cohort: enrolled patients and candidates who fail named criteria.

:func:`cohort_plan` lists, for a cohort seed, the patients to enrol and the screen failures
(about one for every three enrolled), each failure breaking one named criterion of both shipped
protocols (ids of the registry version, NCT02067988; the values also fail the paper-v6
thresholds: 24 weeks after the last cycle, platelets 40 x 10^9/L).
:func:`screen_failure_candidate` builds such a candidate: an otherwise eligible screening record
with that one fact changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from hepar.clinical import Candidate, LabValue, LutetiumCycle
from hepar.physics import MM3_PER_ML

from ._clinical_record import build_candidate, draw_demographics
from ._patient import patient_anatomy, patient_timeline
from ._seeding import check_seed, stream

__all__ = ["FAILURE_CRITERIA", "CohortMember", "cohort_plan", "screen_failure_candidate"]

#: Criterion id -> what goes wrong (registry protocol, NCT02067988).
FAILURE_CRITERIA: dict[str, str] = {
    "I4": "last 177Lu cycle 24 weeks before the planned 166Ho treatment",
    "I6": "WHO performance status 3",
    "I7": "only two measurable liver lesions",
    "E6": "serum bilirubin 2.2 x ULN",
    "E7": "creatinine 240 umol/L (MDRD eGFR below 35 mL/min/1.73 m2)",
    "E8": "ALT 6 x ULN",
    "E9": "platelet count 40 x 10^9/L",
    "E19": "body weight 158 kg",
    "E21": "liver tumour involvement 75 %",
}


@dataclass(frozen=True)
class CohortMember:
    """One person of the cohort: a seed, and the criterion they fail (``None``: enrolled)."""

    seed: int
    fails: str | None

    @property
    def patient_id(self) -> str:
        """``HEPAR-V00000123`` for enrolled patients, ``HEPAR-S00000123`` for screen failures."""
        return f"HEPAR-{'V' if self.fails is None else 'S'}{self.seed:08d}"


def _member_seed(cohort_seed: int, index: int) -> int:
    digest = hashlib.sha256(f"hepar-cohort:{cohort_seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:3], "big")


def cohort_plan(n_enrolled: int, *, seed: int = 0) -> list[CohortMember]:
    """Enrolled patients and screen failures of a cohort, in screening order.

    Examples
    --------
    >>> plan = cohort_plan(6, seed=1)
    >>> sum(m.fails is None for m in plan), sum(m.fails is not None for m in plan)
    (6, 2)
    """
    check_seed(seed)
    if not 1 <= n_enrolled <= 1000:
        from hepar.errors import InvalidValueError

        raise InvalidValueError(field="cohort", value=n_enrolled, expected="1 to 1000 patients")
    n_failures = max(1, round(n_enrolled / 3))
    criteria = list(FAILURE_CRITERIA)
    order = stream(seed, "cohort").permutation(n_enrolled + n_failures)
    members = []
    failure = 0
    for index in range(n_enrolled + n_failures):
        member_seed = _member_seed(seed, index)
        if order[index] < n_failures:
            members.append(CohortMember(member_seed, criteria[failure % len(criteria)]))
            failure += 1
        else:
            members.append(CohortMember(member_seed, None))
    return members


def _set_lab(labs: list[LabValue], analyte: str, value: float) -> list[LabValue]:
    return [lab.model_copy(update={"value": value}) if lab.analyte.value == analyte else lab
            for lab in labs]


def screen_failure_candidate(member: CohortMember) -> Candidate:
    """The screening record of a candidate who fails ``member.fails`` (and nothing else)."""
    if member.fails is None or member.fails not in FAILURE_CRITERIA:
        from hepar.errors import InvalidValueError

        raise InvalidValueError(field="fails", value=member.fails,
                                expected=f"one of {sorted(FAILURE_CRITERIA)}")
    seed = member.seed
    weight, anatomy = patient_anatomy(seed)
    timeline = patient_timeline(seed)
    rng = stream(seed, "clinical")
    treatment_day = timeline.treatment.date()
    people = draw_demographics(rng, treatment_day)
    screening = treatment_day - timedelta(days=int(rng.integers(14, 36)))
    diameters = {f"L{lesion.number}": lesion.diameter_mm for lesion in anatomy.lesions}
    volume = sum(4.0 / 3.0 * np.pi * (d / 2.0) ** 3 for d in diameters.values()) / MM3_PER_ML
    involvement = round(min(60.0, 100.0 * volume / 1700.0), 1)  # of a 1.7 L liver
    cycles = tuple((t.date(), 7400.0) for t in timeline.lu177_cycles)
    candidate = build_candidate(
        rng, patient_id=member.patient_id, demographics=people, weight_kg=round(weight, 1),
        screening=screening, treatment_day=treatment_day, lesion_diameters_mm=diameters,
        involvement_pct=involvement, cycles=cycles, slice_thickness_mm=3.0,
    )
    refs = {lab.analyte.value: lab for lab in candidate.labs}
    change: dict[str, object]
    match member.fails:
        case "I4":
            last = treatment_day - timedelta(weeks=24)
            shifted = [LutetiumCycle(administered_on=last - timedelta(weeks=8 * (3 - k)),
                                     activity_mbq=7400.0) for k in range(4)]
            change = {"lutetium_cycles": shifted}
        case "I6":
            change = {"who_performance_status": 3}
        case "I7":
            two = dict(sorted(diameters.items())[:2])
            change = {"lesions": [lesion for lesion in candidate.lesions if lesion.id in two]}
        case "E6":
            uln = refs["bilirubin"].uln or 17.0
            change = {"labs": _set_lab(candidate.labs, "bilirubin", round(2.2 * uln))}
        case "E7":
            change = {"labs": _set_lab(candidate.labs, "creatinine", 240.0)}
        case "E8":
            uln = refs["alt"].uln or 45.0
            change = {"labs": _set_lab(candidate.labs, "alt", round(6.0 * uln))}
        case "E9":
            change = {"labs": _set_lab(candidate.labs, "platelets", 40.0)}
        case "E19":
            change = {"weight_kg": 158.0}
        case _:  # "E21"
            change = {"liver_tumour_involvement_pct": 75.0}
    return Candidate.model_validate({**candidate.model_dump(), **change})


