"""Dose-response (GEE logistic, D50, AUC) on data drawn from a known logistic law, and
Bland-Altman agreement against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from hepar.analysis import (
    LesionRecord,
    bland_altman,
    dose_for_response,
    dose_response,
    lesion_responds,
)
from hepar.errors import InvalidValueError


def _lesions(d50_gy: float, slope_per_gy: float, *, patients: int, per_patient: int,
             seed: int) -> list[LesionRecord]:
    """Lesions whose response follows P = 1 / (1 + exp(-slope (D - D50))), exactly: the
    diameter falls to 50 % for a responder, to 90 % otherwise."""
    rng = np.random.default_rng(seed)
    out = []
    for p in range(patients):
        for k in range(per_patient):
            dose = float(rng.uniform(0.0, 400.0))
            responds = rng.random() < 1.0 / (1.0 + np.exp(-slope_per_gy * (dose - d50_gy)))
            out.append(LesionRecord(f"P{p}", f"L{k}", dose, 30.0, 15.0 if responds else 27.0))
    return out


def test_gee_recovers_the_d50_of_a_known_logistic_law() -> None:
    # 60 patients x 5 lesions drawn from D50 = 150 Gy, slope 0.03 /Gy: the estimate lies within
    # its own 95 % CI of the truth and within 15 % (the CI half-width here is ~8 %)
    model = dose_response(_lesions(150.0, 0.03, patients=60, per_patient=5, seed=4))
    assert model.d50_gy is not None and model.d50_lower_gy is not None
    assert model.d50_lower_gy <= 150.0 <= model.d50_upper_gy
    assert model.d50_gy == pytest.approx(150.0, rel=0.15)
    assert model.slope_per_gy == pytest.approx(0.03, rel=0.35)
    assert model.probability(model.d50_gy) == pytest.approx(0.5, abs=1e-9)


def test_auc_is_the_fraction_of_correctly_ordered_pairs() -> None:
    lesions = [LesionRecord("P1", "a", 10.0, 30, 28), LesionRecord("P1", "b", 200.0, 30, 10),
               LesionRecord("P2", "c", 50.0, 30, 10), LesionRecord("P2", "d", 100.0, 30, 28),
               LesionRecord("P3", "e", 300.0, 30, 10)]
    # responders b (200), c (50), e (300); non-responders a (10), d (100):
    # ordered pairs (pos > neg): b>a, b>d, c>a, e>a, e>d = 5 of 6
    model = dose_response(lesions)
    assert model.auc == pytest.approx(5 / 6)


def test_lesion_response_threshold_is_30_percent() -> None:
    assert lesion_responds(LesionRecord("P", "L", 1.0, 20.0, 14.0), 30.0) is True
    assert lesion_responds(LesionRecord("P", "L", 1.0, 20.0, 14.5), 30.0) is False
    assert lesion_responds(LesionRecord("P", "L", 1.0, 20.0, None), 30.0) is None


def test_no_model_when_every_lesion_responds() -> None:
    model = dose_response([LesionRecord("P", f"L{i}", 100.0 + i, 30, 10) for i in range(6)])
    assert model.d50_gy is None and "all or none" in model.note


def test_lesion_record_refuses_negative_dose() -> None:
    with pytest.raises(InvalidValueError, match="dose_gy"):
        LesionRecord("P", "L1", -1.0, 20.0, 10.0)


def test_bland_altman_by_hand() -> None:
    # differences 10, -2, 10: bias 6, SD sqrt(((4)^2 + (-8)^2 + 4^2) / 2) = sqrt(48) = 6.928
    ba = bland_altman("tumour", [100.0, 120.0, 80.0], [110.0, 118.0, 90.0])
    assert ba.bias_gy == pytest.approx(6.0)
    assert ba.sd_gy == pytest.approx(48 ** 0.5)
    assert ba.lower_loa_gy == pytest.approx(6.0 - 1.96 * 48 ** 0.5)
    assert ba.means_gy == [105.0, 119.0, 85.0]


def test_cluster_bootstrap_interval_covers_the_truth() -> None:
    # resampling patients (Efron & Tibshirani 1993, ch. 8 for clustered data): a percentile
    # interval that contains the true D50 of the generating law and the point estimate
    lesions = _lesions(150.0, 0.03, patients=40, per_patient=5, seed=11)
    model = dose_response(lesions, bootstrap_samples=60, seed=2)
    assert model.d50_method.startswith("cluster bootstrap")
    assert model.d50_lower_gy is not None and model.d50_upper_gy is not None
    assert model.d50_lower_gy < model.d50_gy < model.d50_upper_gy  # type: ignore[operator]
    assert model.d50_lower_gy < 150.0 < model.d50_upper_gy


def test_lesions_with_unreliable_doses_are_left_out_and_counted() -> None:
    lesions = _lesions(150.0, 0.03, patients=30, per_patient=4, seed=5)
    flagged = [LesionRecord(le.patient_id, le.lesion_id + "s", 1000.0, 12.0, 13.0,
                            dose_reliable=False) for le in lesions[:10]]
    alone, both = dose_response(lesions), dose_response([*lesions, *flagged])
    # ten non-responders at 1000 Gy would flatten the fit; flagged, they change nothing
    assert both.n_excluded_unreliable == 10 and alone.n_excluded_unreliable == 0
    assert (both.n_lesions, both.d50_gy) == (alone.n_lesions, alone.d50_gy)


def test_dose_for_response_solves_the_cell_kill_law_exactly() -> None:
    # V(t)/V0 = [S + (1 - S) exp(-t/tau)] exp(g t), S = exp(-alpha D), d = d0 (V/V0)^(1/3)
    # (the virtual cohort's DoseResponseModel). Solved by hand for d/d0 = 0.7 at day 91:
    # S = (0.7^3 exp(-g t) - exp(-t/tau)) / (1 - exp(-t/tau)), D = -ln(S) / alpha.
    from hepar.phantoms import DoseResponseModel

    model = DoseResponseModel()
    t, g = 91.0, np.log(2.0) / model.doubling_days
    clear = np.exp(-t / model.clearance_days)
    survival = (0.7**3 * np.exp(-g * t) - clear) / (1.0 - clear)
    expected_gy = -np.log(survival) / model.alpha_per_gy  # 168.7 Gy with the defaults
    found = dose_for_response(model.relative_diameter, days=t, decrease_pct=30.0)
    assert found == pytest.approx(expected_gy, rel=1e-6)  # brentq's tolerance, far below
    assert dose_for_response(model.relative_diameter, days=t, decrease_pct=99.9) is None
