"""RECIST 1.1 assessment of one patient's reads: every time point, best response, progression,
duration of response (Eisenhauer et al., Eur J Cancer 2009;45:228)."""

from __future__ import annotations

from datetime import date

from hepar.clinical._base import Record
from hepar.clinical._recist_best import best_overall_response
from hepar.clinical._recist_measurability import check_target_selection
from hepar.clinical._recist_reappearance import after_complete_response, reappeared_lesions
from hepar.clinical._recist_records import Lesion, LesionRole, NewLesions, RecistReads, TimePoint
from hepar.clinical._recist_timepoint import (
    Response,
    effective_mm,
    non_target_response,
    overall_response,
    target_response,
)
from hepar.errors import InvalidValueError

__all__ = ["RecistAssessment", "TimePointResponse", "assess_recist"]


class TimePointResponse(Record):
    """Responses at one time point (``overall`` is ``None`` at baseline).

    ``target`` / ``non_target`` are ``None`` when the patient has no such lesions; ``sum_mm`` and
    the changes are ``None`` when a target was not assessed.
    """

    date: date
    sum_mm: float | None
    change_from_baseline_pct: float | None
    change_from_nadir_pct: float | None
    target: Response | None
    non_target: Response | None
    overall: Response | None
    reason: str


class RecistAssessment(Record):
    """The assessment of one patient's reads (the ``hepar recist --json`` output)."""

    timepoints: list[TimePointResponse]
    best_overall_response: Response
    best_overall_response_reason: str
    date_of_progression: date | None
    progression_reason: str | None
    duration_of_response_days: int | None
    duration_of_response_censored: bool | None
    lesions_assessed: list[str]
    duration_of_complete_response_days: int | None = None


def _selected(reads: RecistReads) -> list[Lesion]:
    if not reads.settings.treated_volume_only:
        return list(reads.lesions)
    for index, lesion in enumerate(reads.lesions):
        if lesion.in_treated_volume is None:
            raise InvalidValueError(
                field=f"lesions[{index}].in_treated_volume",
                value=None,
                expected="true or false for every lesion when settings.treated_volume_only is set",
            )
    chosen = [lesion for lesion in reads.lesions if lesion.in_treated_volume]
    if not chosen:
        raise InvalidValueError(
            field="lesions",
            value="no lesion in the treated volume",
            expected="at least one lesion with in_treated_volume true",
        )
    return chosen


def _new_lesions(point: TimePoint, restricted: bool) -> NewLesions:
    if restricted and point.new_lesions_in_treated_volume is not None:
        return point.new_lesions_in_treated_volume
    return point.new_lesions


def _change_pct(value: float | None, reference: float) -> float | None:
    if value is None or reference <= 0:
        return None
    return round(100.0 * (value - reference) / reference, 2)


