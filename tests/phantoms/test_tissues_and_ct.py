"""Tissues of the virtual patient: CT numbers consistent with density and composition, and the
simulated CT (its CT numbers per tissue and its noise)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.ndimage import binary_erosion

from hepar.errors import InvalidValueError
from hepar.phantoms import (
    STRUCTURE_PROPERTIES,
    Structure,
    StructureProperties,
    generate_virtual_patient,
    preset,
)
from hepar.physics import (
    DEFAULT_CT_EFFECTIVE_ENERGY_KEV,
    SOFT_TISSUE_DENSITY_G_PER_ML,
    composition_attenuation_per_cm,
    hu_to_mu_per_cm,
    linear_attenuation_per_cm,
    material_composition,
)


@pytest.fixture(scope="module")
def patient():
    return generate_virtual_patient(8, "tiny")


@pytest.mark.parametrize("structure", list(Structure))
def test_ct_number_is_the_hu_definition_of_the_tissue_at_the_ct_energy(structure):
    """HU = 1000 (mu_t / mu_w - 1) at the CT's effective energy (70 keV), the definition that
    hepar.physics.hu_to_mu_per_cm inverts, from the tissue's composition and density; the
    table rounds it to 1 HU (tolerance 0.5 HU + float noise)."""
    props = STRUCTURE_PROPERTIES[structure]
    energy = DEFAULT_CT_EFFECTIVE_ENERGY_KEV
    hu = 1000.0 * (composition_attenuation_per_cm(props.composition, energy)
                   / linear_attenuation_per_cm("water", energy) - 1.0)
    assert props.hu == pytest.approx(hu, abs=0.5 + 1e-9)
    assert props.density_g_per_ml == props.composition.density_g_per_ml


@pytest.mark.parametrize("structure", list(Structure))
@pytest.mark.parametrize("energy_kev", [80.6, 112.9, 208.4])
def test_attenuation_from_the_ct_number_is_the_tissues_own(structure, energy_kev):
    """What the simulator attenuates with (HU -> mu, bilinear) equals mu of the tissue's own
    material at its density (xraydb via hepar.physics): within 1 % at 80.6 keV (166Ho) and 3 %
    at the 177Lu lines, where the water/bone mixing model misses the H- and C-rich adipose
    tissue most (2.7 % at 208 keV). Gases: within 1e-3 /cm (0.5 % of water's mu), their mu
    being a thousandth of water's."""
    props = STRUCTURE_PROPERTIES[structure]
    from_ct = float(hu_to_mu_per_cm(props.hu, energy_kev))
    own = composition_attenuation_per_cm(props.composition, energy_kev)
    if props.density_g_per_ml < 0.01:
        assert from_ct == pytest.approx(own, abs=1e-3)
    else:
        assert from_ct == pytest.approx(own, rel=0.01 if energy_kev < 100.0 else 0.03)


def test_lung_is_one_material_for_attenuation_and_for_dose():
    """The lung's CT number, its density for mass and dose, and hepar.physics' lung (ICRU 44
    composition, 0.26 g/mL, the density the lung-dose planning uses) are one material: mu at
    80.6 keV from its CT number within 1 % of mu of 0.26 g/mL lung."""
    lung = STRUCTURE_PROPERTIES[Structure.LUNG]
    physics_lung = material_composition("lung")
    assert lung.density_g_per_ml == physics_lung.density_g_per_ml == 0.26
    assert float(hu_to_mu_per_cm(lung.hu, 80.6)) == pytest.approx(
        linear_attenuation_per_cm("lung", 80.6), rel=0.01)
    # the liver keeps the Utrecht 166Ho dosimetry density (REFERENCE.md)
    assert STRUCTURE_PROPERTIES[Structure.LIVER].density_g_per_ml == SOFT_TISSUE_DENSITY_G_PER_ML


def test_tissue_density_must_be_its_compositions():
    water = material_composition("water")
    with pytest.raises(InvalidValueError, match="density_g_per_ml"):
        StructureProperties(0.0, 1.1, water)


def _interior(labels, structure: Structure) -> np.ndarray:
    """Voxels of ``structure`` whose 8 in-plane neighbours are the same tissue (the CT blurs
    in-plane only)."""
    return binary_erosion(labels.structure == structure, structure=np.ones((1, 3, 3)))


def test_ct_numbers_per_tissue_are_the_table(patient):
    """Mean CT number of every tissue's voxels = the table, within 4 standard errors of the
    mean (noise SD / sqrt(n)) plus 0.5 HU (the CT rounds to integers). On the tiny CT (7.5 mm
    pixels) the scanner's 1.2 mm FWHM blur is an identity (scipy truncates its kernel at
    4 sigma = 0.27 pixel), so every voxel of a tissue carries its CT number plus noise."""
    noise = patient.preset.ct_noise_hu
    present = []
    for structure in Structure:
        where = patient.ct_labels.structure == structure
        values = np.concatenate([s.ct.array[where] for s in patient.sessions])
        if values.size == 0:
            continue
        sigma = 0.0 if structure == Structure.AIR else noise  # noise only inside the body
        tolerance = 4.0 * sigma / math.sqrt(values.size) + 0.5
        assert values.mean() == pytest.approx(STRUCTURE_PROPERTIES[structure].hu,
                                              abs=tolerance), structure.name
        present.append(structure)
    assert len(present) >= 13
    # every tissue its own CT number where it matters for contrast
    hu = {s: STRUCTURE_PROPERTIES[s].hu for s in Structure}
    assert hu[Structure.NECROSIS] < hu[Structure.LESION] < hu[Structure.LIVER]
    assert hu[Structure.LUNG] < hu[Structure.FAT] < hu[Structure.STOMACH]


def test_ct_noise_in_uniform_liver_is_the_preset_noise(patient):
    """SD of the CT numbers inside the liver (in-plane interior, so uniform) = the preset's
    noise (12 HU) within 5 standard errors of an SD estimate (sigma / sqrt(2 (n - 1))) and the
    rounding to 1 HU (adds 1/12 HU^2 of variance)."""
    noise = preset("tiny").ct_noise_hu
    assert noise == patient.preset.ct_noise_hu == 12.0
    inside = _interior(patient.ct_labels, Structure.LIVER)
    for session in patient.sessions:
        values = session.ct.array[inside]
        expected = math.sqrt(noise**2 + 1.0 / 12.0)
        tolerance = 5.0 * expected / math.sqrt(2.0 * (values.size - 1))
        assert values.size > 200
        assert values.std(ddof=1) == pytest.approx(expected, abs=tolerance), session.name
    # each session has its own noise realisation
    first, second = (s.ct.array[inside] for s in patient.sessions[:2])
    assert not np.array_equal(first, second)
