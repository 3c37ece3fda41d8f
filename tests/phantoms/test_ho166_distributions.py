"""166Ho scout and treatment distributions: the extrahepatic deposit lies outside liver and
lungs, and the drawn LSF, TNR and scout-treatment mismatch follow their stated laws."""

from __future__ import annotations

import math

import numpy as np
import pytest
from phantom_helpers import centred_grid
from scipy import stats
from scipy.ndimage import distance_transform_edt

from hepar.imaging import Volume, affine_from_geometry
from hepar.phantoms import (
    PatientOptions,
    Structure,
    draw_ho166_distributions,
    generate_anatomy,
    generate_virtual_patient,
    patient_truth,
    stream,
)

EXTRAHEPATIC_ONLY = (Structure.LIVER, Structure.LESION, Structure.NECROSIS, Structure.LUNG)


def _body_grid(spacing_mm: float = 7.2):
    """A grid over the whole body segment (z -135..155 mm)."""
    grid = centred_grid((42, 40, 50), spacing_mm)
    affine = grid.affine.copy()
    affine[2, 3] += 10.0
    return Volume(np.zeros(grid.shape), affine, "1", grid.frame_of_reference_uid)


def _local_labels(anatomy, centre, half_mm: float = 40.0, spacing_mm: float = 1.0):
    """The anatomy on a fine grid around ``centre`` (for distances to the liver)."""
    n = int(2 * half_mm / spacing_mm) + 1
    origin = tuple(c - half_mm for c in centre)
    affine = affine_from_geometry(origin_lps_mm=origin, spacing_mm=(spacing_mm,) * 3)
    return anatomy.labels(Volume(np.zeros((n, n, n), np.uint8), affine, "1",
                                 "1.2.826.0.1.3680043.8.498.2")), n // 2


@pytest.mark.parametrize("seed", [3, 0, 1, 5, 8])
def test_extrahepatic_deposit_is_outside_liver_and_lungs(seed):
    """All activity outside liver and lungs is the extrahepatic fraction of the administered
    activity (to 1e-9: the deposit is the only activity there), and the deposit's centre lies
    in the body, outside liver and lungs, with its 6 mm sphere's edge more than 10 mm from the
    liver surface (distance measured here on a 1 mm grid, tolerance one voxel diagonal,
    0.9 mm)."""
    anatomy = generate_anatomy(stream(seed, "anatomy"))
    labels = anatomy.labels(_body_grid())
    scout, treatment = draw_ho166_distributions(stream(seed, "ho166"), anatomy, 3000.0,
                                                extrahepatic=True)
    assert 0.005 <= scout.extrahepatic_fraction <= 0.03
    assert scout.extrahepatic_site in ("stomach wall", "next to the stomach")
    outside = ~np.isin(labels.structure, EXTRAHEPATIC_ONLY)
    for dist in (scout, treatment):
        activity = dist.activity_map_mbq(anatomy, labels)
        assert activity.sum() == pytest.approx(dist.administered_mbq, rel=1e-9)
        assert activity[outside].sum() == pytest.approx(
            dist.extrahepatic_fraction * dist.administered_mbq, rel=1e-9, abs=1e-12)
    local, middle = _local_labels(anatomy, scout.extrahepatic_centre_mm)
    liver = local.liver_with_lesions
    lungs = local.structure == Structure.LUNG
    assert local.structure[middle, middle, middle] not in (*EXTRAHEPATIC_ONLY, Structure.AIR)
    assert liver.any(), "the liver lies within 40 mm: the distance below is measured"
    distance_to_liver = distance_transform_edt(~liver)[middle, middle, middle]
    assert distance_to_liver - scout.extrahepatic_radius_mm > 10.0 - 0.9
    assert distance_transform_edt(~lungs)[middle, middle, middle] > scout.extrahepatic_radius_mm


def test_seed_3_truth_puts_the_deposit_outside_liver_and_lung_masks():
    """The audit's case: seed 3 with an extrahepatic deposit. truth.json's centre falls in
    neither the liver nor a lung mask, and the true scout activity map holds exactly the
    extrahepatic fraction outside them."""
    patient = generate_virtual_patient(3, "tiny", PatientOptions(extrahepatic=True))
    truth = patient_truth(patient)
    scout = next(a for a in truth["administrations"] if a["name"] == "ho166_scout")
    centre = scout["extrahepatic_centre_lps_mm"]
    assert scout["extrahepatic_site"] in ("stomach wall", "next to the stomach")
    assert scout["extrahepatic_radius_mm"] == 6.0
    masks = {m.name: m.boolean for m in patient.masks(on_ct=False)}
    index = tuple(int(v) for v in np.round(patient.grid.index_of(tuple(centre))))
    for name in ("liver", "lung right", "lung left"):
        assert not masks[name][index], name
    assert masks["body"][index]
    scan = next(s for s in patient.scans if s.name == "ho166_scout")
    ho = scan.activity_mbq["Ho-166"]
    inside = masks["liver"] | masks["lung right"] | masks["lung left"]
    # truth.json gives the fraction to 5 decimals
    assert ho[~inside].sum() / ho.sum() == pytest.approx(scout["extrahepatic_fraction"],
                                                          abs=5e-6)
    assert ho[~inside].sum() / ho.sum() == pytest.approx(patient.scout.extrahepatic_fraction,
                                                          rel=1e-9)


