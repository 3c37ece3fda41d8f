"""RECIST 1.1: disease reappearing after a complete response (Eisenhauer et al., Eur J Cancer
2009;45:228, Table 3, footnote a).

"If a CR is truly met at first time point, then any disease seen at a subsequent time point, even
disease meeting PR criteria relative to baseline, makes the disease PD at that point (since
disease must have reappeared after CR)."
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from hepar.clinical._recist_records import (
    Lesion,
    Measurement,
    MeasurementCode,
    NonTargetState,
    NonTargetValue,
    non_target_state,
)
from hepar.clinical._recist_timepoint import ComponentResponse, Response, effective_mm

__all__ = ["FOOTNOTE_A", "after_complete_response", "reappeared_lesions"]

FOOTNOTE_A = (
    "Table 3, footnote a: after a true CR, any disease seen, even disease meeting PR criteria "
    "relative to baseline, is PD"
)
_NORMAL_NODE_MM = 10.0  # section 4.3.1: a node < 10 mm short axis is normal


def _target_back(lesion: Lesion, value: Measurement) -> bool:
    if lesion.nodal:
        return effective_mm(value) >= _NORMAL_NODE_MM
    return value is MeasurementCode.TOO_SMALL or effective_mm(value) > 0.0


def reappeared_lesions(
    targets: Sequence[Lesion],
    non_targets: Sequence[Lesion],
    measurements_mm: Mapping[str, Measurement],
    states: Mapping[str, NonTargetValue],
) -> tuple[list[str], list[str]]:
    """Target and non-target lesions seen at a time point, as they would be after a CR.

    A non-nodal target is seen when it measures more than 0 mm or is "too small" to measure; a
    nodal target when its short axis is >= 10 mm (a smaller node is normal, section 4.3.1); a
    non-target when it is "present" (a node given by its short axis: >= 10 mm). Lesions not
    assessed are not seen.

    Examples
    --------
    >>> from hepar.clinical._recist_records import LesionRole
    >>> t1 = Lesion(id="T1", role=LesionRole.TARGET, organ="liver")
    >>> reappeared_lesions([t1], [], {"T1": 3.0}, {})
    (['T1'], [])
    """
    seen_targets = [
        lesion.id
        for lesion in targets
        if lesion.id in measurements_mm and _target_back(lesion, measurements_mm[lesion.id])
    ]
    seen_non_targets = [
        lesion.id
        for lesion in non_targets
        if lesion.id in states and non_target_state(states[lesion.id]) is NonTargetState.PRESENT
    ]
    return seen_targets, seen_non_targets


def after_complete_response(
    target: ComponentResponse | None,
    non_target: ComponentResponse | None,
    *,
    reappeared: tuple[list[str], list[str]],
    complete_response_on: date,
) -> tuple[ComponentResponse | None, ComponentResponse | None, str | None]:
    """The target and non-target responses at a time point after an overall CR.

    A component with a lesion seen again is PD (Table 3, footnote a); the third item is the
    reason for the overall PD, or ``None`` when nothing reappeared.
    """
    seen_targets, seen_non_targets = reappeared
    if not seen_targets and not seen_non_targets:
        return target, non_target, None
    since = f"after the CR of {complete_response_on}"
    if seen_targets and target is not None:
        target = ComponentResponse(
            Response.PD,
            f"{', '.join(seen_targets)} reappeared {since}: PD ({FOOTNOTE_A})",
            sum_mm=target.sum_mm,
            partial_sum_mm=target.partial_sum_mm,
        )
    if seen_non_targets and non_target is not None:
        non_target = ComponentResponse(
            Response.PD, f"{', '.join(seen_non_targets)} reappeared {since}: PD ({FOOTNOTE_A})"
        )
    ids = ", ".join([*seen_targets, *seen_non_targets])
    return target, non_target, f"{ids} reappeared {since}: PD ({FOOTNOTE_A})"
