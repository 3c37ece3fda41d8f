"""RECIST 1.1 responses at one time point: target, non-target and overall (Eisenhauer et al., Eur J
Cancer 2009;45:228, section 4.3 and Tables 1-2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hepar.clinical._base import LenientEnum, register_aliases
from hepar.clinical._recist_records import (
    Lesion,
    Measurement,
    MeasurementCode,
    NewLesions,
    NonTargetState,
    NonTargetValue,
    non_target_state,
)
from hepar.errors import InvalidValueError

__all__ = [
    "PR_FRACTION",
    "TOO_SMALL_MM",
    "ComponentResponse",
    "Response",
    "non_target_response",
    "overall_response",
    "target_response",
]

# Eisenhauer 2009, section 4.3.1 and Appendix II.
_TOO_SMALL_MM = 5.0  # a target present but too small to measure counts 5 mm
_NORMAL_NODE_MM = 10.0  # a node with short axis < 10 mm is normal (CR allowed)
_PR_FRACTION = 0.30  # >= 30 % decrease of the sum vs baseline
_PD_FRACTION = 0.20  # >= 20 % increase of the sum vs the nadir ...
_PD_ABSOLUTE_MM = 5.0  # ... and >= 5 mm absolute increase
_EPS_MM = 1e-9  # tolerance of the comparisons (sums are decimals in mm)
#: The counted size of a target too small to measure, and the partial-response decrease
#: (public: a check against ground truth counts responses with the same rule).
TOO_SMALL_MM, PR_FRACTION = _TOO_SMALL_MM, _PR_FRACTION


class Response(LenientEnum):
    """RECIST 1.1 response categories."""

    CR = "CR"
    PR = "PR"
    SD = "SD"
    NON_CR_NON_PD = "NON-CR/NON-PD"
    PD = "PD"
    NE = "NE"


register_aliases(
    Response,
    {
        "non-cr/non-pd": "NON-CR/NON-PD",
        "noncr/nonpd": "NON-CR/NON-PD",
        "non cr/non pd": "NON-CR/NON-PD",
        "complete response": "CR",
        "partial response": "PR",
        "stable disease": "SD",
        "progressive disease": "PD",
        "not evaluable": "NE",
    },
)


@dataclass(frozen=True)
class ComponentResponse:
    """A target or non-target response with the sum that decided it and why."""

    response: Response
    reason: str
    sum_mm: float | None = None
    partial_sum_mm: float | None = None


def effective_mm(value: Measurement) -> float:
    """The diameter a measurement contributes to the sum (too small: 5 mm, gone: 0 mm)."""
    if value is MeasurementCode.TOO_SMALL:
        return _TOO_SMALL_MM
    if value is MeasurementCode.GONE:
        return 0.0
    assert isinstance(value, float)
    return value


def is_progression(sum_mm: float, nadir_mm: float) -> bool:
    """Sum >= 1.2 x nadir and >= nadir + 5 mm (Eisenhauer 2009, section 4.3.1)."""
    increase = sum_mm - nadir_mm
    return (
        increase >= _PD_ABSOLUTE_MM - _EPS_MM and increase >= _PD_FRACTION * nadir_mm - _EPS_MM
    )


def _pct(value: float, reference: float) -> str:
    if reference <= 0:
        return "n/a"
    return f"{100.0 * (value - reference) / reference:+.1f} %"


def target_response(
    targets: Sequence[Lesion],
    measurements_mm: Mapping[str, Measurement],
    *,
    baseline_sum_mm: float,
    nadir_mm: float,
) -> ComponentResponse:
    """Target lesion response at one time point (Eisenhauer 2009, section 4.3.1).

    PD: sum >= 20 % above the nadir and >= 5 mm more. CR: every non-nodal target gone and every
    nodal target < 10 mm short axis. PR: sum >= 30 % below baseline. SD otherwise. With a target
    not assessed, the response is NE unless the measured ones alone already prove PD.

    PD is tested before CR: nodal targets keep their actual short axis in the sum even below
    10 mm (section 4.3.1, note on lymph nodes; Appendix II), so nodes that grow but stay under
    10 mm make PD when the sum rises by >= 20 % and >= 5 mm from the nadir. Testing CR first
    would hide that progression.
    """
    missing = [lesion.id for lesion in targets if lesion.id not in measurements_mm]
    partial = sum(
        effective_mm(measurements_mm[lesion.id]) for lesion in targets if lesion.id not in missing
    )
    if missing:
        if is_progression(partial, nadir_mm):
            return ComponentResponse(
                Response.PD,
                f"not assessed: {', '.join(missing)}; the measured targets alone sum to "
                f"{partial:g} mm, {_pct(partial, nadir_mm)} and {partial - nadir_mm:+g} mm "
                f"from the nadir {nadir_mm:g} mm: PD",
                partial_sum_mm=partial,
            )
        return ComponentResponse(
            Response.NE,
            f"not assessed: {', '.join(missing)} (measured targets sum to {partial:g} mm, "
            "not enough to prove PD): NE",
            partial_sum_mm=partial,
        )
    total = partial
    vs = (
        f"sum {total:g} mm, {_pct(total, baseline_sum_mm)} from baseline {baseline_sum_mm:g} mm, "
        f"{total - nadir_mm:+g} mm ({_pct(total, nadir_mm)}) from nadir {nadir_mm:g} mm"
    )
    non_nodal_left = [
        lesion.id
        for lesion in targets
        if not lesion.nodal and effective_mm(measurements_mm[lesion.id]) > 0
    ]
    nodes_enlarged = [
        lesion.id
        for lesion in targets
        if lesion.nodal and effective_mm(measurements_mm[lesion.id]) >= _NORMAL_NODE_MM
    ]
    if is_progression(total, nadir_mm):
        return ComponentResponse(
            Response.PD, f"{vs}; >= +20 % and >= +5 mm from the nadir: PD", sum_mm=total
        )
    if not non_nodal_left and not nodes_enlarged:
        return ComponentResponse(
            Response.CR,
            f"{vs}; all non-nodal targets gone and all nodes < 10 mm: CR",
            sum_mm=total,
        )
    if total <= (1.0 - _PR_FRACTION) * baseline_sum_mm + _EPS_MM:
        return ComponentResponse(
            Response.PR, f"{vs}; >= 30 % decrease from baseline: PR", sum_mm=total
        )
    return ComponentResponse(
        Response.SD,
        f"{vs}; neither -30 % from baseline nor +20 % and +5 mm from the nadir: SD",
        sum_mm=total,
    )


def non_target_response(
    non_targets: Sequence[Lesion], states: Mapping[str, NonTargetValue]
) -> ComponentResponse:
    """Non-target response at one time point (Eisenhauer 2009, section 4.3.2).

    PD: unequivocal progression of any non-target; NE: any not assessed; CR: all absent, which
    for a lymph node means non-pathological in size, short axis < 10 mm (section 4.3.2: "All lymph
    nodes must be non-pathological in size (< 10 mm short axis)"): a nodal non-target still read
    "present", or measured at 10 mm or more, keeps the response at NON-CR/NON-PD; NON-CR/NON-PD
    otherwise. A node given by its short axis counts by that size, whatever its baseline size.
    """
    reads = {
        lesion.id: states.get(lesion.id, NonTargetState.NOT_ASSESSED) for lesion in non_targets
    }
    state_of = {k: non_target_state(v) for k, v in reads.items()}
    measured = {k: v for k, v in reads.items() if isinstance(v, float)}
    progressed = [k for k, v in state_of.items() if v is NonTargetState.UNEQUIVOCAL_PROGRESSION]
    if progressed:
        return ComponentResponse(
            Response.PD, f"unequivocal progression of {', '.join(progressed)}: PD"
        )
    unassessed = [k for k, v in state_of.items() if v is NonTargetState.NOT_ASSESSED]
    if unassessed:
        return ComponentResponse(Response.NE, f"not assessed: {', '.join(unassessed)}: NE")
    present = [k for k, v in state_of.items() if v is NonTargetState.PRESENT]
    nodes = [lesion.id for lesion in non_targets if lesion.nodal]
    if not present:
        sizes = "".join(f", {k} {measured[k]:g} mm" for k in nodes if k in measured)
        normal = f" (nodes {', '.join(nodes)} < 10 mm short axis{sizes})" if nodes else ""
        return ComponentResponse(Response.CR, f"all non-target lesions absent{normal}: CR")
    enlarged = [k for k in present if k in nodes]
    why = f"persisting: {', '.join(present)}"
    if enlarged:
        sizes = "".join(f", {k} {measured[k]:g} mm" for k in enlarged if k in measured)
        why += (f" (node(s) {', '.join(enlarged)} still >= 10 mm short axis{sizes}, "
                "section 4.3.2)")
    return ComponentResponse(Response.NON_CR_NON_PD, f"{why}: NON-CR/NON-PD")


def overall_response(
    target: Response | None, non_target: Response | None, new_lesions: NewLesions
) -> tuple[Response, str]:
    """Overall time-point response (Eisenhauer 2009, Table 1; Table 2 without target lesions).

    ``target`` / ``non_target`` are ``None`` when the patient has no such lesions. Equivocal new
    lesions do not make PD at this time point (section 4.3.3).

    Examples
    --------
    >>> overall_response(Response.CR, Response.NON_CR_NON_PD, False)[0]
    <Response.PR: 'PR'>
    >>> overall_response(None, Response.NON_CR_NON_PD, False)[0]
    <Response.NON_CR_NON_PD: 'NON-CR/NON-PD'>
    """
    if target is None and non_target is None:
        raise InvalidValueError(
            field="overall_response", value=None, expected="target or non-target lesions"
        )
    if new_lesions is True:
        return Response.PD, "unequivocal new lesion(s): PD (Table 1)"
    if target is Response.PD:
        return Response.PD, "target PD: PD (Table 1)"
    if non_target is Response.PD:
        return Response.PD, "non-target unequivocal progression: PD (Table 1)"
    new_text = "no new lesions"
    if new_lesions:
        new_text = "equivocal new lesion(s), not PD unless confirmed later"
    if target is None:
        assert non_target is not None
        nt = non_target.value
        return non_target, f"non-target {nt}, {new_text}: {nt} (Table 2)"
    if target is Response.NE:
        return Response.NE, f"target NE, {new_text}: NE (Table 1)"
    nt = "no non-target lesions" if non_target is None else f"non-target {non_target.value}"
    if target is Response.CR:
        overall = Response.CR if non_target in (None, Response.CR) else Response.PR
        return overall, f"target CR, {nt}, {new_text}: {overall.value} (Table 1)"
    assert target in (Response.PR, Response.SD)
    return target, f"target {target.value}, {nt}, {new_text}: {target.value} (Table 1)"