def _many_draws(sigma: float, n_seeds: int = 200):
    anatomy = generate_anatomy(stream(0, "anatomy"), n_lesions=12, territory="whole")
    return [draw_ho166_distributions(stream(seed, "ho166"), anatomy, 3000.0,
                                     mismatch_sigma=sigma) for seed in range(n_seeds)]


def test_lung_shunt_fractions_are_uniform_on_0_to_15_percent():
    """Drawn LSF lie in 0-15 %; uniform: Kolmogorov-Smirnov p > 0.001 against U(0, 0.15)."""
    lsf = np.array([scout.lung_shunt_fraction for scout, _ in _many_draws(0.2)])
    assert lsf.min() >= 0.0 and lsf.max() <= 0.15
    assert stats.kstest(lsf, stats.uniform(0.0, 0.15).cdf).pvalue > 1e-3


def test_tnr_is_log_normal_with_median_3_and_log_sd_0_5():
    """ln TNR ~ N(ln 3, 0.5): over 200 patients x 12 lesions the mean of ln TNR within 4
    standard errors (0.5 / sqrt n) of ln 3, its SD within 4 standard errors of an SD
    (0.5 / sqrt(2 (n - 1))) of 0.5, and Kolmogorov-Smirnov p > 0.001."""
    log_tnr = np.log([t for scout, _ in _many_draws(0.2) for t in scout.tnr.values()])
    n = log_tnr.size
    assert n == 2400
    assert log_tnr.mean() == pytest.approx(math.log(3.0), abs=4 * 0.5 / math.sqrt(n))
    assert log_tnr.std(ddof=1) == pytest.approx(0.5, abs=4 * 0.5 / math.sqrt(2 * (n - 1)))
    assert stats.kstest(log_tnr, stats.norm(math.log(3.0), 0.5).cdf).pvalue > 1e-3


def test_scout_treatment_mismatch_has_the_stated_log_normal_spread():
    """Treatment TNR = scout TNR x exp(sigma z), LSF likewise: with sigma = 0.3 the log ratios
    have mean 0 and SD 0.3 (per-lesion: 2400 ratios, 4 standard errors; LSF: 200 ratios,
    4 standard errors)."""
    sigma = 0.3
    draws = _many_draws(sigma)
    log_ratio = np.log([treatment.tnr[k] / scout.tnr[k] for scout, treatment in draws
                        for k in scout.tnr])
    n = log_ratio.size
    assert log_ratio.mean() == pytest.approx(0.0, abs=4 * sigma / math.sqrt(n))
    assert log_ratio.std(ddof=1) == pytest.approx(sigma, abs=4 * sigma / math.sqrt(2 * (n - 1)))
    lsf_ratio = np.log([t.lung_shunt_fraction / s.lung_shunt_fraction for s, t in draws])
    m = lsf_ratio.size
    assert lsf_ratio.mean() == pytest.approx(0.0, abs=4 * sigma / math.sqrt(m))
    assert lsf_ratio.std(ddof=1) == pytest.approx(sigma, abs=4 * sigma / math.sqrt(2 * (m - 1)))
    # different from the scout, but never for an untreated lesion (0 stays 0)
    assert any(t.tnr != s.tnr for s, t in draws)


def test_no_mismatch_gives_identical_scout_and_treatment_distributions():
    """sigma = 0: same TNRs, LSF and extrahepatic deposit; the activity maps differ only by
    the administered activity."""
    anatomy = generate_anatomy(stream(2, "anatomy"), n_lesions=6)
    labels = anatomy.labels(_body_grid())
    for seed in range(20):
        scout, treatment = draw_ho166_distributions(stream(seed, "ho166"), anatomy, 2500.0,
                                                    mismatch_sigma=0.0)
        assert treatment.tnr == scout.tnr
        assert treatment.lung_shunt_fraction == scout.lung_shunt_fraction
        assert treatment.extrahepatic_fraction == scout.extrahepatic_fraction
        if seed < 4:
            np.testing.assert_allclose(
                treatment.activity_map_mbq(anatomy, labels) / 2500.0,
                scout.activity_map_mbq(anatomy, labels) / scout.administered_mbq, rtol=1e-12)
