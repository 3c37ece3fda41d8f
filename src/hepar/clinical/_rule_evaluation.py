"""Evaluating one protocol rule on a candidate record, in three-valued logic: the rule holds, does
not hold, or cannot be decided (missing data, or a judgement nobody attested yet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from hepar.clinical._candidate import Attestation, Candidate
from hepar.clinical._criteria import (
    AgeRule,
    AllRule,
    AnyRule,
    AttestationRule,
    EgfrRule,
    EventRecordedRule,
    FactRule,
    LabRule,
    LutetiumRule,
    MeasurableLesionsRule,
    NumberRule,
    Rule,
    SexRule,
    WithinRule,
)
from hepar.clinical._mdrd import body_surface_area_dubois_m2, egfr_mdrd_ml_min_1_73m2
from hepar.clinical._recist_measurability import measurability
from hepar.clinical._units import Analyte, LabUnit

__all__ = ["Outcome", "evaluate_rule"]

Unknown = Literal["missing", "attestation"]


@dataclass(frozen=True)
class Outcome:
    """The result of a rule: ``holds`` is ``None`` when undecided (``unknown`` says why)."""

    holds: bool | None
    value: str | None
    threshold: str
    unknown: Unknown | None = None
    attestation: Attestation | None = None


def fmt(number: float) -> str:
    """A number for a screening report: at most two decimals, no trailing zeros."""
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _missing(threshold: str, what: str) -> Outcome:
    return Outcome(None, f"missing: {what}", threshold, unknown="missing")


def _fact_label(name: str, value: bool) -> str:
    return f"{name}: {'yes' if value else 'no'}"


def _reference_date(candidate: Candidate) -> tuple[date, str]:
    if candidate.treatment_date is not None:
        return candidate.treatment_date, f"166Ho-RE on {candidate.treatment_date.isoformat()}"
    return (
        candidate.screening_date,
        f"screening on {candidate.screening_date.isoformat()} (166Ho-RE date not set)",
    )


def evaluate_rule(rule: Rule, candidate: Candidate, criterion_id: str) -> Outcome:
    """Evaluate ``rule`` (of criterion ``criterion_id``) on ``candidate``."""
    match rule:
        case AttestationRule():
            return _attestation(candidate, criterion_id)
        case FactRule():
            return _fact(rule, candidate)
        case SexRule():
            threshold = f"sex: {rule.sex.value}"
            if candidate.sex is None:
                return _missing(threshold, "sex")
            return Outcome(candidate.sex is rule.sex, f"sex: {candidate.sex.value}", threshold)
        case AgeRule():
            threshold = f"age {rule.op.symbol} {fmt(rule.years)} years"
            age = candidate.age_on(candidate.screening_date)
            if age is None:
                return _missing(threshold, "birth date or age")
            return Outcome(rule.op.holds(age, rule.years), f"age {fmt(age)} years", threshold)
        case NumberRule():
            return _number(rule, candidate)
        case LabRule():
            return _lab(rule, candidate)
        case EgfrRule():
            return _egfr(rule, candidate)
        case LutetiumRule():
            return _lutetium(rule, candidate)
        case MeasurableLesionsRule():
            return _measurable(rule, candidate)
        case WithinRule():
            return _within(rule, candidate)
        case EventRecordedRule():
            return _event_recorded(rule, candidate)
        case AnyRule():
            return _any([evaluate_rule(r, candidate, criterion_id) for r in rule.rules])
        case AllRule():
            return _all([evaluate_rule(r, candidate, criterion_id) for r in rule.rules])
    raise TypeError(f"unknown rule {rule!r}")  # pragma: no cover - the union is closed


def _attestation(candidate: Candidate, criterion_id: str) -> Outcome:
    threshold = "judgement recorded by a named user"
    found = candidate.attestation_for(criterion_id)
    if found is None:
        return Outcome(None, None, threshold, unknown="attestation")
    verdict = "met" if found.met else "not met"
    value = f"attested {verdict} by {found.attested_by} at {found.attested_at.isoformat()}"
    if found.note:
        value += f" ({found.note})"
    return Outcome(found.met, value, threshold, attestation=found)


def _fact(rule: FactRule, candidate: Candidate) -> Outcome:
    threshold = _fact_label(rule.fact, rule.equals)
    recorded = candidate.fact(rule.fact)
    if recorded is None:
        return _missing(threshold, rule.fact)
    return Outcome(recorded == rule.equals, _fact_label(rule.fact, recorded), threshold)


_FIELD_NAMES = {
    "who_performance_status": "WHO performance status",
    "unresolved_toxicity_grade": "worst unresolved toxicity, CTCAE grade",
    "weight_kg": "body weight",
    "height_cm": "height",
    "liver_tumour_involvement_pct": "liver tumour involvement",
}


def _number(rule: NumberRule, candidate: Candidate) -> Outcome:
    unit = f" {rule.unit}" if rule.unit else ""
    name = _FIELD_NAMES[rule.field]
    threshold = f"{name} {rule.op.symbol} {fmt(rule.threshold)}{unit}"
    value = getattr(candidate, rule.field)
    if value is None:
        return _missing(threshold, name)
    shown = f"{name} {fmt(value)}{unit}"
    return Outcome(rule.op.holds(float(value), rule.threshold), shown, threshold)


def _lab(rule: LabRule, candidate: Candidate) -> Outcome:
    name = rule.analyte.value
    if rule.relative_to is not None:
        threshold = f"{name} {rule.op.symbol} {fmt(rule.threshold)} x {rule.relative_to}"
    else:
        assert rule.unit is not None
        threshold = f"{name} {rule.op.symbol} {fmt(rule.threshold)} {rule.unit.value}"
    lab = candidate.latest_lab(rule.analyte)
    if lab is None:
        return _missing(threshold, f"{name} result")
    when = f" on {lab.sampled_on.isoformat()}" if lab.sampled_on else ""
    if rule.relative_to is not None:
        limit = lab.uln if rule.relative_to == "ULN" else lab.lln
        if limit is None or limit <= 0:
            return _missing(threshold, f"{rule.relative_to} of the {name} result")
        ratio = lab.value / limit
        value = (
            f"{name} {fmt(ratio)} x {rule.relative_to} ({lab.value:g} {lab.unit.value}, "
            f"{rule.relative_to} {limit:g}{when})"
        )
        return Outcome(rule.op.holds(ratio, rule.threshold), value, threshold)
    assert rule.unit is not None
    converted = lab.in_unit(rule.unit)
    value = f"{name} {fmt(converted)} {rule.unit.value}"
    if lab.unit is not rule.unit:
        value += f" (reported {lab.value:g} {lab.unit.value})"
    return Outcome(rule.op.holds(converted, rule.threshold), value + when, threshold)


def _egfr(rule: EgfrRule, candidate: Candidate) -> Outcome:
    per = "mL/min/1.73 m2" if rule.form == "per 1.73 m2" else "mL/min"
    threshold = f"eGFR (MDRD) {rule.op.symbol} {fmt(rule.threshold_ml_min)} {per}"
    creatinine = candidate.latest_lab(Analyte.CREATININE)
    age = candidate.age_on(candidate.screening_date)
    needed = [
        what
        for what, present in (
            ("creatinine result", creatinine is not None),
            ("birth date or age", age is not None),
            ("sex", candidate.sex is not None),
        )
        if not present
    ]
    if rule.form == "absolute":
        needed += [
            what
            for what, present in (
                ("weight", candidate.weight_kg is not None),
                ("height", candidate.height_cm is not None),
            )
            if not present
        ]
    if needed:
        return _missing(threshold, ", ".join(needed))
    assert creatinine is not None and age is not None and candidate.sex is not None
    scr_umol_l = creatinine.in_unit(LabUnit.UMOL_PER_L)
    female = candidate.sex.value == "female"
    egfr = egfr_mdrd_ml_min_1_73m2(scr_umol_l, age, female=female, black=candidate.black)
    detail = f"creatinine {fmt(scr_umol_l)} umol/L, age {fmt(age)}, {candidate.sex.value}"
    if candidate.black:
        detail += ", x 1.212"
    if rule.form == "absolute":
        assert candidate.weight_kg is not None and candidate.height_cm is not None
        bsa = body_surface_area_dubois_m2(candidate.weight_kg, candidate.height_cm)
        egfr *= bsa / 1.73
        detail += f", BSA {fmt(bsa)} m2"
    return Outcome(
        rule.op.holds(egfr, rule.threshold_ml_min), f"eGFR {fmt(egfr)} {per} ({detail})", threshold
    )


def _lutetium(rule: LutetiumRule, candidate: Candidate) -> Outcome:
    window = (
        f"{fmt(rule.min_weeks)}-{fmt(rule.max_weeks)} weeks"
        if rule.min_weeks > 0
        else f"within {fmt(rule.max_weeks)} weeks"
    )
    activity = (
        f" of {fmt(rule.activity_mbq)} MBq ± {fmt(rule.activity_tolerance_pct)} %"
        if rule.activity_mbq
        else ""
    )
    if rule.max_cycles is None:
        count = f"≥ {rule.min_cycles}"
    elif rule.max_cycles == rule.min_cycles:
        count = f"= {rule.min_cycles}"
    else:
        count = f"{rule.min_cycles}-{rule.max_cycles}"
    threshold = f"{count} cycles 177Lu{activity}; last cycle {window} before 166Ho-RE"
    cycles = sorted(candidate.lutetium_cycles, key=lambda c: c.administered_on)
    if not cycles:
        return _missing(threshold, "177Lu cycles")
    activities = ", ".join(
        "?" if c.activity_mbq is None else fmt(c.activity_mbq) for c in cycles
    )
    last = cycles[-1].administered_on
    value = f"{len(cycles)} cycles ({activities} MBq); last on {last.isoformat()}"
    problems: list[str] = []
    unknown: list[str] = []
    if len(cycles) < rule.min_cycles:
        problems.append(f"{len(cycles)} < {rule.min_cycles} cycles")
    if rule.max_cycles is not None and len(cycles) > rule.max_cycles:
        problems.append(f"{len(cycles)} > {rule.max_cycles} cycles")
    if rule.activity_mbq is not None:
        for index, cycle in enumerate(cycles, start=1):
            if cycle.activity_mbq is None:
                unknown.append(f"activity of cycle {index}")
            elif (
                abs(cycle.activity_mbq - rule.activity_mbq)
                > rule.activity_tolerance_pct / 100.0 * rule.activity_mbq + 1e-9
            ):
                problems.append(f"cycle {index} {fmt(cycle.activity_mbq)} MBq")
    if candidate.treatment_date is None:
        unknown.append("planned 166Ho-RE date")
    else:
        weeks = (candidate.treatment_date - last).days / 7.0
        value += f", {fmt(weeks)} weeks before 166Ho-RE on {candidate.treatment_date.isoformat()}"
        if not (rule.min_weeks - 1e-9 <= weeks <= rule.max_weeks + 1e-9) or weeks <= 0:
            problems.append(f"last cycle {fmt(weeks)} weeks before 166Ho-RE")
    if problems:
        return Outcome(False, f"{value} [{'; '.join(problems)}]", threshold)
    if unknown:
        value += f"; missing: {', '.join(unknown)}"
        return Outcome(None, value, threshold, unknown="missing")
    return Outcome(True, value, threshold)


def _measurable(rule: MeasurableLesionsRule, candidate: Candidate) -> Outcome:
    organ = rule.organ.lower()
    threshold = f"≥ {rule.min_count} measurable {organ} lesions (RECIST 1.1)"
    if not candidate.lesions:
        return _missing(threshold, "lesion measurements")
    in_organ = [lesion for lesion in candidate.lesions if lesion.organ == organ]
    measurable: list[str] = []
    not_measurable: list[str] = []
    for lesion in in_organ:
        verdict = measurability(
            lesion.diameter_mm,
            nodal=lesion.nodal,
            method=lesion.method,
            slice_thickness_mm=lesion.slice_thickness_mm,
            locally_treated=lesion.locally_treated,
        )
        if verdict.measurable:
            measurable.append(f"{lesion.id} {fmt(lesion.diameter_mm)} mm")
        else:
            not_measurable.append(f"{lesion.id}: {verdict.reason}")
    value = f"{len(measurable)} measurable {organ} lesions"
    if measurable:
        value += f" ({', '.join(measurable)})"
    if not_measurable:
        value += f"; not measurable: {'; '.join(not_measurable)}"
    return Outcome(len(measurable) >= rule.min_count, value, threshold)


def _within(rule: WithinRule, candidate: Candidate) -> Outcome:
    reference, described = _reference_date(candidate)
    threshold = f"{rule.event} less than {fmt(rule.weeks)} weeks before study therapy"
    if not candidate.has_event(rule.event):
        return _missing(threshold, f"date of last {rule.event} (null if never)")
    last = candidate.event(rule.event)
    if last is None:
        return Outcome(False, f"no {rule.event} recorded (never)", threshold)
    weeks = (reference - last).days / 7.0
    value = f"last {rule.event} on {last.isoformat()}, {fmt(weeks)} weeks before {described}"
    return Outcome(weeks < rule.weeks, value, threshold)


def _event_recorded(rule: EventRecordedRule, candidate: Candidate) -> Outcome:
    threshold = f"{rule.event} dated on or before screening"
    if not candidate.has_event(rule.event):
        return _missing(threshold, f"date of {rule.event}")
    day = candidate.event(rule.event)
    if day is None:
        return Outcome(False, f"no {rule.event}", threshold)
    value = f"{rule.event} on {day.isoformat()}"
    return Outcome(day <= candidate.screening_date, value, threshold)


def _joined(outcomes: list[Outcome], word: str) -> tuple[str | None, str]:
    values = [o.value for o in outcomes if o.value is not None]
    return ("; ".join(values) or None), f" {word} ".join(f"({o.threshold})" for o in outcomes)


def _undecided(outcomes: list[Outcome], word: str) -> Outcome:
    value, threshold = _joined(outcomes, word)
    kinds = {o.unknown for o in outcomes if o.holds is None}
    unknown: Unknown = "missing" if "missing" in kinds else "attestation"
    return Outcome(None, value, threshold, unknown=unknown)


def _any(outcomes: list[Outcome]) -> Outcome:
    for outcome in outcomes:
        if outcome.holds is True:
            return outcome
    if all(outcome.holds is False for outcome in outcomes):
        value, threshold = _joined(outcomes, "or")
        return Outcome(False, value, threshold)
    return _undecided(outcomes, "or")


def _all(outcomes: list[Outcome]) -> Outcome:
    for outcome in outcomes:
        if outcome.holds is False:
            return outcome
    if all(outcome.holds is True for outcome in outcomes):
        value, threshold = _joined(outcomes, "and")
        attestation = next((o.attestation for o in outcomes if o.attestation), None)
        return Outcome(True, value, threshold, attestation=attestation)
    return _undecided(outcomes, "and")
