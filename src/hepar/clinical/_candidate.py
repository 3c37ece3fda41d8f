"""The record of a candidate at screening: what the eligibility engine reads.

The same record type is produced by the virtual-patient generator (``hepar.phantoms``), by the
store and by ``hepar screen CANDIDATE.json``.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import (
    AwareDatetime,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from hepar.clinical._base import LenientEnum, Record, register_aliases, require_unique_ids
from hepar.clinical._labs import LabValue
from hepar.clinical._recist_records import ImagingMethod
from hepar.clinical._units import Analyte
from hepar.errors import InvalidValueError

__all__ = ["Attestation", "BaselineLesion", "Candidate", "LutetiumCycle", "Sex"]


class Sex(LenientEnum):
    """Sex as recorded (the MDRD equation and some criteria use it)."""

    FEMALE = "female"
    MALE = "male"


register_aliases(Sex, {"f": "female", "m": "male", "woman": "female", "man": "male"})


class LutetiumCycle(Record):
    """One cycle of 177Lu-dotatate before 166Ho radioembolization."""

    administered_on: date
    activity_mbq: StrictFloat | None = Field(default=None, gt=0)


class Attestation(Record):
    """A judgement on one criterion, recorded by a named user (DESIGN.md: never guessed).

    Parameters
    ----------
    criterion
        The criterion id in the protocol (``"E10"``).
    met
        Whether the criterion as written holds for the candidate (for an exclusion criterion,
        ``True`` excludes).
    attested_by
        Who made the judgement (user name).
    attested_at
        When (timezone-aware).
    note
        Free text.
    """

    criterion: str = Field(min_length=1)
    met: StrictBool
    attested_by: str = Field(min_length=1)
    attested_at: AwareDatetime
    note: str = ""


class BaselineLesion(Record):
    """A lesion measured on the screening CT or MRI (for the RECIST measurability rules)."""

    id: str = Field(min_length=1)
    organ: str = Field(min_length=1)
    diameter_mm: StrictFloat = Field(ge=0)
    nodal: StrictBool = False
    method: ImagingMethod = ImagingMethod.CT
    slice_thickness_mm: StrictFloat | None = Field(default=None, gt=0)
    locally_treated: StrictBool = False

    @field_validator("organ")
    @classmethod
    def _lower(cls, organ: str) -> str:
        return organ.lower()


class Candidate(Record):
    """Everything the eligibility criteria are evaluated on.

    Parameters
    ----------
    id
        Screening number or pseudonym (never a name).
    screening_date
        Date of the screening visit; ages are computed on it.
    treatment_date
        Planned date of 166Ho radioembolization; windows "before the start of study therapy" are
        counted back from it (from the screening date when not set, except the 177Lu window,
        which needs it).
    sex, birth_date, age_years
        Demographics; ``age_years`` is used when no birth date is recorded.
    weight_kg, height_cm
        Body size (height is needed only for a BSA-adjusted eGFR).
    black
        Apply the 1.212 coefficient of the MDRD equation.
    who_performance_status
        WHO (ECOG) performance status 0-5.
    unresolved_toxicity_grade
        Worst CTCAE grade of any unresolved toxicity from previous anti-cancer therapy (0 = none).
    liver_tumour_involvement_pct
        Tumour volume / liver volume x 100 (from the imaging layer's masks, or a reader's estimate).
    labs
        Laboratory results; the latest of each analyte is used.
    lesions
        Lesions measured at screening.
    lutetium_cycles
        177Lu-dotatate cycles received.
    events
        Last date of an event (``"radiotherapy"``, ``"chemotherapy"``, ``"major surgery"``,
        ``"informed consent"``); ``null`` records that it never happened; a key that is absent is
        missing data.
    facts
        Yes/no findings (``"pregnant"``, ``"severe contrast allergy"`` ...); absent = missing data.
    attestations
        Judgements on the criteria that need one.
    """

    id: str = Field(min_length=1)
    screening_date: date
    treatment_date: date | None = None
    sex: Sex | None = None
    birth_date: date | None = None
    age_years: StrictFloat | None = Field(default=None, ge=0, le=130)
    weight_kg: StrictFloat | None = Field(default=None, gt=0, le=500)
    height_cm: StrictFloat | None = Field(default=None, gt=0, le=300)
    black: StrictBool = False
    who_performance_status: StrictInt | None = Field(default=None, ge=0, le=5)
    unresolved_toxicity_grade: StrictInt | None = Field(default=None, ge=0, le=5)
    liver_tumour_involvement_pct: StrictFloat | None = Field(default=None, ge=0, le=100)
    labs: list[LabValue] = Field(default_factory=list)
    lesions: list[BaselineLesion] = Field(default_factory=list)
    lutetium_cycles: list[LutetiumCycle] = Field(default_factory=list)
    events: dict[str, date | None] = Field(default_factory=dict)
    facts: dict[str, StrictBool] = Field(default_factory=dict)
    attestations: list[Attestation] = Field(default_factory=list)

    @field_validator("events", "facts")
    @classmethod
    def _normalise_keys(cls, values: dict[str, object]) -> dict[str, object]:
        keys: dict[str, str] = {}
        for name in values:
            key = _key(name)
            if key in keys:
                raise InvalidValueError(
                    field=name, value=name,
                    expected=f"one entry per name ({keys[key]!r} is the same after normalising "
                    "case, spaces and underscores)",
                )
            keys[key] = name
        return {_key(name): value for name, value in values.items()}

    @model_validator(mode="after")
    def _check(self) -> Candidate:
        require_unique_ids((lesion.id for lesion in self.lesions), field="lesions",
                           what="lesion id")
        if self.birth_date is not None and self.birth_date > self.screening_date:
            raise InvalidValueError(
                field="birth_date",
                value=self.birth_date.isoformat(),
                expected=f"a date before the screening date ({self.screening_date.isoformat()})",
            )
        self._check_time_order()
        self._check_labs()
        self._check_attestations()
        if self.sex is Sex.MALE and self.fact("pregnant"):
            raise InvalidValueError(field="facts.pregnant", value=True,
                                    expected="false or absent for a male candidate")
        return self

    def _check_time_order(self) -> None:
        """Treatment on or after screening, every 177Lu cycle before the 166Ho treatment."""
        if self.treatment_date is not None and self.treatment_date < self.screening_date:
            raise InvalidValueError(
                field="treatment_date", value=self.treatment_date.isoformat(),
                expected=f"a date on or after the screening date "
                f"({self.screening_date.isoformat()})",
            )
        born = self.birth_date
        for index, cycle in enumerate(self.lutetium_cycles):
            if self.treatment_date is not None and cycle.administered_on >= self.treatment_date:
                raise InvalidValueError(
                    field=f"lutetium_cycles[{index}].administered_on",
                    value=cycle.administered_on.isoformat(),
                    expected="a date before the 166Ho treatment "
                    f"({self.treatment_date.isoformat()}); 177Lu-dotatate cycles come first",
                )
            if born is not None and cycle.administered_on < born:
                raise InvalidValueError(
                    field=f"lutetium_cycles[{index}].administered_on",
                    value=cycle.administered_on.isoformat(),
                    expected=f"a date after the birth date ({born.isoformat()})",
                )

    def _check_labs(self) -> None:
        """No two different results of one analyte on the same day (or both undated)."""
        seen: dict[tuple[Analyte, date | None], LabValue] = {}
        for index, lab in enumerate(self.labs):
            key = (lab.analyte, lab.sampled_on)
            earlier = seen.get(key)
            if earlier is not None and earlier != lab:
                when = lab.sampled_on.isoformat() if lab.sampled_on else "undated"
                raise InvalidValueError(
                    field=f"labs[{index}]", value=f"{lab.analyte.value} {lab.describe()} ({when})",
                    expected=f"one result per analyte and day (also {earlier.describe()}); give "
                    "sampled_on to tell them apart or remove one",
                )
            seen[key] = lab

    def _check_attestations(self) -> None:
        """No criterion attested both met and not met at the same moment (a later attestation
        corrects an earlier one: :meth:`attestation_for` takes the latest)."""
        verdicts: dict[tuple[str, datetime], bool] = {}
        for index, attestation in enumerate(self.attestations):
            key = (attestation.criterion, attestation.attested_at)
            earlier = verdicts.setdefault(key, attestation.met)
            if earlier != attestation.met:
                raise InvalidValueError(
                    field=f"attestations[{index}].met", value=attestation.met,
                    expected=f"{earlier}, as attested for {attestation.criterion} at the same time "
                    f"({attestation.attested_at.isoformat()}); one verdict per criterion and "
                    "moment",
                )

    def age_on(self, day: date) -> float | None:
        """Age in completed years on ``day`` (from the birth date), else ``age_years``."""
        if self.birth_date is None:
            return self.age_years
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return float(years)

    def latest_lab(self, analyte: Analyte | str) -> LabValue | None:
        """The most recent result of ``analyte`` (undated results count as oldest)."""
        kind = Analyte(analyte)
        found = [lab for lab in self.labs if lab.analyte is kind]
        if not found:
            return None
        return max(
            enumerate(found), key=lambda item: (item[1].sampled_on or date.min, item[0])
        )[1]

    def attestation_for(self, criterion: str) -> Attestation | None:
        """The latest attestation recorded for ``criterion``."""
        found = [a for a in self.attestations if a.criterion == criterion]
        return max(found, key=lambda a: a.attested_at) if found else None

    def fact(self, name: str) -> bool | None:
        """A yes/no finding, ``None`` when not recorded."""
        return self.facts.get(_key(name))

    def has_event(self, name: str) -> bool:
        """Whether the record says anything about event ``name`` (a date or ``null``)."""
        return _key(name) in self.events

    def event(self, name: str) -> date | None:
        """Last date of event ``name`` (``None``: never, or not recorded; see :meth:`has_event`)."""
        return self.events.get(_key(name))


def _key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())
