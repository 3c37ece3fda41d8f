"""RECIST 1.1 best overall response, with and without confirmation (Eisenhauer et al., Eur J Cancer
2009;45:228, sections 4.4-4.6 and Table 3)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from hepar.clinical._recist_timepoint import Response

__all__ = ["BestResponse", "best_overall_response"]

_SD_LIKE = (Response.SD, Response.NON_CR_NON_PD)
_RESPONSE = (Response.CR, Response.PR)


@dataclass(frozen=True)
class BestResponse:
    """Best overall response, why, and the response dates it rests on."""

    response: Response
    reason: str
    response_start: date | None = None
    """First date CR or PR criteria were met, of the response counted (section 4.7)."""
    complete_response_start: date | None = None
    """First date CR criteria were met, of the CR counted (section 4.7); ``None`` unless CR."""


def _confirmed(
    points: Sequence[tuple[date, Response]],
    *,
    first_ok: tuple[Response, ...],
    later_ok: tuple[Response, ...],
    between_ok: tuple[Response, ...],
    min_days: int,
) -> tuple[int, int] | None:
    """The first ``(i, j)``: a response at ``i`` confirmed at ``j``, at least ``min_days`` later,
    with only ``between_ok`` in between. A PR does not confirm a CR (Table 3, footnote a)."""
    for i, (day_i, response_i) in enumerate(points):
        if response_i not in first_ok:
            continue
        for j in range(i + 1, len(points)):
            day_j, response_j = points[j]
            confirms = response_j in later_ok and not (
                response_i is Response.CR and response_j is Response.PR
            )
            if confirms and (day_j - day_i).days >= min_days:
                return i, j
            if response_j not in between_ok:
                break
    return None


def best_overall_response(
    points: Sequence[tuple[date, Response]],
    *,
    reference_date: date,
    confirmation: bool = False,
    min_confirmation_days: int = 28,
    min_sd_days: int = 42,
    not_evaluable_as_progression: bool = False,
    non_target_only: bool = False,
) -> BestResponse:
    """Best overall response from the follow-up time-point responses (baseline excluded).

    Parameters
    ----------
    points
        ``(date, overall response)`` of each follow-up time point, in date order.
    reference_date
        Start of treatment (or baseline): the minimum SD interval is counted from it.
    confirmation
        CR/PR must be confirmed by a later assessment at least ``min_confirmation_days`` after
        (a CR by a CR; a PR by a PR or CR; only NE in between). Unconfirmed CR/PR count as SD when
        the SD interval is met (Table 3).
    min_sd_days
        SD (or NON-CR/NON-PD) counts only at an assessment at least this many days after
        ``reference_date``; otherwise the best response is PD if progression follows, else NE.
    not_evaluable_as_progression
        Report NE as PD (the HEPAR II convention).
    non_target_only
        The patient has no target lesions: stable disease is called NON-CR/NON-PD (Table 2).

    Notes
    -----
    Assessments after the first PD are ignored (section 4.4). A PR after a CR does not confirm a
    response: disease that reappears after a true CR is progression (Table 3, footnote a).

    The duration of overall response is measured from the time measurement criteria are first
    met for CR or PR, whichever is first recorded, and the duration of overall CR from the first
    CR (section 4.7): ``response_start`` is the first CR or PR of the response counted (without
    confirmation, the first CR or PR; with it, the first CR or PR confirmed by a later CR or PR),
    ``complete_response_start`` the first CR counted.

    Examples
    --------
    >>> from datetime import date
    >>> pts = [(date(2025, 3, 1), Response.PR), (date(2025, 4, 1), Response.PR)]
    >>> best_overall_response(pts, reference_date=date(2025, 1, 1), confirmation=True).response
    <Response.PR: 'PR'>
    """
    considered: list[tuple[date, Response]] = []
    for day, response in points:
        considered.append((day, response))
        if response is Response.PD:
            break
    progressed = bool(considered) and considered[-1][1] is Response.PD

    def sd_met(day: date) -> bool:
        return (day - reference_date).days >= min_sd_days

    best = _best(
        considered,
        confirmation=confirmation,
        min_confirmation_days=min_confirmation_days,
        sd_met=sd_met,
        min_sd_days=min_sd_days,
        progressed=progressed,
        non_target_only=non_target_only,
    )
    if best.response is Response.NE and not_evaluable_as_progression:
        return BestResponse(
            Response.PD, best.reason + "; not evaluable counted as PD (HEPAR II convention)"
        )
    return best


def _best(
    considered: Sequence[tuple[date, Response]],
    *,
    confirmation: bool,
    min_confirmation_days: int,
    sd_met: Callable[[date], bool],
    min_sd_days: int,
    progressed: bool,
    non_target_only: bool,
) -> BestResponse:
    if not considered:
        return BestResponse(Response.NE, "no follow-up assessment: NE")
    if confirmation:
        cr = _confirmed(
            considered,
            first_ok=(Response.CR,),
            later_ok=(Response.CR,),
            between_ok=(Response.CR, Response.NE),
            min_days=min_confirmation_days,
        )
        pr = _confirmed(
            considered,
            first_ok=_RESPONSE,
            later_ok=_RESPONSE,
            between_ok=(*_RESPONSE, Response.NE),
            min_days=min_confirmation_days,
        )
        # a confirmed CR is also a confirmed response, so pr is found whenever cr is
        start = considered[pr[0]][0] if pr is not None else None
        if cr is not None:
            i, j = cr
            return BestResponse(
                Response.CR,
                f"CR on {considered[i][0]} confirmed on {considered[j][0]} "
                f"(>= {min_confirmation_days} days; Table 3)",
                start,
                considered[i][0],
            )
        if pr is not None:
            i, j = pr
            return BestResponse(
                Response.PR,
                f"{considered[i][1].value} on {considered[i][0]} confirmed by "
                f"{considered[j][1].value} on {considered[j][0]} "
                f"(>= {min_confirmation_days} days; Table 3)",
                start,
            )
        stable: tuple[Response, ...] = (*_RESPONSE, *_SD_LIKE)
    else:
        responses = [(day, response) for day, response in considered if response in _RESPONSE]
        if responses:
            first_day = responses[0][0]
            first_cr = next((day for day, r in responses if r is Response.CR), None)
            if first_cr is not None:
                return BestResponse(
                    Response.CR, f"CR on {first_cr} (confirmation not required)", first_day,
                    first_cr,
                )
            return BestResponse(
                Response.PR, f"PR on {first_day} (confirmation not required)", first_day
            )
        stable = tuple(_SD_LIKE)
    for day, response in considered:
        if response in stable and sd_met(day):
            category = (
                Response.NON_CR_NON_PD
                if non_target_only or response is Response.NON_CR_NON_PD
                else Response.SD
            )
            what = (
                f"unconfirmed {response.value} counted as {category.value}"
                if response in _RESPONSE
                else response.value
            )
            return BestResponse(
                category, f"{what} on {day}, >= {min_sd_days} days after the reference date"
            )
    early = [day for day, response in considered if response in stable]
    if progressed:
        why = (
            f"SD-or-better only before the minimum of {min_sd_days} days, then PD"
            if early
            else "PD"
        )
        return BestResponse(Response.PD, f"{why} on {considered[-1][0]}")
    if early:
        return BestResponse(
            Response.NE,
            f"SD-or-better only before the minimum of {min_sd_days} days and no later "
            "assessment: NE",
        )
    return BestResponse(Response.NE, "no evaluable assessment: NE")
