"""Clinical records of virtual patients and the cohort's screen failures, read by the
hepar.clinical engines."""

from __future__ import annotations

import math

import pytest

from hepar.clinical import assess_recist, evaluate_eligibility, score_answers
from hepar.errors import InvalidValueError
from hepar.io import load_protocol, load_questionnaire
from hepar.phantoms import (
    FAILURE_CRITERIA,
    LAB_REFERENCES,
    CohortMember,
    DoseResponseModel,
    cohort_plan,
    generate_clinical_record,
    generate_virtual_patient,
    screen_failure_candidate,
)


@pytest.fixture(scope="module")
def record():
    return generate_clinical_record(generate_virtual_patient(6, "tiny"))


@pytest.mark.parametrize("protocol", ["registry", "paper-v6"])
def test_each_screen_failure_fails_exactly_its_named_criterion(protocol):
    rules = load_protocol(protocol)
    plan = cohort_plan(27, seed=1)
    failures = [m for m in plan if m.fails is not None]
    assert {m.fails for m in failures} == set(FAILURE_CRITERIA)
    for member in failures:
        result = evaluate_eligibility(screen_failure_candidate(member), rules)
        assert result.eligible is False
        assert [c.id for c in result.criteria if c.fails] == [member.fails]


def test_cohort_plan_is_seeded_and_validated():
    assert cohort_plan(5, seed=2) == cohort_plan(5, seed=2)
    assert cohort_plan(5, seed=2) != cohort_plan(5, seed=3)
    with pytest.raises(InvalidValueError, match="cohort"):
        cohort_plan(0)
    with pytest.raises(InvalidValueError, match="fails"):
        screen_failure_candidate(CohortMember(1, None))


def test_enrolled_patient_passes_both_protocols(record):
    for protocol in ("registry", "paper-v6"):
        assert evaluate_eligibility(record.candidate, load_protocol(protocol)).eligible is True


def test_recist_reads_follow_the_dose_response_model(record):
    """Measured target diameters = baseline x model ratio within reader noise (3 SD) and
    1 mm rounding (the model: log-linear kill, clearance, regrowth; kept in the truth)."""
    model = record.dose_response
    truth = {t.id: t for t in record.lesion_truth}
    targets = [lesion.id for lesion in record.recist.lesions if lesion.role.value == "target"]
    assert 1 <= len(targets) <= 2
    for point in record.recist.timepoints[1:]:
        vid = next(v for v, day in record.visits.items() if day == point.date)
        for lesion_id in targets:
            measured = point.measurements_mm[lesion_id]
            expected = truth[lesion_id].baseline_diameter_mm * truth[lesion_id].relative_diameter[
                vid]
            if isinstance(measured, float):
                assert abs(measured - expected) <= 3 * model.reader_sd_mm + 0.5
    assessment = assess_recist(record.recist)
    assert len(assessment.timepoints) == len(record.recist.timepoints)


def test_dose_response_model_shape():
    model = DoseResponseModel()
    assert model.relative_diameter(0.0, 0.0) == pytest.approx(1.0)
    # untreated: volume doubles in the doubling time
    assert model.relative_diameter(0.0, model.doubling_days) == pytest.approx(2 ** (1 / 3))
    # more dose, more shrinkage at 3 months; long after, the survivors S = exp(-alpha D) regrow
    assert model.relative_diameter(300.0, 91) < model.relative_diameter(100.0, 91) < 1.0
    late = model.relative_diameter(200.0, 2000.0)
    survival = math.exp(-model.alpha_per_gy * 200.0)
    growth = math.exp(math.log(2) / model.doubling_days * 2000.0)
    assert late == pytest.approx((survival * growth) ** (1 / 3), rel=1e-6)


def test_qol_answers_score_with_the_c30_definitions(record):
    questionnaire = load_questionnaire("qlq-c30")
    for answers in record.qol.values():
        assert set(answers.answers) == set(range(1, 52))
        c30 = {k: v for k, v in answers.answers.items() if k <= 30}
        scores = score_answers(c30, questionnaire)
        assert all(v is None or 0.0 <= v <= 100.0 for v in scores.scores.values())


def test_labs_are_drawn_at_every_visit_with_every_analyte(record):
    """Labs at each of the 8 visits (screening, scout, treatment, 2 w, 6 w, 3, 6, 12 months;
    fewer only if the patient died), each visit with all 12 analytes of LAB_REFERENCES."""
    analytes = set(LAB_REFERENCES["male"])
    assert len(analytes) == 12
    assert {"screening", "scout", "treatment"} <= set(record.visits)
    for vid, day in record.visits.items():
        drawn = [lab.analyte.value for lab in record.labs if lab.sampled_on == day]
        assert analytes <= set(drawn), vid
    assert len(record.labs) == 12 * len(record.visits)


def test_labs_adverse_events_and_outcome_are_consistent(record):
    days = sorted(record.visits.values())
    for lab in record.labs:
        assert lab.sampled_on in days
    for event in record.adverse_events:
        assert 1 <= event.grade <= 5
        assert event.onset >= record.visits["treatment"]
        if event.serious:
            assert event.seriousness_criteria
    outcome = record.outcome
    assert (outcome.death_date is None) != (outcome.censored_on is None)
    if outcome.progression_date is not None:
        assert outcome.progression_date <= outcome.last_follow_up
