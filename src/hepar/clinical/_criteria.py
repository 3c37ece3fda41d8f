"""The rules a protocol's criteria are written in (the ``rule:`` of each criterion in the protocol
file). Each rule, evaluated on a candidate, says whether the criterion *as written* holds."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import Field, model_validator

from hepar.clinical._base import LenientEnum, Record, register_aliases
from hepar.clinical._candidate import Sex
from hepar.clinical._units import Analyte, LabUnit, check_unit
from hepar.errors import InvalidValueError

__all__ = [
    "AgeRule",
    "AllRule",
    "AnyRule",
    "AttestationRule",
    "Comparison",
    "CriterionType",
    "EgfrRule",
    "EventRecordedRule",
    "FactRule",
    "LabRule",
    "LutetiumRule",
    "MeasurableLesionsRule",
    "NumberRule",
    "Rule",
    "SexRule",
    "WithinRule",
]


class CriterionType(LenientEnum):
    """Inclusion or exclusion."""

    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"


class Comparison(LenientEnum):
    """A comparison of a value with a threshold."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="

    def holds(self, value: float, threshold: float) -> bool:
        """``value <op> threshold``."""
        return _OPERATORS[self](value, threshold)

    @property
    def symbol(self) -> str:
        """The comparison as printed (``≥``)."""
        return {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}[self.value]


register_aliases(Comparison, {"≤": "<=", "≥": ">=", "=<": "<=", "=>": ">="})

_OPERATORS: dict[Comparison, Callable[[float, float], bool]] = {
    Comparison.LT: operator.lt,
    Comparison.LE: operator.le,
    Comparison.GT: operator.gt,
    Comparison.GE: operator.ge,
}


class AttestationRule(Record):
    """A judgement: holds when a named user attested so (never guessed)."""

    kind: Literal["attestation"]


class FactRule(Record):
    """Holds when the yes/no finding ``fact`` of the record equals ``equals``."""

    kind: Literal["fact"]
    fact: str = Field(min_length=1)
    equals: bool = True


class SexRule(Record):
    """Holds when the candidate's sex is ``sex`` (used inside ``all`` / ``any``)."""

    kind: Literal["sex"]
    sex: Sex


class AgeRule(Record):
    """Age on the screening date compared with ``years``."""

    kind: Literal["age"]
    op: Comparison
    years: float = Field(ge=0)


class NumberRule(Record):
    """A numeric field of the record compared with ``threshold``."""

    kind: Literal["number"]
    field: Literal[
        "who_performance_status",
        "unresolved_toxicity_grade",
        "weight_kg",
        "height_cm",
        "liver_tumour_involvement_pct",
    ]
    op: Comparison
    threshold: float
    unit: str = ""


class LabRule(Record):
    """The latest lab value of ``analyte`` compared with ``threshold``.

    The threshold is absolute in ``unit``, or a multiple of the lab's ULN / LLN (``relative_to``).
    """

    kind: Literal["lab"]
    analyte: Analyte
    op: Comparison
    threshold: float = Field(ge=0)
    unit: LabUnit | None = None
    relative_to: Literal["ULN", "LLN"] | None = None

    @model_validator(mode="after")
    def _one_reference(self) -> LabRule:
        if (self.unit is None) == (self.relative_to is None):
            raise InvalidValueError(
                field="rule",
                value=f"unit={self.unit}, relative_to={self.relative_to}",
                expected="exactly one of unit (absolute threshold) or relative_to (ULN / LLN)",
            )
        if self.unit is not None:
            check_unit(self.analyte, self.unit)
        return self


class EgfrRule(Record):
    """eGFR by the MDRD equation compared with ``threshold_ml_min``.

    ``form`` records which form the site uses (REFERENCE.md): per 1.73 m² (the equation's own
    output) or absolute mL/min (x BSA / 1.73, Du Bois; needs weight and height).
    """

    kind: Literal["egfr"]
    op: Comparison
    threshold_ml_min: float = Field(gt=0)
    form: Literal["per 1.73 m2", "absolute"] = "per 1.73 m2"


class LutetiumRule(Record):
    """Prior 177Lu-dotatate: number of cycles, activity per cycle, and the interval from the last
    cycle to the planned 166Ho radioembolization (``min_weeks`` to ``max_weeks``, inclusive).

    The number of cycles must lie in ``min_cycles`` to ``max_cycles`` (inclusive; no upper limit
    when ``max_cycles`` is not given). "Treated with 4 cycles" is ``min_cycles: 4, max_cycles: 4``.
    """

    kind: Literal["lutetium"]
    min_cycles: int = Field(ge=1)
    max_cycles: int | None = Field(default=None, ge=1)
    activity_mbq: float | None = Field(default=None, gt=0)
    activity_tolerance_pct: float = Field(default=10.0, ge=0)
    min_weeks: float = Field(default=0.0, ge=0)
    max_weeks: float = Field(gt=0)

    @model_validator(mode="after")
    def _cycle_range(self) -> LutetiumRule:
        if self.max_cycles is not None and self.max_cycles < self.min_cycles:
            raise InvalidValueError(
                field="max_cycles",
                value=self.max_cycles,
                expected=f"a number of cycles >= min_cycles ({self.min_cycles})",
            )
        return self


class MeasurableLesionsRule(Record):
    """At least ``min_count`` lesions in ``organ`` measurable by RECIST 1.1."""

    kind: Literal["measurable_lesions"]
    organ: str = Field(min_length=1)
    min_count: int = Field(ge=1)


class WithinRule(Record):
    """Holds when ``event`` happened less than ``weeks`` before the start of study therapy."""

    kind: Literal["within"]
    event: str = Field(min_length=1)
    weeks: float = Field(gt=0)


class EventRecordedRule(Record):
    """Holds when ``event`` is recorded with a date on or before the screening date."""

    kind: Literal["event_recorded"]
    event: str = Field(min_length=1)


class AnyRule(Record):
    """Holds when any of ``rules`` holds ("and/or" in a criterion)."""

    kind: Literal["any"]
    rules: list[Rule] = Field(min_length=1)


class AllRule(Record):
    """Holds when all of ``rules`` hold (e.g. "female patients who ...")."""

    kind: Literal["all"]
    rules: list[Rule] = Field(min_length=1)


Rule = Annotated[
    AttestationRule
    | FactRule
    | SexRule
    | AgeRule
    | NumberRule
    | LabRule
    | EgfrRule
    | LutetiumRule
    | MeasurableLesionsRule
    | WithinRule
    | EventRecordedRule
    | AnyRule
    | AllRule,
    Field(discriminator="kind"),
]

AnyRule.model_rebuild()
AllRule.model_rebuild()
