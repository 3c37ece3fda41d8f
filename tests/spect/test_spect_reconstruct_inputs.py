"""reconstruct(): calibration modes and the errors a user can cause (field, value, expected)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from spect_helpers import patient, site_calibration

from hepar.errors import GeometryError, HeparError, InvalidValueError
from hepar.imaging import Volume
from hepar.spect import Projections, reconstruct


def _scout() -> tuple[Projections, Volume]:
    scan = next(s for s in patient().scans if s.name == "ho166_scout")
    return scan.acquisition.projections, scan.session.ct


def test_normalised_reconstruction_totals_the_given_activity_and_says_so() -> None:
    projections, ct = _scout()
    calls: list[tuple[int, int]] = []
    result = reconstruct(projections, ct_hu=ct, isotope="166Ho", normalise_to_mbq=250.0,
                         iterations=2, subsets=4, post_filter_fwhm_mm=10.0,
                         progress=lambda done, total: calls.append((done, total)))
    assert result.calibration == "normalised"
    assert result.total_activity_mbq == pytest.approx(250.0, rel=1e-6)
    voxel_ml = result.activity.voxel_volume_ml
    assert float(result.activity.array.sum()) * voxel_ml / 1e6 == pytest.approx(250.0, rel=1e-5)
    assert (result.isotope, result.iterations, result.subsets) == ("Ho-166", 2, 4)
    assert calls[-1] == (8, 8)
    assert any("normalised to 250" in n for n in result.notes)


def test_exactly_one_of_camera_and_normalisation() -> None:
    projections, ct = _scout()
    with pytest.raises(InvalidValueError, match=r"camera / normalise_to_mbq"):
        reconstruct(projections, ct_hu=ct, isotope="Ho-166")
    with pytest.raises(InvalidValueError, match=r"exactly one"):
        reconstruct(projections, ct_hu=ct, isotope="Ho-166", camera=site_calibration(),
                    normalise_to_mbq=100.0)


def test_mismatched_frames_of_reference_are_refused() -> None:
    projections, ct = _scout()
    other = Volume(ct.array, ct.affine, ct.unit, "1.2.3.4")
    with pytest.raises(GeometryError, match=r"frame_of_reference_uid = .*register"):
        reconstruct(projections, ct_hu=other, isotope="Ho-166", normalise_to_mbq=100.0)


def test_a_ct_that_misses_the_field_of_view_is_refused() -> None:
    projections, ct = _scout()
    half = ct.array.shape[0] // 3
    short = Volume(ct.array[:half], ct.affine, ct.unit, ct.frame_of_reference_uid)
    with pytest.raises(GeometryError, match=r"a CT covering the SPECT field of view"):
        reconstruct(projections, ct_hu=short, isotope="Ho-166", normalise_to_mbq=100.0)


def test_a_missing_energy_window_is_named() -> None:
    projections, ct = _scout()
    keep = [0, *range(2, len(projections.windows))]  # drop the 118 keV window
    no_upper = replace(projections, counts=projections.counts[keep],
                       windows=tuple(projections.windows[i] for i in keep))
    with pytest.raises(InvalidValueError, match=r"energy windows = .*118 keV"):
        reconstruct(no_upper, ct_hu=ct, isotope="Ho-166", normalise_to_mbq=100.0)
    no_peak = replace(projections, counts=projections.counts[1:], windows=projections.windows[1:])
    with pytest.raises(InvalidValueError, match=r"photopeak window containing 80\.6 keV"):
        reconstruct(no_peak, ct_hu=ct, isotope="Ho-166", normalise_to_mbq=100.0)


def test_bad_options_are_refused() -> None:
    projections, ct = _scout()
    with pytest.raises(InvalidValueError, match=r"subsets = 99"):
        reconstruct(projections, ct_hu=ct, isotope="Ho-166", normalise_to_mbq=1.0, subsets=99)
    with pytest.raises(InvalidValueError, match=r"iterations = 0"):
        reconstruct(projections, ct_hu=ct, isotope="Ho-166", normalise_to_mbq=1.0, iterations=0)
    with pytest.raises(HeparError, match=r"isotope|nuclide"):
        reconstruct(projections, ct_hu=ct, isotope="Tc-99m", normalise_to_mbq=1.0)
    with pytest.raises(InvalidValueError, match=r"camera.collimator = 'ME'"):
        reconstruct(projections, ct_hu=ct, isotope="Ho-166", camera=site_calibration(),
                    collimator="LEHR")
    with pytest.raises(HeparError, match=r"normalise_to_mbq = -5"):
        reconstruct(projections, ct_hu=ct, isotope="Ho-166", normalise_to_mbq=-5.0)
    hu = ct.with_array(np.asarray(ct.array), "Bq/mL")
    with pytest.raises(HeparError, match=r"HU"):
        reconstruct(projections, ct_hu=hu, isotope="Ho-166", normalise_to_mbq=1.0)
