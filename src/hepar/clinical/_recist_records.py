"""Typed records of RECIST 1.1 reads: lesions, time points, settings (Eisenhauer et al., Eur J
Cancer 2009;45:228).

The first time point of :class:`RecistReads` is the baseline. A measurement is a diameter in mm
(longest diameter for non-nodal lesions, short axis for lymph nodes), ``"too small"`` (counts 5 mm)
or ``"gone"`` (counts 0 mm); a target lesion absent from ``measurements_mm`` was not assessed.
A non-target lesion is read by its state (``"present"``, ``"absent"`` ...); a nodal non-target may
instead carry its measured short axis in mm, which decides whether it is pathological (>= 10 mm)
or normal (< 10 mm, Eisenhauer 2009, sections 3.3.1 and 4.3.2).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from hepar.clinical._base import LenientEnum, Record, register_aliases, require_unique_ids
from hepar.errors import InvalidValueError

__all__ = [
    "ImagingMethod",
    "Lesion",
    "LesionRole",
    "Measurement",
    "MeasurementCode",
    "NewLesions",
    "NonTargetState",
    "NonTargetValue",
    "RecistReads",
    "RecistSettings",
    "TimePoint",
    "non_target_state",
]

#: Eisenhauer 2009, section 3.3.1: a lymph node with short axis < 10 mm is non-pathological (not
#: recorded at baseline); section 4.3.2: non-target CR needs every node < 10 mm short axis.
NORMAL_NODE_SHORT_AXIS_MM = 10.0


class LesionRole(LenientEnum):
    """Role of a lesion chosen at baseline."""

    TARGET = "target"
    NON_TARGET = "non-target"


register_aliases(LesionRole, {"nontarget": "non-target", "non target": "non-target"})


class ImagingMethod(LenientEnum):
    """How a lesion was measured (RECIST 1.1, section 3.1: sets the minimum measurable size)."""

    CT = "CT"
    MRI = "MRI"
    CALIPER = "caliper"
    CHEST_XRAY = "chest x-ray"


register_aliases(ImagingMethod, {"mr": "MRI", "chest xray": "chest x-ray", "cxr": "chest x-ray"})


class MeasurementCode(LenientEnum):
    """Coded target measurements (Eisenhauer 2009, Appendix II)."""

    TOO_SMALL = "too small"
    GONE = "gone"


register_aliases(MeasurementCode, {"too small to measure": "too small", "disappeared": "gone"})


class NonTargetState(LenientEnum):
    """State of a non-target lesion at a time point."""

    PRESENT = "present"
    ABSENT = "absent"
    UNEQUIVOCAL_PROGRESSION = "unequivocal progression"
    NOT_ASSESSED = "not assessed"


register_aliases(
    NonTargetState,
    {
        "progression": "unequivocal progression",
        "ne": "not assessed",
        "not evaluated": "not assessed",
    },
)

def _measurement(value: object) -> object:
    if isinstance(value, MeasurementCode):
        return value
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            return MeasurementCode(value)
        except ValueError:
            number = None  # strict: "42" is not 42 mm (a diameter is a JSON number)
    if number is None or not math.isfinite(number) or number < 0:
        hint = " (leave the lesion out when it was not assessed)" if value is None else ""
        raise InvalidValueError(
            field="", value=value, expected=f'a diameter >= 0 mm, "too small" or "gone"{hint}'
        )
    return number


def _non_target_value(value: object) -> object:
    if isinstance(value, NonTargetState):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and number >= 0:
            return number
    elif isinstance(value, str):
        try:
            return NonTargetState(value)
        except ValueError:
            pass  # strict: "8" is not 8 mm (a short axis is a JSON number)
    states = ", ".join(repr(state.value) for state in NonTargetState)
    raise InvalidValueError(
        field="", value=value,
        expected=f"one of {states}, or a lymph node's short axis in mm (a number >= 0)",
    )


NonTargetValue = Annotated[NonTargetState | float, BeforeValidator(_non_target_value)]
"""A non-target read: its state, or (lymph nodes) the measured short axis in mm."""


def non_target_state(value: NonTargetState | float) -> NonTargetState:
    """The state a non-target read stands for: a node's short axis >= 10 mm is ``present``
    (pathological), < 10 mm ``absent`` (normal size, Eisenhauer 2009, section 4.3.2).

    Examples
    --------
    >>> non_target_state(8.0), non_target_state(10.0)
    (<NonTargetState.ABSENT: 'absent'>, <NonTargetState.PRESENT: 'present'>)
    """
    if isinstance(value, NonTargetState):
        return value
    if value >= NORMAL_NODE_SHORT_AXIS_MM:
        return NonTargetState.PRESENT
    return NonTargetState.ABSENT


def _lesion_map(expected: str) -> Callable[[object], object]:
    """A before-validator that refuses anything but a JSON object, saying what it should hold."""

    def check(value: object) -> object:
        if not isinstance(value, dict):
            raise InvalidValueError(field="", value=value, expected=expected)
        return value

    return check


def _new_lesions(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"equivocal", "true", "false"}:
        text = value.strip().lower()
        return "equivocal" if text == "equivocal" else text == "true"
    raise InvalidValueError(field="", value=value, expected='true, false or "equivocal"')


Measurement = Annotated[float | MeasurementCode, BeforeValidator(_measurement)]
"""A target measurement: a diameter in mm, ``"too small"`` or ``"gone"``."""

NewLesions = Annotated[bool | Literal["equivocal"], BeforeValidator(_new_lesions)]
"""New lesions at a time point: ``True``, ``False`` or ``"equivocal"``."""


class Lesion(Record):
    """A lesion selected at baseline.

    Parameters
    ----------
    id
        Unique label (``"T1"``, ``"N1"``).
    role
        ``"target"`` or ``"non-target"``.
    organ
        Organ the lesion lies in (``"liver"``, ``"lymph node"`` ...); at most two targets per organ.
    nodal
        A lymph node: measured by its short axis; < 10 mm counts as normal. A nodal non-target
        may be read by its short axis (a number in ``TimePoint.non_target``).
    in_treated_volume
        Whether the lesion lies in the liver volume treated by radioembolization (HEPAR PLUS primary
        endpoint); required when the assessment is restricted to the treated volume.
    method, slice_thickness_mm
        How it was measured at baseline: sets the minimum measurable size.
    """

    id: str = Field(min_length=1)
    role: LesionRole
    organ: str = Field(min_length=1)
    nodal: StrictBool = False
    in_treated_volume: StrictBool | None = None
    method: ImagingMethod = ImagingMethod.CT
    slice_thickness_mm: StrictFloat | None = Field(default=None, gt=0)

    @field_validator("organ")
    @classmethod
    def _lower(cls, organ: str) -> str:
        return organ.lower()


_MEASUREMENT_MAP = (
    'a map of target lesion id to a diameter in mm, "too small" or "gone", e.g. {"T1": 32.0}; '
    "a target left out was not assessed"
)
_NON_TARGET_MAP = (
    'a map of non-target lesion id to state, e.g. {"N1": "present"}; states: '
    + ", ".join(repr(state.value) for state in NonTargetState)
    + "; a lymph node may be given by its short axis in mm instead, e.g. {\"N2\": 8.0}"
)


class TimePoint(Record):
    """One assessment.

    Parameters
    ----------
    date
        Date of the scan.
    measurements_mm
        Target lesion id -> diameter in mm, ``"too small"`` or ``"gone"``; absent = not assessed.
    non_target
        Non-target lesion id -> state, or for a lymph node its short axis in mm (>= 10 mm:
        pathological, counts as present; < 10 mm: normal, counts as absent); absent = not
        assessed.
    new_lesions
        Unequivocal new lesions (``True``), none (``False``) or ``"equivocal"``.
    new_lesions_in_treated_volume
        The same, counting only new lesions in the treated liver volume (used when the assessment
        is restricted to it; when not given, ``new_lesions`` is used, which is conservative).
    """

    date: date
    measurements_mm: Annotated[
        dict[str, Measurement], BeforeValidator(_lesion_map(_MEASUREMENT_MAP))
    ] = Field(default_factory=dict)
    non_target: Annotated[
        dict[str, NonTargetValue], BeforeValidator(_lesion_map(_NON_TARGET_MAP))
    ] = Field(default_factory=dict)
    new_lesions: NewLesions = False
    new_lesions_in_treated_volume: NewLesions | None = None


class RecistSettings(Record):
    """How the reads are to be assessed.

    Parameters
    ----------
    confirmation
        Require confirmation of CR/PR by a later assessment (Eisenhauer 2009, section 4.6 and
        Table 3; for non-randomised trials with response as the primary endpoint).
    min_confirmation_days
        Minimum interval between the response and its confirmation (4 weeks, section 4.6).
    min_sd_days
        Minimum interval from ``reference_date`` for stable disease to count as best response
        (protocol-defined, "in general not less than 6-8 weeks", section 4.5).
    treated_volume_only
        Restrict the assessment to lesions in the treated liver volume (HEPAR PLUS primary endpoint;
        Braat et al., Lancet Oncol 2020).
    not_evaluable_as_progression
        Count a best response of NE as PD (the HEPAR II convention).
    max_targets, max_targets_per_organ
        Target selection limits (5 and 2 in RECIST 1.1, section 3.3).
    reference_date
        Start of treatment, from which the minimum SD interval is counted; the baseline date when
        not given.
    """

    confirmation: StrictBool = False
    min_confirmation_days: StrictInt = Field(default=28, ge=0)
    min_sd_days: StrictInt = Field(default=42, ge=0)
    treated_volume_only: StrictBool = False
    not_evaluable_as_progression: StrictBool = False
    max_targets: StrictInt = Field(default=5, ge=1)
    max_targets_per_organ: StrictInt = Field(default=2, ge=1)
    reference_date: date | None = None


class RecistReads(Record):
    """All reads of one patient: settings, the lesions chosen at baseline, and the time points.

    Structural problems (duplicate lesion ids, dates out of order, measurements of unknown lesions,
    an incomplete baseline) are rejected here; measurability and target selection are checked by
    :func:`hepar.clinical.check_target_selection` when the reads are assessed.
    """

    settings: RecistSettings = Field(default_factory=RecistSettings)
    lesions: list[Lesion] = Field(min_length=1)
    timepoints: list[TimePoint] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_structure(self) -> RecistReads:
        seen = require_unique_ids((lesion.id for lesion in self.lesions), field="lesions",
                                  what="lesion id")
        targets = {lesion.id for lesion in self.lesions if lesion.role is LesionRole.TARGET}
        non_targets = seen - targets
        nodal = {lesion.id for lesion in self.lesions if lesion.nodal}
        for index in range(1, len(self.timepoints)):
            if self.timepoints[index].date <= self.timepoints[index - 1].date:
                raise InvalidValueError(
                    field=f"timepoints[{index}].date",
                    value=self.timepoints[index].date.isoformat(),
                    expected=(
                        "a date after the previous time point "
                        f"({self.timepoints[index - 1].date.isoformat()}); time points in order"
                    ),
                )
        for index, point in enumerate(self.timepoints):
            for lesion_id in point.measurements_mm:
                if lesion_id not in targets:
                    raise InvalidValueError(
                        field=f"timepoints[{index}].measurements_mm",
                        value=lesion_id,
                        expected=f"ids of target lesions ({', '.join(sorted(targets)) or 'none'})",
                    )
            for lesion_id, value in point.non_target.items():
                if lesion_id not in non_targets:
                    raise InvalidValueError(
                        field=f"timepoints[{index}].non_target",
                        value=lesion_id,
                        expected=(
                            "ids of non-target lesions "
                            f"({', '.join(sorted(non_targets)) or 'none'})"
                        ),
                    )
                if isinstance(value, float) and lesion_id not in nodal:
                    raise InvalidValueError(
                        field=f"timepoints[{index}].non_target.{lesion_id}",
                        value=value,
                        expected="a state (a size in mm only for a lymph node, nodal: true)",
                    )
        self._check_baseline(targets, non_targets)
        return self

    def _check_baseline(self, targets: set[str], non_targets: set[str]) -> None:
        baseline = self.timepoints[0]
        for lesion_id in sorted(targets):
            value = baseline.measurements_mm.get(lesion_id)
            if not isinstance(value, float):
                raise InvalidValueError(
                    field=f"timepoints[0].measurements_mm.{lesion_id}",
                    value=None if value is None else str(value),
                    expected="a measured diameter in mm for every target lesion at baseline",
                )
        for lesion_id in sorted(non_targets):
            state = baseline.non_target.get(lesion_id)
            if isinstance(state, float):
                if state < NORMAL_NODE_SHORT_AXIS_MM:
                    raise InvalidValueError(
                        field=f"timepoints[0].non_target.{lesion_id}",
                        value=state,
                        expected=(
                            "a pathological node at baseline, short axis >= 10 mm (a node "
                            "< 10 mm is normal and not recorded, RECIST 1.1 section 3.3.1)"
                        ),
                    )
                continue
            if state is not NonTargetState.PRESENT:
                raise InvalidValueError(
                    field=f"timepoints[0].non_target.{lesion_id}",
                    value=None if state is None else state.value,
                    expected=(
                        '"present" for every non-target lesion at baseline (or a node\'s short '
                        "axis >= 10 mm)"
                    ),
                )
        if baseline.new_lesions is not False:
            raise InvalidValueError(
                field="timepoints[0].new_lesions",
                value=baseline.new_lesions,
                expected="false at baseline (the first time point is the baseline)",
            )

    @property
    def baseline(self) -> TimePoint:
        """The first time point."""
        return self.timepoints[0]
