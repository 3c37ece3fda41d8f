"""RECIST 1.1 measurability and target selection (Eisenhauer et al., Eur J Cancer 2009;45:228,
sections 3.1 and 3.3)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hepar.clinical._recist_records import ImagingMethod, LesionRole, RecistReads, RecistSettings
from hepar.errors import InvalidValueError

__all__ = [
    "Measurability",
    "check_target_selection",
    "measurability",
    "minimum_measurable_mm",
]

# Eisenhauer 2009, section 3.1.1: non-nodal lesions >= 10 mm by CT (slice <= 5 mm) or caliper,
# >= 20 mm by chest X-ray, >= 2 x slice thickness when slices are thicker than 5 mm; lymph nodes
# >= 15 mm in short axis (10-15 mm: pathological but non-measurable; < 10 mm: normal).
_NON_NODAL_MIN_MM = 10.0
_CHEST_XRAY_MIN_MM = 20.0
_NODE_MEASURABLE_MM = 15.0
_NODE_PATHOLOGICAL_MM = 10.0
_THIN_SLICE_MM = 5.0


@dataclass(frozen=True)
class Measurability:
    """Whether a lesion is measurable, the minimum that applied and why."""

    measurable: bool
    minimum_mm: float
    reason: str


def minimum_measurable_mm(
    *,
    nodal: bool,
    method: ImagingMethod | str = ImagingMethod.CT,
    slice_thickness_mm: float | None = None,
) -> float:
    """The smallest measurable size in mm under RECIST 1.1 (section 3.1.1).

    Examples
    --------
    >>> minimum_measurable_mm(nodal=False)
    10.0
    >>> minimum_measurable_mm(nodal=False, slice_thickness_mm=8.0)
    16.0
    >>> minimum_measurable_mm(nodal=True)
    15.0
    """
    kind = ImagingMethod(method)
    if nodal:
        return _NODE_MEASURABLE_MM
    if kind is ImagingMethod.CHEST_XRAY:
        return _CHEST_XRAY_MIN_MM
    if kind in (ImagingMethod.CT, ImagingMethod.MRI) and slice_thickness_mm is not None:
        if slice_thickness_mm > _THIN_SLICE_MM:
            return 2.0 * slice_thickness_mm
    return _NON_NODAL_MIN_MM


def measurability(
    diameter_mm: float,
    *,
    nodal: bool = False,
    method: ImagingMethod | str = ImagingMethod.CT,
    slice_thickness_mm: float | None = None,
    locally_treated: bool = False,
) -> Measurability:
    """Is a lesion of this size measurable at baseline (RECIST 1.1, section 3.1)?

    Parameters
    ----------
    diameter_mm
        Longest diameter (non-nodal) or short axis (lymph node), in mm.
    nodal
        A lymph node.
    method, slice_thickness_mm
        Imaging method and reconstructed slice thickness.
    locally_treated
        In a previously irradiated area or one treated loco-regionally: not measurable unless
        progression there has been shown (section 3.1.3); record it as non-target.

    Examples
    --------
    >>> measurability(12.0).measurable
    True
    >>> measurability(12.0, nodal=True).reason
    'lymph node short axis 12 mm: pathological (10-15 mm) but not measurable; minimum 15 mm'
    """
    if not diameter_mm >= 0:
        raise InvalidValueError(field="diameter_mm", value=diameter_mm, expected="a number >= 0")
    minimum = minimum_measurable_mm(
        nodal=nodal, method=method, slice_thickness_mm=slice_thickness_mm
    )
    what = "lymph node short axis" if nodal else "longest diameter"
    if locally_treated:
        return Measurability(
            False, minimum, f"{what} {diameter_mm:g} mm in a locally treated area: not measurable"
        )
    if diameter_mm >= minimum:
        return Measurability(True, minimum, f"{what} {diameter_mm:g} mm >= {minimum:g} mm")
    if nodal and diameter_mm >= _NODE_PATHOLOGICAL_MM:
        return Measurability(
            False,
            minimum,
            f"{what} {diameter_mm:g} mm: pathological (10-15 mm) but not measurable; "
            f"minimum {minimum:g} mm",
        )
    if nodal:
        return Measurability(False, minimum, f"{what} {diameter_mm:g} mm < 10 mm: normal node")
    return Measurability(False, minimum, f"{what} {diameter_mm:g} mm < {minimum:g} mm")


def check_target_selection(reads: RecistReads, *, settings: RecistSettings | None = None) -> None:
    """Raise when the baseline target lesions break RECIST 1.1 selection rules.

    Every target must be measurable at baseline, there are at most ``max_targets`` targets and at
    most ``max_targets_per_organ`` per organ (5 and 2; Eisenhauer 2009, section 3.3).
    """
    rules = settings or reads.settings
    targets = [lesion for lesion in reads.lesions if lesion.role is LesionRole.TARGET]
    baseline = reads.baseline.measurements_mm
    for lesion in targets:
        size = baseline[lesion.id]
        assert isinstance(size, float)  # guaranteed by RecistReads
        verdict = measurability(
            size,
            nodal=lesion.nodal,
            method=lesion.method,
            slice_thickness_mm=lesion.slice_thickness_mm,
        )
        if not verdict.measurable:
            raise InvalidValueError(
                field=f"timepoints[0].measurements_mm.{lesion.id}",
                value=size,
                expected=f"a measurable target lesion ({verdict.reason}); "
                "record it as non-target",
            )
    if len(targets) > rules.max_targets:
        raise InvalidValueError(
            field="lesions",
            value=f"{len(targets)} target lesions",
            expected=f"at most {rules.max_targets} target lesions (RECIST 1.1, section 3.3)",
        )
    for organ, count in Counter(lesion.organ for lesion in targets).items():
        if count > rules.max_targets_per_organ:
            raise InvalidValueError(
                field="lesions",
                value=f"{count} target lesions in {organ}",
                expected=(
                    f"at most {rules.max_targets_per_organ} target lesions per organ "
                    "(RECIST 1.1, section 3.3; settings.max_targets_per_organ)"
                ),
            )
