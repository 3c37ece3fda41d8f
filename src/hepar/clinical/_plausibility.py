"""Physical and clinical plausibility ranges: protocol settings that refuse absurd input.

A value outside these ranges is not a clinical finding but a typing or unit mistake (a mass in g
given as kg, a calibration a year before the administration, an age of 217): it is refused before
it becomes a plan or a verdict, and the refusal names the setting (``plausibility.<name>`` of the
protocol file) so that a site with a real exception knows what to edit.

The defaults are hepar's site settings, not published limits; what they rest on is said next to
each one. The ``plausibility:`` section of a protocol file overrides them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from pydantic import Field, model_validator

from hepar.clinical._base import Record
from hepar.clinical._candidate import Candidate
from hepar.errors import InvalidValueError

__all__ = [
    "Plausibility",
    "check_activity",
    "check_age",
    "check_calibration_interval",
    "check_candidate",
    "check_lab_date",
    "check_treated_mass",
]


class Plausibility(Record):
    """Plausibility ranges (protocol section ``plausibility:``)."""

    #: A treated volume of less than about a quarter of one Couinaud segment (a normal adult liver
    #: of 1.2-1.8 kg has 8 segments) is not a radioembolization target.
    treated_mass_kg_min: float = Field(default=0.05, gt=0)
    #: Above the heaviest hepatomegaly seen in the metastatic-NET population (about 4 kg).
    treated_mass_kg_max: float = Field(default=5.0, gt=0)
    #: Largest activity any hepar input may state (scout, administered): 60 Gy to 5 kg at
    #: 3781 MBq/kg (REFERENCE.md) is about 19 GBq.
    activity_mbq_max: float = Field(default=20000.0, gt=0)
    #: Longest time from the calibration of the 166Ho activity to its administration (7 days,
    #: more than 6 half-lives of 26.8 h: the vial would have to be 80 times the dose).
    calibration_to_administration_max_h: float = Field(default=168.0, gt=0)
    #: Oldest plausible age in years at screening.
    age_years_max: float = Field(default=120.0, gt=0)
    #: Largest difference between a recorded age and the age computed from the birth date.
    age_birth_date_tolerance_years: float = Field(default=1.0, ge=0)
    #: Oldest laboratory result accepted, in days before the screening date.
    lab_max_days_before_screening: int = Field(default=365, ge=0)
    source: str = ""

    @model_validator(mode="after")
    def _check(self) -> Plausibility:
        if self.treated_mass_kg_min >= self.treated_mass_kg_max:
            raise InvalidValueError(
                field="plausibility.treated_mass_kg_min", value=self.treated_mass_kg_min,
                expected=f"less than treated_mass_kg_max ({self.treated_mass_kg_max:g})",
            )
        return self


def _setting(name: str, protocol: str | None) -> str:
    where = f" of protocol {protocol}" if protocol else ""
    return f"(setting plausibility.{name}{where})"


def check_treated_mass(settings: Plausibility, mass_kg: float, *, field: str = "treated_mass_kg",
                       protocol: str | None = None) -> None:
    """Refuse a treated mass outside ``[treated_mass_kg_min, treated_mass_kg_max]``.

    Examples
    --------
    >>> check_treated_mass(Plausibility(), 1.2)
    >>> try:
    ...     check_treated_mass(Plausibility(), 1e9)
    ... except InvalidValueError as error:
    ...     print(error.field, "plausibility.treated_mass_kg_max" in error.expected)
    treated_mass_kg True
    """
    low, high = settings.treated_mass_kg_min, settings.treated_mass_kg_max
    if mass_kg != mass_kg or not low <= mass_kg <= high:  # NaN fails both comparisons
        name = "treated_mass_kg_min" if mass_kg == mass_kg and mass_kg < low else (
            "treated_mass_kg_max")
        raise InvalidValueError(
            field=field, value=mass_kg,
            expected=f"a treated liver mass from {low:g} to {high:g} kg {_setting(name, protocol)}",
        )


def check_activity(settings: Plausibility, activity_mbq: float, *, field: str,
                   protocol: str | None = None) -> None:
    """Refuse an activity that is not > 0 or above ``activity_mbq_max``."""
    high = settings.activity_mbq_max
    if not 0 < activity_mbq <= high:
        raise InvalidValueError(
            field=field, value=activity_mbq,
            expected=f"an activity > 0 and at most {high:g} MBq "
            f"{_setting('activity_mbq_max', protocol)}",
        )


def check_calibration_interval(settings: Plausibility, calibration: datetime,
                               administration: datetime, *, protocol: str | None = None) -> None:
    """Refuse a calibration after the administration, or longer before it than the setting."""
    hours = (administration - calibration) / timedelta(hours=1)
    if hours < 0:
        raise InvalidValueError(
            field="calibration_time", value=calibration.isoformat(),
            expected=f"a time on or before the administration time ({administration.isoformat()})"
            "; the activity is prepared before it is given",
        )
    high = settings.calibration_to_administration_max_h
    if hours > high:
        raise InvalidValueError(
            field="calibration_time", value=calibration.isoformat(),
            expected=f"at most {high:g} h before the administration ({hours:.4g} h here) "
            f"{_setting('calibration_to_administration_max_h', protocol)}",
        )


def check_age(settings: Plausibility, *, age_years: float | None, computed_years: float | None,
              birth_date: date | None = None, protocol: str | None = None) -> None:
    """Refuse an age above ``age_years_max`` or one that contradicts the birth date."""
    born = birth_date.isoformat() if birth_date is not None else None
    for value, field, shown in ((age_years, "age_years", age_years),
                                (computed_years, "birth_date", f"{born} ({computed_years:g} years)"
                                 if computed_years is not None else None)):
        if value is not None and value > settings.age_years_max:
            raise InvalidValueError(
                field=field, value=shown,
                expected=f"an age of at most {settings.age_years_max:g} years at screening "
                f"{_setting('age_years_max', protocol)}",
            )
    tolerance = settings.age_birth_date_tolerance_years
    if age_years is not None and computed_years is not None and (
            abs(age_years - computed_years) > tolerance):
        raise InvalidValueError(
            field="age_years", value=age_years,
            expected=f"the age from birth_date ({computed_years:g} years at screening) within "
            f"{tolerance:g} year(s) {_setting('age_birth_date_tolerance_years', protocol)}",
        )


def check_lab_date(settings: Plausibility, sampled_on: date, screening_date: date, *, field: str,
                   protocol: str | None = None) -> None:
    """Refuse a lab sampled after the screening date or too long before it."""
    if sampled_on > screening_date:
        raise InvalidValueError(
            field=field, value=sampled_on.isoformat(),
            expected=f"a date on or before the screening date ({screening_date.isoformat()})",
        )
    days = (screening_date - sampled_on).days
    if days > settings.lab_max_days_before_screening:
        raise InvalidValueError(
            field=field, value=sampled_on.isoformat(),
            expected=f"at most {settings.lab_max_days_before_screening} days before the screening "
            f"date ({screening_date.isoformat()}) "
            f"{_setting('lab_max_days_before_screening', protocol)}",
        )


def check_candidate(settings: Plausibility, candidate: Candidate, *,
                    protocol: str | None = None, criteria: Collection[str] | None = None) -> None:
    """The plausibility checks of a candidate at screening: age (recorded and from the birth
    date), the dates of the laboratory results and, with the protocol's ``criteria`` ids, that
    every attestation is for one of them."""
    if criteria is not None:
        for index, attestation in enumerate(candidate.attestations):
            if attestation.criterion not in criteria:
                raise InvalidValueError(
                    field=f"attestations[{index}].criterion", value=attestation.criterion,
                    expected=f"a criterion of protocol {protocol or ''} "
                    f"({', '.join(sorted(criteria))})",
                )
    computed = None
    if candidate.birth_date is not None:
        day, born = candidate.screening_date, candidate.birth_date
        computed = float(day.year - born.year - ((day.month, day.day) < (born.month, born.day)))
    check_age(settings, age_years=candidate.age_years, computed_years=computed,
              birth_date=candidate.birth_date, protocol=protocol)
    for index, lab in enumerate(candidate.labs):
        if lab.sampled_on is not None:
            check_lab_date(settings, lab.sampled_on, candidate.screening_date,
                           field=f"labs[{index}].sampled_on", protocol=protocol)
