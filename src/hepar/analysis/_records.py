"""The typed inputs of the study analysis: one record per screened person and per patient.

The services (or a test) fill them from the store or from the virtual cohort; the analysis reads
nothing else. Dates are the site's calendar dates; doses in Gy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from hepar.clinical import AdverseEvent, LabValue, QuestionnaireAnswers, RecistReads
from hepar.errors import InvalidValueError

__all__ = ["LesionRecord", "PatientDosimetry", "PatientRecord", "ScreeningRecord"]


@dataclass(frozen=True)
class ScreeningRecord:
    """One screened candidate: eligible or the criteria failed; enrolled or not."""

    candidate_id: str
    eligible: bool
    failed_criteria: tuple[str, ...] = ()
    enrolled: bool = False


@dataclass(frozen=True)
class LesionRecord:
    """One lesion for the dose-response analysis.

    ``dose_gy`` is the lesion's mean absorbed dose from 166Ho treatment; ``baseline_mm`` and
    ``follow_up_mm`` its longest diameters at baseline and at the primary visit (``None``: not
    measured at follow-up). ``dose_reliable`` false: the dose could not be measured reliably
    (e.g. a VOI below the imaging's resolution limit); the lesion is left out of the
    dose-response fit and counted there as excluded.
    """

    patient_id: str
    lesion_id: str
    dose_gy: float
    baseline_mm: float
    follow_up_mm: float | None
    in_treated_volume: bool = True
    dose_reliable: bool = True

    def __post_init__(self) -> None:
        if not self.dose_gy >= 0:
            raise InvalidValueError(field=f"lesions[{self.lesion_id}].dose_gy",
                                    value=self.dose_gy, expected="a dose >= 0 Gy")
        if not self.baseline_mm > 0:
            raise InvalidValueError(field=f"lesions[{self.lesion_id}].baseline_mm",
                                    value=self.baseline_mm, expected="a diameter > 0 mm")


@dataclass(frozen=True)
class PatientDosimetry:
    """Per-patient mean absorbed doses (Gy): scout-predicted and post-treatment 166Ho, and the
    177Lu dose of the four cycles before. ``None`` where not computed.

    ``lu177_effective_half_life_h`` is the effective half-life of the 177Lu dose rate used for
    its BED (``None``: physical decay); 166Ho microspheres are permanent implants (physical decay).
    """

    patient_id: str
    tumour_predicted_gy: float | None = None
    tumour_gy: float | None = None
    non_tumour_liver_predicted_gy: float | None = None
    non_tumour_liver_gy: float | None = None
    lung_predicted_gy: float | None = None
    lung_gy: float | None = None
    lu177_tumour_gy: float | None = None
    lu177_non_tumour_liver_gy: float | None = None
    lu177_effective_half_life_h: float | None = None
    administered_activity_mbq: float | None = None
    source: str = ""


@dataclass(frozen=True)
class PatientRecord:
    """Everything the analysis needs of one enrolled patient.

    ``treatment_date`` ``None``: enrolled, not treated. ``qol`` maps a visit id (``"screening"``,
    ``"fu-3m"``) to the answers (QLQ-C30 items 1-30, GI.NET21 31-51). ``last_known_alive`` ends
    follow-up for OS when there is no ``death_date``.
    """

    patient_id: str
    treatment_date: date | None
    recist: RecistReads | None = None
    qol: Mapping[str, QuestionnaireAnswers] = field(default_factory=dict)
    adverse_events: Sequence[AdverseEvent] = ()
    labs: Sequence[LabValue] = ()
    death_date: date | None = None
    last_known_alive: date | None = None
    dosimetry: PatientDosimetry | None = None
    lesions: Sequence[LesionRecord] = ()

    @property
    def treated(self) -> bool:
        """Whether the patient received the 166Ho treatment."""
        return self.treatment_date is not None
