"""The study analysis on a tiny virtual cohort, checked against the cohort's ground truth.

The cohort's lesions follow the dose-response model of :class:`hepar.phantoms.DoseResponseModel`
(records built as ``virtual_study`` says: no imaging, true doses, the model's reader noise).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from scipy.optimize import brentq
from virtual_study import VirtualStudy, build_virtual_study

from hepar.analysis import StudyAnalysis, analyse_study
from hepar.clinical import MeasurementCode, Protocol
from hepar.io import load_protocol, load_study_questionnaires
from hepar.phantoms import cohort_plan

N_PATIENTS, SEED = 12, 1

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol("registry")


@pytest.fixture(scope="module")
def study(protocol: Protocol) -> VirtualStudy:
    return build_virtual_study(N_PATIENTS, protocol, seed=SEED)


@pytest.fixture(scope="module")
def analysis(study: VirtualStudy, protocol: Protocol) -> StudyAnalysis:
    return analyse_study(study.screening, study.patients, protocol,
                         questionnaires=load_study_questionnaires())


def test_d50_recovers_the_cohort_model_within_25_percent(study: VirtualStudy,
                                                         analysis: StudyAnalysis) -> None:
    # The model's dose for 50 % response at 3 months: the dose whose expected diameter is 70 %
    # of baseline on day 91 (reader noise is symmetric, so half the lesions at that dose fall
    # below 70 %). Solved from the model's own law, not from the analysis.
    model = study.model
    truth_gy = brentq(lambda d: model.relative_diameter(d, 91.0) - 0.7, 0.0, 5000.0)
    fit = analysis.dose_response
    assert fit.d50_gy is not None, fit.note
    assert fit.d50_gy == pytest.approx(truth_gy, rel=0.25)  # the tolerance
    assert fit.d50_lower_gy is not None and fit.d50_upper_gy is not None
    assert fit.d50_lower_gy < fit.d50_gy < fit.d50_upper_gy
    assert fit.auc is not None and fit.auc > 0.7


def _truth_primary(study: VirtualStudy) -> tuple[int, int]:
    """Responders and evaluable patients counted directly from the 3-month measurements
    (RECIST 1.1 sums in the treated volume, Eisenhauer 2009 4.3: "too small" = 5 mm)."""
    responders = evaluable = 0
    for record in study.records:
        reads = record.recist
        treatment = record.visits["treatment"]
        planned = treatment + timedelta(days=91)
        points = [p for p in reads.timepoints[1:] if abs((p.date - planned).days) <= 14]
        if not points:
            continue
        point = points[0]
        targets = [le.id for le in reads.lesions
                   if le.role.value == "target" and le.in_treated_volume]
        base = sum(float(reads.baseline.measurements_mm[t]) for t in targets)

        def mm(value: float | MeasurementCode) -> float:
            if value is MeasurementCode.TOO_SMALL:
                return 5.0
            return 0.0 if value is MeasurementCode.GONE else float(value)

        now = sum(mm(point.measurements_mm[t]) for t in targets)
        new = point.new_lesions_in_treated_volume is True
        evaluable += 1
        if not new and now <= 0.7 * base:
            responders += 1
    return responders, evaluable


def test_primary_rate_equals_the_ground_truth_measurements(study: VirtualStudy,
                                                           analysis: StudyAnalysis) -> None:
    responders, evaluable = _truth_primary(study)
    assert (analysis.primary.per_protocol.events, analysis.primary.per_protocol.total) == (
        responders, evaluable)


def test_consort_counts_follow_the_cohort_plan(analysis: StudyAnalysis) -> None:
    plan = cohort_plan(N_PATIENTS, seed=SEED)
    failures = [m.fails for m in plan if m.fails is not None]
    flow = analysis.consort
    assert flow.screened == len(plan)
    assert flow.screen_failures == len(failures)
    assert flow.failures_by_criterion == {c: failures.count(c) for c in sorted(set(failures))}
    assert flow.enrolled == flow.treated == N_PATIENTS


def test_safety_table_counts_the_records(study: VirtualStudy, analysis: StudyAnalysis) -> None:
    for row in analysis.safety.by_term:
        patients = {e.patient_id for r in study.records for e in r.adverse_events
                    if e.term == row.term}
        assert row.patients == len(patients)
    assert analysis.safety.treated == N_PATIENTS


def test_qol_change_is_the_mean_of_patient_changes(analysis: StudyAnalysis) -> None:
    # the table's mean change equals the mean over patients of (follow-up - baseline)
    changes = analysis.qol.changes["fu-3m"]
    values = [c["QL2"] for c in changes.values() if c.get("QL2") is not None]
    row = next(s for s in analysis.qol.summaries if s.visit == "fu-3m" and s.code == "QL2")
    assert row.n == len(values)
    assert row.mean_change == pytest.approx(sum(values) / len(values))  # type: ignore[arg-type]
    assert row.improved + row.stable + row.worse == row.n


def test_survival_events_are_the_recorded_deaths_and_progressions(
        study: VirtualStudy, analysis: StudyAnalysis) -> None:
    deaths = sum(r.outcome.death_date is not None for r in study.records)
    assert analysis.survival.os.events == deaths
    assert analysis.survival.os.n == N_PATIENTS
    # every PFS event is a progression or a death; liver PFS never has more events than PFS
    assert analysis.survival.liver_pfs.events <= analysis.survival.pfs.events <= N_PATIENTS
