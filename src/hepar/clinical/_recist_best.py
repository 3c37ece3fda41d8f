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
    response_start: date | None = None  # first date of the (confirmed) CR/PR


def _confirmed(
    points: Sequence[tuple[date, Response]],
    *,
    first_ok: tuple[Response, ...],
    later_ok: tuple[Response, ...],
    between_ok: tuple[Response, ...],
    min_days: int,
) -> tuple[int, int] | None:
    for i, (day_i, response_i) in enumerate(points):
        if response_i not in first_ok:
            continue
        for j in range(i + 1, len(points)):
            day_j, response_j = points[j]
            if response_j in later_ok and (day_j - day_i).days >= min_days:
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
        if cr is not None:
            i, j = cr
            return BestResponse(
                Response.CR,
                f"CR on {considered[i][0]} confirmed on {considered[j][0]} "
                f"(>= {min_confirmation_days} days; Table 3)",
                considered[i][0],
            )
        pr = _confirmed(
            considered,
            first_ok=(Response.PR, Response.CR),
            later_ok=(Response.PR, Response.CR),
            between_ok=(Response.PR, Response.CR, Response.NE),
            min_days=min_confirmation_days,
        )
        if pr is not None and not (
            considered[pr[0]][1] is Response.CR and considered[pr[1]][1] is Response.PR
        ):
            i, j = pr
            return BestResponse(
                Response.PR,
                f"{considered[i][1].value} on {considered[i][0]} confirmed by "
                f"{considered[j][1].value} on {considered[j][0]} "
                f"(>= {min_confirmation_days} days; Table 3)",
                considered[i][0],
            )
        stable: tuple[Response, ...] = (*_RESPONSE, *_SD_LIKE)
    else:
        for wanted in _RESPONSE:
            for day, response in considered:
                if response is wanted:
                    return BestResponse(
                        wanted, f"{wanted.value} on {day} (confirmation not required)", day
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
