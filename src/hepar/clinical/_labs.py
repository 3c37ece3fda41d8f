"""A laboratory value with its unit and the lab's own reference range."""

from __future__ import annotations

import math
from datetime import date

from pydantic import StrictFloat, ValidationInfo, field_validator, model_validator

from hepar.clinical._base import Record
from hepar.clinical._units import Analyte, LabUnit, check_unit, convert_lab_value
from hepar.errors import InvalidValueError

__all__ = ["LabValue"]


def _non_negative(value: float | None, field: str) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or value < 0:
        raise InvalidValueError(field=field, value=value, expected="a finite number >= 0")
    return value


class LabValue(Record):
    """One laboratory result.

    Parameters
    ----------
    analyte
        What was measured (:class:`Analyte`, or its name: ``"bilirubin"``, ``"hb"`` ...).
    value
        The result, in ``unit`` (>= 0).
    unit
        Its unit (:class:`LabUnit` or its text: ``"µmol/L"``, ``"mg/dL"``, ``"mmol/L"`` ...).
    lln, uln
        Lower and upper limit of normal of the reporting lab, in the same ``unit``.
    sampled_on
        Date the sample was taken.

    Examples
    --------
    >>> bili = LabValue(analyte="bilirubin", value=34.2, unit="umol/L", uln=17.1)
    >>> bili.times_uln
    2.0
    >>> round(bili.in_unit("mg/dL"), 3)
    2.0
    """

    analyte: Analyte
    value: StrictFloat
    unit: LabUnit
    lln: StrictFloat | None = None
    uln: StrictFloat | None = None
    sampled_on: date | None = None

    @field_validator("value")
    @classmethod
    def _check_value(cls, value: float) -> float:
        checked = _non_negative(value, "value")
        assert checked is not None
        return checked

    @field_validator("lln", "uln")
    @classmethod
    def _check_limits(cls, value: float | None, info: ValidationInfo) -> float | None:
        return _non_negative(value, info.field_name or "limit of normal")

    @model_validator(mode="after")
    def _check_consistency(self) -> LabValue:
        check_unit(self.analyte, self.unit)
        if self.uln is not None and self.uln <= 0:
            raise InvalidValueError(field="uln", value=self.uln, expected="a number > 0")
        if self.lln is not None and self.uln is not None and self.lln >= self.uln:
            raise InvalidValueError(
                field="lln", value=self.lln, expected=f"a number below uln ({self.uln})"
            )
        return self

    def in_unit(self, unit: LabUnit | str) -> float:
        """The value converted to ``unit``."""
        return convert_lab_value(
            self.value, analyte=self.analyte, from_unit=self.unit, to_unit=unit
        )

    @property
    def times_uln(self) -> float | None:
        """The value as a multiple of the upper limit of normal (``None`` without a ULN)."""
        return None if self.uln is None else self.value / self.uln

    def describe(self) -> str:
        """Value, unit and reference range as one short text."""
        text = f"{self.value:g} {self.unit.value}"
        limits = []
        if self.lln is not None:
            limits.append(f"LLN {self.lln:g}")
        if self.uln is not None:
            limits.append(f"ULN {self.uln:g}")
        return text + (f" ({', '.join(limits)})" if limits else "")
