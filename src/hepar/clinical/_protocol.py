"""The study protocol as data: one versioned YAML file, validated by :class:`Protocol`.

Two versions ship in ``hepar/clinical/protocols/``: ``registry`` (the ClinicalTrials.gov record of
NCT02067988, the default) and ``paper-v6`` (Braat et al., BMC Gastroenterol 2018;18:84, protocol
version 6). A site's own variant is a copy of one of them, passed by its path. The files are read by
:func:`hepar.io.load_protocol`; this module holds the model only.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from hepar.clinical._analysis_plan import AnalysisPlan
from hepar.clinical._base import Record
from hepar.clinical._criteria import CriterionType, Rule
from hepar.clinical._plausibility import Plausibility
from hepar.clinical._recist_records import RecistSettings
from hepar.errors import InvalidValueError

__all__ = [
    "DEFAULT_PROTOCOL",
    "Criterion",
    "Endpoint",
    "PlanningLimits",
    "Prescription",
    "Protocol",
    "RecistRules",
    "Visit",
]

SCHEMA_VERSION = 1
DEFAULT_PROTOCOL = "registry"


class Criterion(Record):
    """One inclusion or exclusion criterion: its text as written and the rule that evaluates it."""

    id: str = Field(min_length=1)
    type: CriterionType
    text: str = Field(min_length=1)
    rule: Rule
    note: str = ""


class Visit(Record):
    """A scheduled visit, placed relative to an anchor visit.

    ``offset_days`` from the anchor's planned date; the visit is in window from
    ``offset_days - window_before_days`` to ``offset_days + window_after_days``.
    """

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    anchor: str | None = None
    offset_days: int = 0
    window_before_days: int = Field(default=0, ge=0)
    window_after_days: int = Field(default=0, ge=0)
    procedures: list[str] = Field(default_factory=list)
    source: str = ""


class Endpoint(Record):
    """A study endpoint."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    primary: bool = False
    measure: str
    time_frame: str
    instrument: str = ""
    population: str = ""


class Prescription(Record):
    """The 166Ho prescription: a mean absorbed dose to the treated liver volume.

    The activity per kg of treated liver follows from the local-deposition relation
    D = A x E / m, i.e. A / m = D / E (E = absorbed energy per MBq administered, full decay).

    Examples
    --------
    >>> p = Prescription(mean_dose_treated_liver_gy=60.0, absorbed_energy_mj_per_mbq=15.87)
    >>> round(p.activity_mbq_per_kg)
    3781
    """

    nuclide: str = "Ho-166"
    mean_dose_treated_liver_gy: float = Field(gt=0)
    absorbed_energy_mj_per_mbq: float = Field(gt=0)
    tissue_density_g_per_ml: float = Field(default=1.06, gt=0)
    scout_activity_mbq: float | None = Field(default=None, gt=0)
    source: str = ""

    @property
    def activity_mbq_per_kg(self) -> float:
        """Administered activity per kg of treated liver for the prescribed mean dose."""
        return self.mean_dose_treated_liver_gy / (self.absorbed_energy_mj_per_mbq * 1e-3)

    def activity_mbq(self, treated_liver_mass_kg: float) -> float:
        """Activity in MBq that gives the prescribed mean dose to ``treated_liver_mass_kg``."""
        if not treated_liver_mass_kg > 0:
            raise InvalidValueError(
                field="treated_liver_mass_kg", value=treated_liver_mass_kg, expected="a mass > 0 kg"
            )
        return self.activity_mbq_per_kg * treated_liver_mass_kg


