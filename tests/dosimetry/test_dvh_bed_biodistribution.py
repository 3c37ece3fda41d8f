"""DVH metrics, BED, combined doses and biodistribution against analytic values."""

from __future__ import annotations

import numpy as np
import pytest
from _dosimetry_volumes import make_volume

from hepar.dosimetry import (
    NORMAL_LIVER,
    TUMOUR,
    DoseComponent,
    Radiobiology,
    bed_gy,
    biodistribution,
    combine_voi_doses,
    combined_bed_gy,
    dose_report,
    dose_volume_histogram,
)
from hepar.errors import GeometryError, InvalidValueError
from hepar.imaging import Mask


def test_dvh_of_a_uniform_ramp():
    # 1000 voxels with doses 1..1000 Gy (equal mass): D_x is the (100-x) percentile from above.
    dose = make_volume(np.arange(1.0, 1001.0).reshape(10, 10, 10), "Gy")
    dvh = dose_volume_histogram(dose, Mask.on_grid_of("voi", dose, np.ones((10, 10, 10))))
    assert dvh.d_percent(2) == 981.0 and dvh.d_percent(98) == 21.0
    assert dvh.d_percent(70) == 301.0 and dvh.d_percent(90) == 101.0
    assert dvh.median_gy == 501.0 and dvh.mean_gy == pytest.approx(500.5)
    assert dvh.v_gy(900.0) == pytest.approx(0.101)
    assert dvh.mass_g == pytest.approx(1000 * 0.064 * 1.06)
    assert dvh.cumulative[0] == 1.0 and dvh.differential.sum() == pytest.approx(1.0)
    summary = dvh.summary()
    assert summary["D90_gy"] == 101.0 and "V100Gy_percent" in summary


def test_fractional_voxels_weigh_by_occupancy():
    dose = make_volume(np.array([[[10.0, 30.0]]]), "Gy")
    dvh = dose_volume_histogram(dose, Mask.on_grid_of("edge", dose, np.array([[[1.0, 0.5]]])))
    assert dvh.mean_gy == pytest.approx((10.0 + 0.5 * 30.0) / 1.5)


def test_dvh_refuses_empty_masks_and_other_frames():
    dose = make_volume(np.ones((2, 2, 2)), "Gy")
    with pytest.raises(InvalidValueError, match="mask 'lesion' = '0 voxels'"):
        dose_volume_histogram(dose, Mask.on_grid_of("lesion", dose, np.zeros((2, 2, 2))))
    other = make_volume(np.ones((2, 2, 2)), "1", frame="9.9")
    with pytest.raises(GeometryError, match=r"mask 'liver'\.frame_of_reference_uid = '9\.9'"):
        dose_volume_histogram(dose, Mask("liver", other))


def test_lesion_table_and_tumour_to_non_tumour_ratio():
    array = np.full((10, 10, 10), 40.0)
    array[2:5, 2:5, 2:5] = 200.0
    dose = make_volume(array, "Gy")
    liver = Mask.on_grid_of("liver", dose, np.ones((10, 10, 10)))
    tumour = np.zeros((10, 10, 10))
    tumour[2:5, 2:5, 2:5] = 1.0
    report = dose_report(dose, liver=liver, tumours=[Mask.on_grid_of("lesion 1", dose, tumour)])
    (row,) = report.lesions
    assert row["mean_gy"] == pytest.approx(200.0)
    assert row["tumour_to_non_tumour"] == pytest.approx(5.0)
    assert report.tumour_to_non_tumour == pytest.approx(5.0)
    assert [d.name for d in report.dvhs] == ["liver", "non-tumour liver", "lesion 1"]


def test_bed_limits_of_the_dale_formula():
    # Dale, Br J Radiol 1985;58:515: G -> 1 for a delivery much faster than repair (acute, single
    # fraction: BED = D (1 + D / (alpha/beta))), G -> 0 for one much slower (BED = D).
    acute = bed_gy(10.0, effective_half_life_h=1e-6, radiobiology=TUMOUR)
    assert float(acute) == pytest.approx(10.0 * (1 + 10.0 / 10.0), rel=1e-6)
    slow = bed_gy(10.0, effective_half_life_h=1e9, radiobiology=TUMOUR)
    assert float(slow) == pytest.approx(10.0, rel=1e-6)


def test_radiobiology_constants_are_the_published_radioembolization_values():
    """Strigari et al., J Nucl Med 2010;51:1377 and the review of Cremonesi et al., Front Oncol
    2014;4:210: tumour alpha/beta 10 Gy, repair half-time 1.5 h; normal liver alpha/beta 2.5 Gy
    (also Dawson et al., IJROBP 2002;53:810), 2.5 h. Exact: these are the quoted numbers (a 5 %
    change fails)."""
    assert (TUMOUR.alpha_beta_gy, TUMOUR.repair_half_time_h) == (10.0, 1.5)
    assert (NORMAL_LIVER.alpha_beta_gy, NORMAL_LIVER.repair_half_time_h) == (2.5, 2.5)
    assert "Strigari" in TUMOUR.source and "Cremonesi" in NORMAL_LIVER.source


