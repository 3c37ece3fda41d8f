"""Progression-free and overall survival from the patients' records (Kaplan-Meier).

- PFS (overall): from treatment to the first RECIST 1.1 progression over all lesions or death;
  censored at the last RECIST assessment.
- Liver PFS: the same over the lesions in the treated liver volume and new lesions in it
  (``RecistSettings.treated_volume_only``); death counts as an event.
- OS: from treatment to death; censored when last known alive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hepar.clinical import assess_recist

from ._records import PatientRecord
from ._survival import KaplanMeier, kaplan_meier

__all__ = ["DAYS_PER_MONTH", "SurvivalEndpoints", "TimeToEvent", "survival_endpoints"]

#: Mean Gregorian month (365.25 / 12 days), the month of survival times.
DAYS_PER_MONTH = 365.25 / 12.0


@dataclass(frozen=True)
class TimeToEvent:
    """One patient's time (months from treatment) and whether it ends in the event."""

    patient_id: str
    months: float
    event: bool


@dataclass(frozen=True)
class SurvivalEndpoints:
    """The three time-to-event endpoints: per-patient times and their KM curves."""

    pfs: KaplanMeier
    liver_pfs: KaplanMeier
    os: KaplanMeier
    times: dict[str, list[TimeToEvent]]


def _months(start: date, end: date) -> float:
    return max((end - start).days, 0) / DAYS_PER_MONTH


def _pfs(patient: PatientRecord, *, liver: bool) -> TimeToEvent | None:
    if patient.treatment_date is None or patient.recist is None:
        return None
    reads = patient.recist.model_copy(update={"settings": patient.recist.settings.model_copy(
        update={"treated_volume_only": liver, "confirmation": False})})
    result = assess_recist(reads)
    start = patient.treatment_date
    progression = result.date_of_progression
    last = result.timepoints[-1].date
    death = patient.death_date
    if progression is not None and (death is None or progression <= death):
        return TimeToEvent(patient.patient_id, _months(start, progression), True)
    if death is not None:
        return TimeToEvent(patient.patient_id, _months(start, death), True)
    return TimeToEvent(patient.patient_id, _months(start, max(last, start)), False)


def _os(patient: PatientRecord) -> TimeToEvent | None:
    if patient.treatment_date is None:
        return None
    if patient.death_date is not None:
        return TimeToEvent(patient.patient_id, _months(patient.treatment_date,
                                                       patient.death_date), True)
    last = patient.last_known_alive
    if last is None and patient.recist is not None:
        last = patient.recist.timepoints[-1].date
    return TimeToEvent(patient.patient_id,
                       _months(patient.treatment_date, last or patient.treatment_date), False)


def survival_endpoints(patients: Sequence[PatientRecord], *, confidence_level: float = 0.95
                       ) -> SurvivalEndpoints:
    """KM estimates of PFS, liver PFS and OS over the treated patients."""
    times: dict[str, list[TimeToEvent]] = {"pfs": [], "liver_pfs": [], "os": []}
    for patient in patients:
        for key, value in (("pfs", _pfs(patient, liver=False)),
                           ("liver_pfs", _pfs(patient, liver=True)), ("os", _os(patient))):
            if value is not None:
                times[key].append(value)

    def curve(key: str, name: str) -> KaplanMeier:
        rows = times[key] or [TimeToEvent("-", 0.0, False)]
        return kaplan_meier([r.months for r in rows], [r.event for r in rows], name=name,
                            unit="months", confidence_level=confidence_level)

    return SurvivalEndpoints(curve("pfs", "PFS"), curve("liver_pfs", "Liver PFS (treated volume)"),
                             curve("os", "OS"), times)