class PlanningLimits(Record):
    """Dose limits the treatment plan is checked against (read by ``hepar.dosimetry``)."""

    lung_dose_max_gy: float = Field(gt=0)
    liver_mean_dose_max_gy: float = Field(gt=0)
    tumour_dose_ideal_min_gy: float | None = Field(default=None, gt=0)
    lung_mass_default_kg: float = Field(default=1.0, gt=0)
    #: Extrahepatic deposition search on the scout SPECT (site settings, not published limits):
    #: a voxel outside liver and lungs counts when its concentration exceeds this fraction of the
    #: mean liver concentration, beyond this margin around the liver (SPECT spill-out), and a
    #: deposition is reported when it holds at least this fraction of the imaged activity.
    extrahepatic_threshold_fraction: float = Field(default=0.1, gt=0)
    extrahepatic_liver_margin_mm: float = Field(default=10.0, ge=0)
    extrahepatic_min_activity_fraction: float = Field(default=0.001, gt=0)
    #: Largest fraction of the scout activity the reported extrahepatic depositions may hold
    #: together before the plan fails (0: any deposition fails the plan).
    extrahepatic_fraction_max: float = Field(default=0.0, ge=0, le=1)
    source: str = ""


class RecistRules(Record):
    """How the study reads RECIST 1.1: every protocol file states both flags (no default).

    Parameters
    ----------
    treated_volume_only
        Assess only lesions in the treated liver volume (HEPAR PLUS primary endpoint, "objective
        response ... in the treated liver volume", Braat et al., Lancet Oncol 2020).
    confirmation
        CR and PR need confirmation >= 4 weeks later for the best overall response (Eisenhauer et
        al., Eur J Cancer 2009;45:228, section 4.6: required in non-randomised trials with response
        as the primary endpoint).
    source
        Where the choice comes from.

    Examples
    --------
    >>> rules = RecistRules(treated_volume_only=True, confirmation=True)
    >>> rules.settings().treated_volume_only, rules.settings().min_confirmation_days
    (True, 28)
    """

    treated_volume_only: bool
    confirmation: bool
    source: str = ""

    def settings(self) -> RecistSettings:
        """The :class:`RecistSettings` of this study (other settings at their RECIST defaults)."""
        return RecistSettings(
            treated_volume_only=self.treated_volume_only, confirmation=self.confirmation
        )


class Protocol(Record):
    """A version of the study protocol."""

    schema_version: int = SCHEMA_VERSION
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    title: str = ""
    source: str = ""
    criteria: list[Criterion] = Field(min_length=1)
    visits: list[Visit] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)
    prescription: Prescription
    planning_limits: PlanningLimits
    recist: RecistRules
    plausibility: Plausibility = Field(default_factory=Plausibility)
    #: The statistical analysis plan (read by hepar.analysis); defaults when the file has none.
    analysis: AnalysisPlan = Field(default_factory=AnalysisPlan)

    @model_validator(mode="after")
    def _check(self) -> Protocol:
        if self.schema_version != SCHEMA_VERSION:
            raise InvalidValueError(
                field="schema_version",
                value=self.schema_version,
                expected=f"{SCHEMA_VERSION} (the protocol file format this hepar reads)",
            )
        for what, ids in (
            ("criteria", [c.id for c in self.criteria]),
            ("visits", [v.id for v in self.visits]),
            ("endpoints", [e.id for e in self.endpoints]),
        ):
            seen: set[str] = set()
            for index, item_id in enumerate(ids):
                if item_id in seen:
                    raise InvalidValueError(
                        field=f"{what}[{index}].id", value=item_id, expected="a unique id"
                    )
                seen.add(item_id)
        anchors = {v.id: v.anchor for v in self.visits}
        for index, visit in enumerate(self.visits):
            if visit.anchor is not None and visit.anchor not in anchors:
                raise InvalidValueError(
                    field=f"visits[{index}].anchor",
                    value=visit.anchor,
                    expected=f"the id of another visit ({', '.join(sorted(anchors))})",
                )
            step, chain = visit.anchor, [visit.id]
            while step is not None:
                if step in chain:
                    raise InvalidValueError(
                        field=f"visits[{index}].anchor",
                        value=" -> ".join([*chain, step]),
                        expected="anchors that lead to one visit without an anchor (no cycle)",
                    )
                chain.append(step)
                step = anchors[step]
        return self

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with id ``criterion_id``."""
        for item in self.criteria:
            if item.id == criterion_id:
                return item
        raise InvalidValueError(
            field="criterion",
            value=criterion_id,
            expected=f"one of {', '.join(c.id for c in self.criteria)}",
        )

    @property
    def label(self) -> str:
        """``name (version)``."""
        return f"{self.name} ({self.version})"