@pytest.mark.parametrize(
    ("dose_gy", "half_life_h", "tissue", "expected_bed_gy"),
    [
        # worked by hand with the Cremonesi et al. 2014 form G = T_rep / (T_rep + T_eff) (the
        # code uses lambda / (lambda + mu)): 166Ho, physical decay only (26.8 h, EANM guideline).
        # normal liver: G = 2.5 / 29.3 = 0.085324; BED = 60 (1 + 0.085324 x 60 / 2.5) = 182.87
        (60.0, 26.8, "liver", 182.87),
        # tumour: G = 1.5 / 28.3 = 0.053004; BED = 150 (1 + 0.053004 x 150 / 10) = 269.26
        (150.0, 26.8, "tumour", 269.26),
        # 90Y (64.1 h, ICRP 107) to normal liver: G = 2.5 / 66.6 = 0.037538;
        # BED = 40 (1 + 0.037538 x 40 / 2.5) = 64.02
        (40.0, 64.1, "liver", 64.02),
    ],
)
def test_worked_bed_examples(dose_gy, half_life_h, tissue, expected_bed_gy):
    """Worked examples of the permanent-implant BED (Dale 1985) with the study's constants.
    Tolerance 0.01 Gy (the hand arithmetic is rounded to 5 digits); alpha/beta or T_rep 5 % off
    moves these by more than 1 Gy."""
    radiobiology = NORMAL_LIVER if tissue == "liver" else TUMOUR
    bed = float(bed_gy(dose_gy, effective_half_life_h=half_life_h, radiobiology=radiobiology))
    assert bed == pytest.approx(expected_bed_gy, abs=0.01)


def test_combined_177lu_and_166ho_dose_and_bed_add_up():
    lu = [DoseComponent(f"Lu-177 cycle {i}", 3.0, 60.0) for i in range(1, 5)]
    ho = DoseComponent("Ho-166", 45.0, 26.8)
    combined = combine_voi_doses("non-tumour liver", [*lu, ho], radiobiology=NORMAL_LIVER)
    assert combined.total_dose_gy == 57.0 and combined.dose_by_prefix_gy("Lu-177") == 12.0
    lu_bed = float(bed_gy(3.0, effective_half_life_h=60.0, radiobiology=NORMAL_LIVER))
    ho_bed = float(bed_gy(45.0, effective_half_life_h=26.8, radiobiology=NORMAL_LIVER))
    expected = 4 * lu_bed + ho_bed
    assert combined.total_bed_gy == pytest.approx(expected)
    assert float(combined_bed_gy([*lu, ho], radiobiology=NORMAL_LIVER)) == pytest.approx(expected)
    assert combined.to_dict()["alpha_beta_gy"] == 2.5
    with pytest.raises(InvalidValueError, match="alpha_beta_gy = -1"):
        Radiobiology(-1, 1.5, "x")


def test_biodistribution_accounts_for_the_whole_administered_activity():
    array = np.zeros((10, 10, 10))
    array[2:6, 2:6, 2:6] = 1.0e5  # liver, 64 voxels
    array[3, 3, 3] = 4.0e5  # tumour voxel
    array[8, 8, 8] = 2.0e5  # extrahepatic voxel inside the body
    array[0, 9, 9] = 1.0e5  # outside the body
    activity = make_volume(array, "Bq/mL")
    liver = np.zeros((10, 10, 10))
    liver[2:6, 2:6, 2:6] = 1
    tumour = np.zeros((10, 10, 10))
    tumour[3, 3, 3] = 1
    body = np.ones((10, 10, 10))
    body[0] = 0
    rows = biodistribution(
        activity, scan="treatment", administered_activity_at_scan_mbq=1.0,
        liver=Mask.on_grid_of("liver", activity, liver),
        tumours=[Mask.on_grid_of("lesion 1", activity, tumour)],
        body=Mask.on_grid_of("body", activity, body),
    )
    values = {r.voi: r.activity_mbq for r in rows}
    ml = 0.064
    assert values["lesion 1"] == pytest.approx(4.0e5 * ml / 1e6)
    assert values["non-tumour liver"] == pytest.approx(63 * 1.0e5 * ml / 1e6)
    assert values["extrahepatic"] == pytest.approx(2.0e5 * ml / 1e6)
    assert values["outside body"] == pytest.approx(1.0e5 * ml / 1e6)
    assert sum(r.fraction_of_administered for r in rows) == pytest.approx(1.0)
