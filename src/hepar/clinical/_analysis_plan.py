"""The statistical analysis plan as data: the ``analysis:`` section of a protocol file.

Read by :mod:`hepar.analysis`; a site changes the plan by editing its protocol file, not the code.
Values that the study papers do not give are hepar defaults and say so in the shipped files.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from hepar.clinical._base import LenientEnum, Record
from hepar.errors import InvalidValueError

__all__ = ["AnalysisPlan", "Population", "SimonDesign"]


class Population(LenientEnum):
    """Analysis populations (ICH E9): who is counted in a denominator."""

    ALL_TREATED = "all treated"
    PER_PROTOCOL = "per protocol"
    INTENTION_TO_TREAT = "intention to treat"


class SimonDesign(Record):
    """A Simon two-stage design (Simon, Control Clin Trials 1989;10:1).

    Stop after stage 1 when at most ``r1`` of ``n1`` respond; reject the null response rate at
    the end when more than ``r`` of ``n`` respond.
    """

    r1: int = Field(ge=0)
    n1: int = Field(ge=1)
    r: int = Field(ge=0)
    n: int = Field(ge=2)
    kind: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _check(self) -> SimonDesign:
        if not (self.r1 < self.n1 < self.n and self.r1 <= self.r < self.n):
            raise InvalidValueError(
                field="analysis.simon_design",
                value=f"r1={self.r1}, n1={self.n1}, r={self.r}, n={self.n}",
                expected="r1 < n1 < n and r1 <= r < n",
            )
        return self


class AnalysisPlan(Record):
    """Statistical analysis plan settings.

    Parameters
    ----------
    primary_visit
        Visit id of the primary endpoint assessment (RECIST 1.1 at 3 months).
    treated_volume_only
        Primary response in the treated liver volume (Braat et al., Lancet Oncol 2020).
    primary_population, safety_population
        Denominators of the primary endpoint and of the safety tables.
    not_evaluable_as_non_response
        Also report the primary rate over all treated, NE counted as non-response (HEPAR II).
    response_rate_null, response_rate_alternative, alpha, power
        Hypotheses of the single-arm response test (one-sided exact binomial).
    simon_design
        A two-stage design to decide on, when the study has one.
    confidence_level
        Of every interval reported.
    confirmation_days
        Minimum interval of a confirmed response (RECIST 1.1, section 4.6).
    qol_baseline_visit, qol_visits, qol_threshold_points
        QoL change from this baseline at these visits; improved / worse by this many points
        (Osoba et al., J Clin Oncol 1998;16:139).
    safety_window_days
        Adverse events counted up to this many days after treatment (1 year, NCT02067988).
    lesion_response_decrease_pct
        A lesion responds when its diameter falls by at least this much at the primary visit
        (the RECIST 1.1 partial-response threshold applied per lesion).
    bootstrap_samples
        Cluster-bootstrap resamples for the dose for 50 % response (0: delta method only).
    """

    primary_visit: str = "fu-3m"
    treated_volume_only: bool = True
    primary_population: Population = Population.PER_PROTOCOL
    safety_population: Population = Population.ALL_TREATED
    not_evaluable_as_non_response: bool = True
    response_rate_null: float = Field(default=0.10, gt=0, lt=1)
    response_rate_alternative: float = Field(default=0.30, gt=0, lt=1)
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    power: float = Field(default=0.80, gt=0.5, lt=1)
    simon_design: SimonDesign | None = None
    confidence_level: float = Field(default=0.95, gt=0.5, lt=1)
    confirmation_days: int = Field(default=28, ge=0)
    qol_baseline_visit: str = "screening"
    qol_visits: list[str] = Field(default_factory=lambda: ["fu-3m", "fu-6m"])
    qol_threshold_points: float = Field(default=10.0, gt=0)
    safety_window_days: int = Field(default=365, ge=1)
    lesion_response_decrease_pct: float = Field(default=30.0, gt=0, lt=100)
    bootstrap_samples: int = Field(default=0, ge=0, le=10000)
    source: str = ""

    @model_validator(mode="after")
    def _check(self) -> AnalysisPlan:
        if not self.response_rate_alternative > self.response_rate_null:
            raise InvalidValueError(
                field="analysis.response_rate_alternative",
                value=self.response_rate_alternative,
                expected=f"a rate above response_rate_null ({self.response_rate_null})",
            )
        return self
