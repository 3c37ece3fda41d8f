"""166Ho planning: activity, lung dose, limits, split, administered activity, scout analysis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from _dosimetry_volumes import make_volume

from hepar.dosimetry import (
    ActivityMeasurement,
    PlanningLimits,
    activity_at_mbq,
    administered_activity,
    analyse_scout,
    plan_activity,
    split_activity_by_mass,
)
from hepar.errors import GeometryError, InvalidValueError
from hepar.imaging import Mask

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_one_kg_of_treated_liver_at_60_gy_needs_3781_mbq():
    # REFERENCE.md: 60 / 0.01587 = 3781 MBq per kg (van Roekel, Utrecht: "liver weight x 3780").
    plan = plan_activity(1.0)
    assert plan.activity_mbq == pytest.approx(3781.0, abs=0.5)
    assert plan.within_limits and plan.failed_limits == ()


def test_lung_dose_for_a_given_shunt_by_hand():
    # D_lung = A x LSF x E / m_lung = 1.5 kg x 3780.7 MBq/kg x 0.08 x 0.01587 J/MBq / 0.9 kg
    plan = plan_activity(1.5, lung_shunt_fraction=0.08, lung_mass_kg=0.9)
    activity = 60.0 * 1.5 / 0.01587
    assert plan.lung_dose_gy == pytest.approx(activity * 0.08 * 0.01587 / 0.9, rel=1e-12)
    assert plan.liver_mean_dose_gy == pytest.approx(60.0 * 0.92)


def test_a_plan_over_the_lung_limit_names_the_failed_limit():
    plan = plan_activity(2.0, lung_shunt_fraction=0.3)  # 7562 MBq x 0.3 x 0.01587 = 36 Gy
    assert not plan.within_limits
    (failed,) = plan.failed_limits
    assert failed.name == "lung_dose_gy" and failed.limit == 30.0
    assert failed.value == pytest.approx(7561.4 * 0.3 * 0.01587, rel=1e-3)
    data = plan.to_dict()
    assert data["within_limits"] is False
    assert data["failed_limits"][0]["name"] == "lung_dose_gy"


def test_limits_are_parameters():
    strict = PlanningLimits(lung_dose_max_gy=5.0)
    assert not plan_activity(1.0, lung_shunt_fraction=0.1, limits=strict).within_limits
    too_high = plan_activity(1.0, target_dose_gy=80.0)
    assert [c.name for c in too_high.failed_limits] == ["liver_mean_dose_gy"]


def test_bad_planning_input_is_refused_with_the_field():
    with pytest.raises(InvalidValueError, match=r"treated_mass_kg = -1\.0"):
        plan_activity(-1.0)
    with pytest.raises(InvalidValueError, match=r"lung_shunt_fraction = 1\.2"):
        plan_activity(1.0, lung_shunt_fraction=1.2)
    with pytest.raises(InvalidValueError, match=r"lung_dose_max_gy = 0"):
        PlanningLimits(lung_dose_max_gy=0)
    with pytest.raises(InvalidValueError, match=r"target_dose_gy = -5"):
        plan_activity(1.0, target_dose_gy=-5)


def test_split_by_perfused_mass_gives_every_territory_the_same_mean_dose():
    split = split_activity_by_mass(4000.0, {"A": 0.6, "B": 0.2, "C": 0.2})
    assert split == pytest.approx({"A": 2400.0, "B": 800.0, "C": 800.0})
    assert sum(split.values()) == pytest.approx(4000.0)


def test_administered_activity_is_vial_minus_residuals_at_the_reference_time():
    vial = ActivityMeasurement(4200.0, T0 - timedelta(hours=2))
    residuals = [ActivityMeasurement(150.0, T0 + timedelta(hours=1)),
                 ActivityMeasurement(40.0, T0 + timedelta(hours=1.5))]
    result = administered_activity(vial, residuals, reference_time=T0, half_life_h=26.8)
    lam = np.log(2) / 26.8
    expected = 4200.0 * np.exp(-lam * 2) - 150.0 * np.exp(lam * 1) - 40.0 * np.exp(lam * 1.5)
    assert result.activity_mbq == pytest.approx(expected, rel=1e-12)
    assert activity_at_mbq(1000.0, measured_at=T0, at_time=T0 + timedelta(hours=53.6),
                           half_life_h=26.8) == pytest.approx(250.0)
    with pytest.raises(InvalidValueError, match="residuals"):
        administered_activity(ActivityMeasurement(10.0, T0), [ActivityMeasurement(20.0, T0)],
                              reference_time=T0, half_life_h=26.8)


def _scout_phantom():
    shape = (30, 30, 30)
    scout = np.zeros(shape)
    liver = np.zeros(shape, dtype=bool)
    liver[5:15, 5:20, 5:20] = True
    tumour = np.zeros(shape, dtype=bool)
    tumour[8:11, 8:11, 8:11] = True
    lungs = np.zeros(shape, dtype=bool)
    lungs[20:28, 5:20, 5:20] = True
    scout[liver] = 1.0e4
    scout[tumour] = 5.0e4
    scout[lungs] = 200.0
    scout[12:14, 25:27, 25:27] = 3.0e4  # extrahepatic spot, 20 mm from the liver
    volume = make_volume(scout, "Bq/mL", 4.0)
    masks = {name: Mask.on_grid_of(name, volume, m)
             for name, m in (("liver", liver), ("tumour 1", tumour), ("lungs", lungs))}
    return volume, masks


def test_scout_analysis_by_hand():
    scout, masks = _scout_phantom()
    voxel_ml = 0.064
    liver_mbq = (2250 - 27) * 1.0e4 * voxel_ml / 1e6 + 27 * 5.0e4 * voxel_ml / 1e6
    lung_mbq = 8 * 15 * 15 * 200.0 * voxel_ml / 1e6
    spot_mbq = 8 * 3.0e4 * voxel_ml / 1e6
    total = liver_mbq + lung_mbq + spot_mbq
    result = analyse_scout(
        scout, masks["liver"], lungs=masks["lungs"], tumours=[masks["tumour 1"]],
        treatment_activity_mbq=3000.0, lung_mass_kg=1.0,
    )
    assert result.lung_shunt_fraction == pytest.approx(lung_mbq / (lung_mbq + liver_mbq))
    assert result.lung_dose_gy == pytest.approx(3000.0 * result.lung_shunt_fraction * 0.01587)
    tumour = next(v for v in result.vois if v.kind == "tumour")
    tumour_mass_kg = 27 * voxel_ml * 1.06 / 1000.0
    expected = 3000.0 * (27 * 5.0e4 * voxel_ml / 1e6) / total * 0.01587 / tumour_mass_kg
    assert tumour.predicted_mean_dose_gy == pytest.approx(expected, rel=1e-9)
    (spot,) = result.extrahepatic
    assert spot.activity_mbq == pytest.approx(spot_mbq)
    # activity-weighted centroid of voxels z 12-13, y 25-26, x 25-26, 4 mm spacing, origin below
    centroid = np.array([-100.0 + 4 * 25.5, -120.0 + 4 * 25.5, -80.0 + 4 * 12.5])
    np.testing.assert_allclose(spot.centroid_lps_mm, centroid, atol=1e-9)
    assert not result.within_limits
    assert result.failed_limits[-1].name == "extrahepatic_fraction"


def test_scout_lung_mass_defaults_to_one_kg_without_a_lung_mask():
    scout, masks = _scout_phantom()
    result = analyse_scout(scout, masks["liver"], treatment_activity_mbq=3000.0,
                           lung_shunt_fraction=0.05)
    assert result.lung_mass_kg == 1.0
    assert result.lung_dose_gy == pytest.approx(3000.0 * 0.05 * 0.01587)
    # the shunted 5 % does not reach the liver
    liver = result.vois[0]
    assert liver.predicted_activity_mbq == pytest.approx(3000.0 * 0.95 * liver.fraction_of_scout)


def test_scout_refuses_masks_on_another_frame_and_empty_masks():
    scout, masks = _scout_phantom()
    other = make_volume(np.ones(scout.shape), "1", frame="1.2.3.7")
    with pytest.raises(GeometryError, match="frame_of_reference_uid"):
        analyse_scout(scout, Mask("liver", other), treatment_activity_mbq=1.0,
                      lung_shunt_fraction=0.0)
    empty = Mask.on_grid_of("lesion 9", scout, np.zeros(scout.shape))
    with pytest.raises(InvalidValueError, match="mask 'lesion 9' = '0 voxels'"):
        analyse_scout(scout, masks["liver"], tumours=[empty], treatment_activity_mbq=1.0,
                      lung_shunt_fraction=0.0)
    with pytest.raises(InvalidValueError, match="lung_shunt_fraction = None"):
        analyse_scout(scout, masks["liver"], treatment_activity_mbq=1.0)


def test_extrahepatic_fraction_is_checked_against_a_limit_of_the_protocol():
    # The phantom's spot holds 8 voxels x 3e4 Bq/mL of 2.4184e7 Bq/mL-voxels in all (liver
    # 2223 x 1e4 + tumour 27 x 5e4 + lungs 1800 x 200 + spot): 0.99 % of the scout, by hand.
    scout, masks = _scout_phantom()
    fraction = 8 * 3.0e4 / (2223 * 1.0e4 + 27 * 5.0e4 + 1800 * 200.0 + 8 * 3.0e4)

    def analyse(limits):
        return analyse_scout(scout, masks["liver"], lungs=masks["lungs"],
                             treatment_activity_mbq=300.0, lung_mass_kg=1.0, limits=limits)

    strict = analyse(PlanningLimits())  # default 0: any deposition fails
    (failed,) = strict.failed_limits
    assert (failed.name, failed.limit) == ("extrahepatic_fraction", 0.0)
    assert failed.value == pytest.approx(fraction, rel=1e-9)
    tolerant = analyse(PlanningLimits(extrahepatic_fraction_max=0.02))
    assert tolerant.within_limits and tolerant.failed_limits == ()
    check = next(c for c in tolerant.checks if c.name == "extrahepatic_fraction")
    assert (check.value, check.limit, check.passed) == (pytest.approx(fraction), 0.02, True)
    assert not analyse(PlanningLimits(extrahepatic_fraction_max=0.005)).within_limits
    with pytest.raises(InvalidValueError, match=r"extrahepatic_fraction_max = 1\.5"):
        PlanningLimits(extrahepatic_fraction_max=1.5)
