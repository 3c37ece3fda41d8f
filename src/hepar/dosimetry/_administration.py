"""Decay of planned activity to administration, and administered activity from dose-calibrator
measurements of the vial before and the residuals after."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hepar.errors import InvalidValueError
from hepar.physics import decay_factor

__all__ = [
    "ActivityMeasurement",
    "AdministeredActivity",
    "activity_at_mbq",
    "administered_activity",
]


@dataclass(frozen=True)
class ActivityMeasurement:
    """A dose-calibrator reading: activity in MBq at a timezone-aware time."""

    activity_mbq: float
    time: datetime

    def __post_init__(self) -> None:
        if not self.activity_mbq >= 0:
            raise InvalidValueError(
                field="activity_mbq", value=self.activity_mbq, expected="a measured activity >= 0"
            )


def activity_at_mbq(
    activity_mbq: float, *, measured_at: datetime, at_time: datetime, half_life_h: float
) -> float:
    """Activity at ``at_time`` of ``activity_mbq`` measured at ``measured_at`` (physical decay).

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2025, 3, 1, 8, tzinfo=timezone.utc)
    >>> activity_at_mbq(4000.0, measured_at=t, at_time=t + timedelta(hours=26.8), half_life_h=26.8)
    2000.0
    """
    if activity_mbq < 0:
        raise InvalidValueError(field="activity_mbq", value=activity_mbq, expected="activity >= 0")
    return activity_mbq * decay_factor(measured_at, at_time, half_life_h)


@dataclass(frozen=True)
class AdministeredActivity:
    """Administered activity decay-corrected to a named reference time."""

    activity_mbq: float
    reference_time: datetime
    vial_mbq: float
    residual_mbq: float

    def to_dict(self) -> dict[str, object]:
        """Plain JSON."""
        return {
            "activity_mbq": self.activity_mbq,
            "reference_time": self.reference_time.isoformat(),
            "vial_mbq": self.vial_mbq,
            "residual_mbq": self.residual_mbq,
        }


def administered_activity(
    vial: ActivityMeasurement,
    residuals: Sequence[ActivityMeasurement],
    *,
    reference_time: datetime,
    half_life_h: float,
) -> AdministeredActivity:
    """Vial activity minus the residuals (vial, lines, syringes), all decay-corrected to
    ``reference_time`` (usually the administration).

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2025, 3, 1, 8, tzinfo=timezone.utc)
    >>> r = administered_activity(ActivityMeasurement(4000.0, t),
    ...     [ActivityMeasurement(100.0, t + timedelta(hours=26.8))],
    ...     reference_time=t, half_life_h=26.8)
    >>> r.activity_mbq
    3800.0
    """
    vial_ref = activity_at_mbq(
        vial.activity_mbq, measured_at=vial.time, at_time=reference_time, half_life_h=half_life_h
    )
    residual_ref = sum(
        activity_at_mbq(r.activity_mbq, measured_at=r.time, at_time=reference_time,
                        half_life_h=half_life_h)
        for r in residuals
    )
    if residual_ref > vial_ref:
        raise InvalidValueError(
            field="residuals", value=round(residual_ref, 3),
            expected=f"at most the vial activity ({vial_ref:.3f} MBq at the reference time)",
        )
    return AdministeredActivity(vial_ref - residual_ref, reference_time, vial_ref, residual_ref)
