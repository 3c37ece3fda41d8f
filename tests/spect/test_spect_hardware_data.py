"""Camera hardware is data that the simulator and the reconstruction both read (issue 15)."""

from __future__ import annotations

import pytest

from hepar import phantoms, physics
from hepar.errors import InvalidValueError


@pytest.mark.parametrize("name", ["LEHR", "MEDIUM_ENERGY"])
def test_the_simulator_reads_its_collimator_dimensions_from_hepar_physics(name: str) -> None:
    sim, spec = getattr(phantoms, name), getattr(physics, name)
    assert (sim.hole_diameter_mm, sim.septal_thickness_mm, sim.hole_length_mm,
            sim.shape_constant) == (spec.hole_diameter_mm, spec.septal_thickness_mm,
                                    spec.hole_length_mm, spec.shape_constant)
    # both sides' geometric resolution agree (Cherry, Sorenson & Phelps, ch. 14)
    assert sim.geometric_fwhm_mm(150.0, energy_kev=80.6) == pytest.approx(
        spec.geometric_fwhm_mm(150.0, energy_kev=80.6), rel=1e-9)


def test_every_collimator_has_a_source_and_is_found_by_name() -> None:
    assert set(physics.COLLIMATORS) >= {"LEHR", "ME", "MELP"}
    for spec in physics.COLLIMATORS.values():
        assert spec.source
        assert physics.collimator_spec(spec.name.lower()) is spec
    with pytest.raises(InvalidValueError, match=r"collimator = 'HEGP'"):
        physics.collimator_spec("HEGP")


def test_intrinsic_resolution_scales_as_one_over_root_energy() -> None:
    """R_i(E) = R_i(140 keV) sqrt(140/E) (Anger camera counting statistics)."""
    detector = physics.SYMBIA_DETECTOR
    assert detector.intrinsic_fwhm_mm(35.0) == pytest.approx(
        2.0 * detector.intrinsic_fwhm_mm_at_140kev)
    assert phantoms.Camera().intrinsic_fwhm_mm(80.6) == pytest.approx(
        detector.intrinsic_fwhm_mm(80.6))
