"""Activity <-> mean dose, against the Utrecht planning rule."""

from __future__ import annotations

import pytest

from hepar.errors import InvalidValueError
from hepar.physics import activity_for_mean_dose_mbq, mean_dose_gy, nuclide


def test_60_gy_in_one_kg_needs_3781_mbq():
    # REFERENCE.md: 60 / 0.01587 = 3781 MBq per kg (van Roekel thesis, "liver weight x 3780").
    energy = nuclide("Ho-166").absorbed_energy_mj_per_mbq
    assert activity_for_mean_dose_mbq(60.0, 1.0, energy) == pytest.approx(3781.0, rel=0.01)


def test_dose_and_activity_are_inverse():
    assert mean_dose_gy(activity_for_mean_dose_mbq(60.0, 1.7, 15.87), 1.7, 15.87) == pytest.approx(
        60.0, rel=1e-12
    )


def test_zero_mass_is_refused():
    with pytest.raises(InvalidValueError, match="mass_kg = 0"):
        activity_for_mean_dose_mbq(60.0, 0, 15.87)
