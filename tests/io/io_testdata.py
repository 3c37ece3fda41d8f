"""Small synthetic images for the I/O tests (built in memory; no committed binary data).

Imported by the tests of this folder (pytest puts the folder on sys.path).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from hepar.imaging import Volume, affine_from_geometry
from hepar.spect import EnergyWindow, Projections

#: A Frame of Reference UID for the synthetic patient (2.25 root, PS3.5 B.2).
FRAME = "2.25.184023461722018263271039471923846251"


def oblique_affine(origin=(-120.25, 80.5, -310.125), spacing=(2.5, 1.25, 0.9), angle_rad=0.3,
                   left_handed=False):
    """Index -> LPS affine of an axial grid rotated about z by ``angle_rad``."""
    row = (np.cos(angle_rad), np.sin(angle_rad), 0.0)
    col = (-np.sin(angle_rad), np.cos(angle_rad), 0.0)
    return affine_from_geometry(origin_lps_mm=origin, spacing_mm=spacing, row_direction=row,
                                column_direction=col,
                                slice_direction=(0, 0, -1) if left_handed else None)


def make_ct_volume(**affine_changes):
    """A 6 x 10 x 12 CT in HU: water cylinder (0 HU) with a bone insert in air (-1000 HU)."""
    _, y, x = np.mgrid[:6, :10, :12]
    hu = np.full((6, 10, 12), -1000.0)
    hu[(y - 5) ** 2 + (x - 6) ** 2 < 16] = 0.0
    hu[(y - 5) ** 2 + (x - 7) ** 2 < 2] = 1200.0
    hu[0, 0, 0] = -1024.0
    return Volume(hu, oblique_affine(**affine_changes), "HU", FRAME)


def make_projections(n_views_per_head=6, *, counts=None, angles=None, **changes):
    """Two-head 166Ho projections, detector 1 from 180 deg and detector 2 from 0 deg, CW 3 deg.

    The windows follow the Utrecht 166Ho protocol (REFERENCE.md: photopeak 81 keV 15 %, upper
    scatter 118 keV 12 %).
    """
    rng = np.random.default_rng(7)
    n = n_views_per_head
    if angles is None:
        angles = np.concatenate([(180.0 - 3.0 * np.arange(n)) % 360,
                                 (0.0 - 3.0 * np.arange(n)) % 360])
    if counts is None:
        counts = rng.poisson(40.0, size=(2, 2 * n, 5, 4)).astype(float)
    fields = {
        "counts": counts,
        "angles_deg": angles,
        "detector_of_view": np.repeat([1, 2], n),
        "windows": (EnergyWindow.centred("Ho166 81keV", centre_kev=80.6, width_pct=15),
                    EnergyWindow.centred("upper scatter", centre_kev=118.0, width_pct=12)),
        "pixel_spacing_mm": (4.7952, 4.7952),
        "acquisition_start": datetime(2016, 5, 3, 10, 15, 30, 250000,
                                      tzinfo=timezone(timedelta(hours=2))),
        "frame_duration_s": 20.0,
        "radius_mm": np.linspace(210.0, 250.0, 2 * n),
        "isotope": "Ho-166",
        "frame_of_reference_uid": FRAME,
    }
    fields.update(changes)
    return Projections(**fields)


def assert_same_projections(read, written):
    """read(write(p)) == p, field by field (angles compared modulo 360 degrees)."""
    np.testing.assert_array_equal(read.counts, written.counts)
    np.testing.assert_allclose((read.angles_deg - written.angles_deg + 180) % 360 - 180, 0,
                               atol=1e-9)
    np.testing.assert_array_equal(read.detector_of_view, written.detector_of_view)
    # Window limits and spacings travel as 16-character decimal strings (DS): ~1e-14 relative.
    assert [w.name for w in read.windows] == [w.name for w in written.windows]
    np.testing.assert_allclose([(w.lower_kev, w.upper_kev) for w in read.windows],
                               [(w.lower_kev, w.upper_kev) for w in written.windows], rtol=1e-12)
    np.testing.assert_allclose(read.pixel_spacing_mm, written.pixel_spacing_mm, rtol=1e-12)
    assert read.acquisition_start == written.acquisition_start
    assert read.acquisition_start.utcoffset() == written.acquisition_start.utcoffset()
    assert read.frame_duration_s == written.frame_duration_s
    if written.radius_mm is None:
        assert read.radius_mm is None
    else:
        np.testing.assert_allclose(read.radius_mm, written.radius_mm, atol=1e-9)
    assert read.isotope == written.isotope
    assert read.frame_of_reference_uid == written.frame_of_reference_uid
