"""When the virtual patient's post-treatment SPECT/CT is acquired, and what its CT covers.

Source of the rule: radioembolization chapter of the "CME Handbook" (p. 130, 2024): above about
1420 MBq in the scanner dead time rises significantly, so post-treatment 166Ho SPECT/CT is
advised 2 to 5 days after treatment, depending on the administered activity.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hepar.phantoms import POST_TREATMENT_SCAN_MAX_MBQ, preset, treatment_scan_time
from hepar.physics import nuclide

T0 = datetime(2017, 5, 2, 11, 0, tzinfo=UTC)
HALF_LIFE_H = nuclide("Ho-166").half_life_h  # 26.8 h


def _decayed(activity_mbq: float):
    return lambda t: activity_mbq * 0.5 ** ((t - T0) / timedelta(hours=HALF_LIFE_H))


@pytest.mark.parametrize(("administered_mbq", "days"), [
    (2000.0, 0),   # 22 h: 1133 MBq, below the limit: the next-day scan stays
    (6000.0, 2),   # 22 h: 3398, 46 h: 1825, 70 h: 981 MBq -> 2 days later (day 3)
    (10000.0, 3),  # 70 h: 1636, 94 h: 879 MBq -> day 4
    (40000.0, 4),  # still 1893 MBq at 118 h: the latest day of the advice (day 5)
])
def test_scan_is_postponed_by_whole_days_until_below_1420_mbq(administered_mbq, days):
    planned = T0 + timedelta(hours=22)
    scan = treatment_scan_time(planned, T0, _decayed(administered_mbq))
    assert scan == planned + timedelta(days=days)
    assert scan - T0 <= timedelta(days=5)
    if days < 4:
        assert _decayed(administered_mbq)(scan) <= POST_TREATMENT_SCAN_MAX_MBQ
        assert (days == 0) or _decayed(administered_mbq)(scan - timedelta(days=1)) > 1420.0


def test_limit_is_the_published_1420_mbq():
    assert POST_TREATMENT_SCAN_MAX_MBQ == 1420.0


@pytest.mark.parametrize("name", ["tiny", "clinical"])
def test_ct_covers_the_camera_axial_field_of_view(name):
    """A SPECT/CT's CT covers the SPECT's bed range: the virtual CT spans at least the
    detector's rows (matrix x pixel), so no count falls in a row the CT does not cover."""
    from hepar.phantoms import patient_anatomy
    from hepar.phantoms._patient import _ct_grid

    p = preset(name)
    _, anatomy = patient_anatomy(1)
    grid = _ct_grid(anatomy, p, "1.2.3")
    assert grid.shape[0] * p.ct_slice_mm >= p.detector_matrix * p.pixel_mm
    z0, z1 = anatomy.z_range_mm
    centre = grid.world_mm(((grid.shape[0] - 1) / 2.0, 0, 0))[2]
    assert centre == pytest.approx((z0 + z1) / 2.0)