def assess_recist(reads: RecistReads) -> RecistAssessment:
    """Assess all time points of a patient by RECIST 1.1.

    Parameters
    ----------
    reads
        Settings, lesions and time points; the first time point is the baseline.

    Returns
    -------
    RecistAssessment
        Per time point: sum of diameters, changes from baseline and nadir, target / non-target /
        overall response and the reason; best overall response (with or without confirmation, per
        ``reads.settings``), date of progression, duration of response (from the first CR or PR,
        whichever is first recorded) and of complete response (from the first CR), both to the
        date of progression or, censored, to the last assessment (section 4.7).

    Notes
    -----
    The nadir is the smallest sum of a completely assessed time point before the current one,
    baseline included (section 4.3.1). When a PD by unequivocal new lesions follows time points
    with equivocal new lesions, progression is dated at the first of those (section 4.3.3).
    After an overall CR, any disease seen again (a non-nodal target measured > 0 mm or "too
    small", a nodal target >= 10 mm short axis, a non-target present) is PD, even if the sums
    alone would give PR (Table 3, footnote a).

    Examples
    --------
    >>> reads = RecistReads.model_validate({
    ...     "lesions": [{"id": "T1", "role": "target", "organ": "liver"}],
    ...     "timepoints": [
    ...         {"date": "2025-01-10", "measurements_mm": {"T1": 40.0}},
    ...         {"date": "2025-04-10", "measurements_mm": {"T1": 26.0}}]})
    >>> result = assess_recist(reads)
    >>> result.timepoints[1].overall, result.best_overall_response
    (<Response.PR: 'PR'>, <Response.PR: 'PR'>)
    """
    check_target_selection(reads)
    settings = reads.settings
    lesions = _selected(reads)
    targets = [lesion for lesion in lesions if lesion.role is LesionRole.TARGET]
    non_targets = [lesion for lesion in lesions if lesion.role is LesionRole.NON_TARGET]
    baseline = reads.baseline
    baseline_sum = sum(effective_mm(baseline.measurements_mm[lesion.id]) for lesion in targets)
    rows = [
        TimePointResponse(
            date=baseline.date,
            sum_mm=baseline_sum if targets else None,
            change_from_baseline_pct=0.0 if targets else None,
            change_from_nadir_pct=0.0 if targets else None,
            target=None,
            non_target=None,
            overall=None,
            reason=(
                f"baseline: {len(targets)} target lesion(s), sum {baseline_sum:g} mm; "
                f"{len(non_targets)} non-target lesion(s)"
            ),
        )
    ]
    nadir = baseline_sum
    restricted = settings.treated_volume_only
    progression: tuple[date, str] | None = None
    equivocal_since: date | None = None
    complete_since: date | None = None  # first overall CR: later disease is PD (Table 3, a)
    for point in reads.timepoints[1:]:
        new = _new_lesions(point, restricted)
        target = (
            target_response(
                targets, point.measurements_mm, baseline_sum_mm=baseline_sum, nadir_mm=nadir
            )
            if targets
            else None
        )
        non_target = non_target_response(non_targets, point.non_target) if non_targets else None
        reappearance: str | None = None
        if complete_since is not None:
            target, non_target, reappearance = after_complete_response(
                target,
                non_target,
                reappeared=reappeared_lesions(
                    targets, non_targets, point.measurements_mm, point.non_target
                ),
                complete_response_on=complete_since,
            )
        overall, why = overall_response(
            target.response if target else None,
            non_target.response if non_target else None,
            new,
        )
        if reappearance is not None:
            overall = Response.PD
            why = reappearance if new is not True else f"unequivocal new lesion(s); {reappearance}"
        parts = [f"target: {target.reason}"] if target else []
        parts += [f"non-target: {non_target.reason}"] if non_target else []
        parts.append(f"overall: {why}")
        total = target.sum_mm if target else None
        rows.append(
            TimePointResponse(
                date=point.date,
                sum_mm=total,
                change_from_baseline_pct=_change_pct(total, baseline_sum),
                change_from_nadir_pct=_change_pct(total, nadir),
                target=target.response if target else None,
                non_target=non_target.response if non_target else None,
                overall=overall,
                reason="; ".join(parts),
            )
        )
        if overall is Response.PD and progression is None:
            if new is True and equivocal_since is not None:
                progression = (
                    equivocal_since,
                    f"new lesion(s) confirmed on {point.date}, first seen as equivocal on "
                    f"{equivocal_since}: progression dated at the first (section 4.3.3)",
                )
            else:
                progression = (point.date, f"first PD on {point.date}: {why}")
        equivocal_since = (equivocal_since or point.date) if new == "equivocal" else None
        if overall is Response.CR and complete_since is None:
            complete_since = point.date
        if total is not None:
            nadir = min(nadir, total)

    follow_up = [(row.date, row.overall) for row in rows[1:] if row.overall is not None]
    if progression is not None:
        # a backdated progression ends the assessments that count for the best response
        follow_up = [(day, r) for day, r in follow_up if day < progression[0]]
        follow_up.append((progression[0], Response.PD))
    best = best_overall_response(
        follow_up,
        reference_date=settings.reference_date or baseline.date,
        confirmation=settings.confirmation,
        min_confirmation_days=settings.min_confirmation_days,
        min_sd_days=settings.min_sd_days,
        not_evaluable_as_progression=settings.not_evaluable_as_progression,
        non_target_only=not targets,
    )
    # section 4.7: from the first CR or PR (the first CR for the duration of CR) to the first
    # documented progression; censored at the last assessment without progression
    end = progression[0] if progression else rows[-1].date
    duration: int | None = None
    censored: bool | None = None
    if best.response_start is not None:
        duration = (end - best.response_start).days
        censored = progression is None
    cr_duration: int | None = None
    if best.complete_response_start is not None:
        cr_duration = (end - best.complete_response_start).days
    return RecistAssessment(
        timepoints=rows,
        best_overall_response=best.response,
        best_overall_response_reason=best.reason,
        date_of_progression=progression[0] if progression else None,
        progression_reason=progression[1] if progression else None,
        duration_of_response_days=duration,
        duration_of_response_censored=censored,
        lesions_assessed=[lesion.id for lesion in lesions],
        duration_of_complete_response_days=cr_duration,
    )
