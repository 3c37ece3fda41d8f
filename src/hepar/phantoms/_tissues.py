"""Tissues of the virtual patient: label, elemental composition, density and CT number.

One description per tissue serves the CT (its CT number), the simulator's attenuation (the CT
number through :func:`hepar.physics.hu_to_mu_per_cm`) and the true dose (its density), so the
three agree.

How the numbers were chosen
---------------------------
* Composition and density: ICRU Report 44 (1989) and ICRU Report 46 (1992) reference tissues
  (the values tabulated by Woodard & White, Br J Radiol 1986;59:1209): adipose tissue, skeletal
  muscle (the abdominal wall), adult liver, kidney, spleen, GI tract (stomach), whole blood
  (vessels), cortical bone, spongiosa, cerebrospinal fluid and inflated lung (0.26 g/mL, the
  density hepar.physics and the lung-dose planning use); NIST dry air for air and bowel gas.
  NET metastases and their necrotic cores have no reference tissue: they take the ICRU 44 soft
  tissue composition, with densities chosen so that their CT numbers are the typical unenhanced
  values (tumour about 40 HU, hypodense to liver; necrosis about 15 HU, near fluid).
* CT number: derived from composition and density with the definition that
  :func:`hepar.physics.hu_to_mu_per_cm` inverts, at the CT's effective energy
  :math:`E_{CT}` = 70 keV (``hepar.physics.DEFAULT_CT_EFFECTIVE_ENERGY_KEV``):

  .. math:: H = 1000 \\left(\\frac{\\mu_t(E_{CT})}{\\mu_w(E_{CT})} - 1\\right)

  rounded to 1 HU. Converting that CT number back to attenuation at 80.6 keV (166Ho) gives the
  tissue's own coefficient within 1 % (within 3 % up to 208 keV; tests/phantoms).

This makes lung -741 HU (0.26 g/mL; a CT of inflated lung at full inspiration reads lower,
around -850 HU, i.e. about 0.15 g/mL) and cortical bone 1559 HU (1.92 g/mL).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from hepar.errors import InvalidValueError
from hepar.physics import MaterialComposition, material_composition

__all__ = ["STRUCTURE_PROPERTIES", "Structure", "StructureProperties"]


class Structure(IntEnum):
    """Label of each voxel of the virtual patient (0 = outside the body)."""

    AIR = 0
    SOFT_TISSUE = 1
    FAT = 2
    LIVER = 3
    LESION = 4
    NECROSIS = 5
    LUNG = 6
    KIDNEY = 7
    SPLEEN = 8
    STOMACH = 9
    GAS = 10
    VESSEL = 11
    BONE_CORTICAL = 12
    BONE_CANCELLOUS = 13
    CSF = 14


@dataclass(frozen=True)
class StructureProperties:
    """CT number (mean, noise-free), mass density and elemental composition of a tissue.

    ``density_g_per_ml`` is the composition's density; ``hu`` is derived from both (module
    docstring).
    """

    hu: float
    density_g_per_ml: float
    composition: MaterialComposition

    def __post_init__(self) -> None:
        if self.density_g_per_ml != self.composition.density_g_per_ml:
            raise InvalidValueError(
                field="density_g_per_ml", value=self.density_g_per_ml,
                expected=f"the composition's density ({self.composition.density_g_per_ml} g/mL)",
            )


def _tissue(hu: float, source: str, density: float,
            *percent: tuple[str, float]) -> StructureProperties:
    """A tissue from its elemental composition in % by mass."""
    fractions = tuple((element, value / 100.0) for element, value in percent)
    return StructureProperties(hu, density, MaterialComposition(fractions, density, source))


def _named(hu: float, name: str, density: float | None = None) -> StructureProperties:
    """A tissue with the composition of a hepar.physics material (optionally another density)."""
    base = material_composition(name)
    if density is None:
        return StructureProperties(hu, base.density_g_per_ml, base)
    return StructureProperties(hu, density, MaterialComposition(
        base.mass_fractions, density, f"{base.source} composition at {density} g/mL"))


#: Every tissue of the virtual patient (module docstring: sources and how ``hu`` is derived).
STRUCTURE_PROPERTIES: dict[Structure, StructureProperties] = {
    Structure.AIR: _named(-999.0, "air"),
    Structure.SOFT_TISSUE: _tissue(
        43.0, "ICRU 44 skeletal muscle", 1.05, ("H", 10.2), ("C", 14.3), ("N", 3.4),
        ("O", 71.0), ("Na", 0.1), ("P", 0.2), ("S", 0.3), ("Cl", 0.1), ("K", 0.4)),
    Structure.FAT: _tissue(
        -77.0, "ICRU 44 adipose tissue", 0.95, ("H", 11.4), ("C", 59.8), ("N", 0.7),
        ("O", 27.8), ("Na", 0.1), ("S", 0.1), ("Cl", 0.1)),
    Structure.LIVER: _tissue(
        54.0, "ICRU 46 adult liver", 1.06, ("H", 10.2), ("C", 13.9), ("N", 3.0), ("O", 71.6),
        ("Na", 0.2), ("P", 0.3), ("S", 0.3), ("Cl", 0.2), ("K", 0.3)),
    # tumour: ICRU 44 soft tissue composition at the density of a 40 HU unenhanced lesion
    Structure.LESION: _named(40.0, "soft tissue", 1.047),
    # necrosis: ICRU 44 soft tissue composition at the density of a 15 HU, near-fluid core
    Structure.NECROSIS: _named(15.0, "soft tissue", 1.022),
    Structure.LUNG: _named(-741.0, "lung"),
    Structure.KIDNEY: _tissue(
        44.0, "ICRU 46 adult kidney", 1.05, ("H", 10.3), ("C", 13.2), ("N", 3.0), ("O", 72.4),
        ("Na", 0.2), ("P", 0.2), ("S", 0.2), ("Cl", 0.2), ("K", 0.2), ("Ca", 0.1)),
    Structure.SPLEEN: _tissue(
        55.0, "ICRU 46 adult spleen", 1.06, ("H", 10.3), ("C", 11.3), ("N", 3.2), ("O", 74.1),
        ("Na", 0.1), ("P", 0.3), ("S", 0.2), ("Cl", 0.2), ("K", 0.3)),
    Structure.STOMACH: _tissue(
        23.0, "ICRU 46 GI tract", 1.03, ("H", 10.6), ("C", 11.5), ("N", 2.2), ("O", 75.1),
        ("Na", 0.1), ("P", 0.1), ("S", 0.1), ("Cl", 0.2), ("K", 0.1)),
    Structure.GAS: _named(-999.0, "air", 0.0012),
    Structure.VESSEL: _tissue(
        56.0, "ICRU 44 whole blood", 1.06, ("H", 10.2), ("C", 11.0), ("N", 3.3), ("O", 74.5),
        ("Na", 0.1), ("P", 0.1), ("S", 0.2), ("Cl", 0.3), ("K", 0.2), ("Fe", 0.1)),
    Structure.BONE_CORTICAL: _named(1559.0, "bone"),
    Structure.BONE_CANCELLOUS: _tissue(
        294.0, "ICRU 46 spongiosa", 1.18, ("H", 8.5), ("C", 40.4), ("N", 2.8), ("O", 36.7),
        ("Na", 0.1), ("Mg", 0.1), ("P", 3.4), ("S", 0.2), ("Cl", 0.2), ("K", 0.1), ("Ca", 7.4),
        ("Fe", 0.1)),
    Structure.CSF: _tissue(
        13.0, "ICRU 46 cerebrospinal fluid", 1.01, ("H", 11.1), ("O", 88.0), ("Na", 0.5),
        ("Cl", 0.4)),
}
