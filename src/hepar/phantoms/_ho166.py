"""166Ho microsphere distributions of a virtual patient: scout and treatment.

Microspheres are permanent implants: once lodged, the activity only decays physically
(REFERENCE.md). Of the administered activity a fraction, the lung shunt fraction (LSF), lodges
uniformly in the lungs, an optional small fraction (0.5-3 %) in an extrahepatic deposit (a
6 mm sphere in the stomach wall or next to the stomach, clear of liver and lungs;
:mod:`hepar.phantoms._extrahepatic`), and the rest in
the treated arterial territory of the liver, where the concentration in viable tumour is the
tumour-to-non-tumour ratio (TNR) times that in normal liver; necrotic cores, without arterial
supply, receive none:

.. math:: A_{liver} = c_N \\Big(V_N + \\sum_i \\mathrm{TNR}_i V_i\\Big)

TNR is drawn log-normally per lesion (median 3, geometric SD e^0.5, the range seen in 166Ho
and 90Y scans of NET metastases), LSF uniformly from 0 to 15 %. The treatment differs from the
scout by a controllable mismatch: every TNR and the LSF are multiplied by
:math:`e^{\\sigma z}` with independent standard normal :math:`z`, and an extrahepatic deposit
seen in the scout may be absent after treatment (or the reverse).

The treatment activity is planned from the treated liver mass for a mean of 60 Gy
(:func:`hepar.physics.activity_for_mean_dose_mbq` with 15.87 mJ/MBq, 1.06 g/mL; REFERENCE.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from hepar.errors import InvalidValueError
from hepar.physics import (
    G_PER_KG,
    SOFT_TISSUE_DENSITY_G_PER_ML,
    activity_for_mean_dose_mbq,
    nuclide,
)

from ._anatomy import Anatomy, Labels
from ._extrahepatic import EXTRAHEPATIC_RADIUS_MM, extrahepatic_site
from ._shapes import Ellipsoid, axial_grid
from ._tissues import Structure

__all__ = [
    "HO166_PRESCRIBED_DOSE_GY",
    "HO166_SCOUT_ACTIVITY_MBQ",
    "HoDistribution",
    "draw_ho166_distributions",
    "planned_treatment_activity_mbq",
]

#: Mean absorbed dose prescribed to the treated liver (HEPAR II, HEPAR PLUS; REFERENCE.md).
HO166_PRESCRIBED_DOSE_GY = 60.0
#: Scout dose (about 250 MBq, 60 mg of microspheres; J Nucl Med 2016;57(S2):199).
HO166_SCOUT_ACTIVITY_MBQ = 250.0


@dataclass(frozen=True)
class HoDistribution:
    """Where one administration of 166Ho microspheres lodges.

    Attributes
    ----------
    name
        ``"scout"`` or ``"treatment"``.
    administered_mbq
        Activity administered (at administration time).
    lung_shunt_fraction
        Fraction lodged in the lungs.
    extrahepatic_fraction
        Fraction in the extrahepatic deposit (0: none).
    extrahepatic_centre_mm, extrahepatic_radius_mm
        The deposit: a small sphere in the stomach wall or next to the stomach, more than
        10 mm from the liver. Its activity goes to the sphere's voxels outside liver and
        lungs (the nearest such voxel if the sphere holds no voxel centre).
    tnr
        Tumour-to-non-tumour ratio per lesion (lesion number -> TNR); lesions outside the
        treated territory receive nothing.
    extrahepatic_site
        ``"stomach wall"`` or ``"next to the stomach"`` (empty if never drawn).
    """

    name: str
    administered_mbq: float
    lung_shunt_fraction: float
    extrahepatic_fraction: float
    extrahepatic_centre_mm: tuple[float, float, float]
    extrahepatic_radius_mm: float
    tnr: dict[int, float]
    extrahepatic_site: str = ""

    def __post_init__(self) -> None:
        if not self.administered_mbq >= 0:
            raise InvalidValueError(field="administered_mbq", value=self.administered_mbq,
                                    expected="an activity >= 0 MBq")
        if not 0 <= self.lung_shunt_fraction + self.extrahepatic_fraction < 1:
            raise InvalidValueError(
                field="lung_shunt_fraction", value=self.lung_shunt_fraction,
                expected="LSF + extrahepatic fraction between 0 and 1",
            )

    def activity_map_mbq(self, anatomy: Anatomy, labels: Labels) -> NDArray[np.float64]:
        """Activity per voxel (MBq) at administration."""
        structure = labels.structure
        treated = anatomy.treated_mask(labels)
        weight = np.zeros(structure.shape)
        weight[treated & (structure == Structure.LIVER)] = 1.0  # necrosis: 0 (no perfusion)
        for lesion in anatomy.lesions:
            viable = (labels.lesion == lesion.number) & (structure == Structure.LESION) & treated
            weight[viable] = self.tnr.get(lesion.number, 0.0)
        activity = np.zeros(structure.shape)
        liver_fraction = 1.0 - self.lung_shunt_fraction - self.extrahepatic_fraction
        if weight.sum() > 0:
            activity += self.administered_mbq * liver_fraction * weight / weight.sum()
        lungs = structure == Structure.LUNG
        if lungs.any():
            activity[lungs] += self.administered_mbq * self.lung_shunt_fraction / lungs.sum()
        if self.extrahepatic_fraction > 0:
            deposit = self._deposit_voxels(labels)
            activity[deposit] += self.administered_mbq * self.extrahepatic_fraction / deposit.sum()
        return activity


    def _deposit_voxels(self, labels: Labels) -> NDArray[np.bool_]:
        """Voxels of the extrahepatic sphere in the body, outside liver, lungs and gas."""
        structure = labels.structure
        allowed = (structure > 0) & ~np.isin(structure, (
            Structure.LIVER, Structure.LESION, Structure.NECROSIS, Structure.LUNG,
            Structure.GAS))
        grid = axial_grid(labels.grid)
        r = self.extrahepatic_radius_mm
        block, member = grid.rasterise(Ellipsoid(self.extrahepatic_centre_mm, (r, r, r)))
        deposit = np.zeros(structure.shape, dtype=bool)
        deposit[block] = member
        deposit &= allowed
        if not deposit.any():  # smaller than a voxel: the nearest allowed voxel
            k, j, i = np.nonzero(allowed)
            cx, cy, cz = self.extrahepatic_centre_mm
            nearest = np.argmin((grid.x[i] - cx) ** 2 + (grid.y[j] - cy) ** 2
                                + (grid.z[k] - cz) ** 2)
            deposit[k[nearest], j[nearest], i[nearest]] = True
        return deposit


def planned_treatment_activity_mbq(anatomy: Anatomy, labels: Labels) -> float:
    """Activity for a mean of 60 Gy to the treated liver (lesions included), 1.06 g/mL.

    .. math:: A = \\frac{60\\,\\mathrm{Gy} \\times m}{15.87\\,\\mathrm{mJ/MBq}}

    Examples
    --------
    A treated liver of 1 kg gets about 3781 MBq (the Utrecht "liver weight x 3780").
    """
    volume_ml = float(anatomy.treated_mask(labels).sum()) * labels.grid.voxel_volume_ml
    mass_kg = volume_ml * SOFT_TISSUE_DENSITY_G_PER_ML / G_PER_KG
    return activity_for_mean_dose_mbq(
        HO166_PRESCRIBED_DOSE_GY, mass_kg, nuclide("Ho-166").absorbed_energy_mj_per_mbq
    )


def draw_ho166_distributions(
    rng: np.random.Generator,
    anatomy: Anatomy,
    treatment_activity_mbq: float,
    *,
    scout_activity_mbq: float = HO166_SCOUT_ACTIVITY_MBQ,
    mismatch_sigma: float = 0.2,
    lung_shunt_fraction: float | None = None,
    extrahepatic: bool | None = None,
) -> tuple[HoDistribution, HoDistribution]:
    """Draw the scout and treatment distributions.

    Parameters
    ----------
    rng
        The activity stream of the patient.
    anatomy
        The patient's anatomy (lesions, territory).
    treatment_activity_mbq
        The planned treatment activity.
    mismatch_sigma
        Log-normal spread of the treatment's TNRs and LSF around the scout's (0: the
        treatment distributes exactly like the scout).
    lung_shunt_fraction, extrahepatic
        Fix the scout's LSF or the presence of an extrahepatic deposit instead of drawing them.
    """
    if mismatch_sigma < 0:
        raise InvalidValueError(field="mismatch_sigma", value=mismatch_sigma,
                                expected="a spread >= 0")
    lsf = float(rng.uniform(0.0, 0.15)) if lung_shunt_fraction is None else lung_shunt_fraction
    if not 0 <= lsf <= 0.5:
        raise InvalidValueError(field="lung_shunt_fraction", value=lsf, expected="0 to 0.5")
    has_deposit = bool(rng.random() < 0.2) if extrahepatic is None else extrahepatic
    deposit_fraction = float(rng.uniform(0.005, 0.03)) if has_deposit else 0.0
    site_draws = rng.random(3)  # where a deposit goes (the stomach wall or next to it)
    tnr = {lesion.number: float(3.0 * np.exp(rng.normal(0.0, 0.5))) if lesion.treated else 0.0
           for lesion in anatomy.lesions}
    z = rng.normal(0.0, 1.0, len(tnr) + 2)
    treatment_tnr = {number: value * float(np.exp(mismatch_sigma * z[i]))
                     for i, (number, value) in enumerate(sorted(tnr.items()))}
    treatment_lsf = float(min(0.5, lsf * np.exp(mismatch_sigma * z[-2])))
    flip = rng.random() < min(1.0, 2.0 * mismatch_sigma)
    treatment_deposit = deposit_fraction if not flip else (
        0.0 if deposit_fraction > 0 else float(rng.uniform(0.005, 0.02)) * (z[-1] > 1.0))
    if deposit_fraction > 0 or treatment_deposit > 0:
        site = extrahepatic_site(anatomy, site_draws)
        centre, radius, kind = site.centre_mm, site.radius_mm, site.site
    else:
        centre, radius, kind = (0.0, 0.0, 0.0), EXTRAHEPATIC_RADIUS_MM, ""
    scout = HoDistribution("scout", scout_activity_mbq, lsf, deposit_fraction, centre, radius,
                           tnr, kind)
    treatment = replace(scout, name="treatment", administered_mbq=treatment_activity_mbq,
                        lung_shunt_fraction=treatment_lsf,
                        extrahepatic_fraction=treatment_deposit, tnr=treatment_tnr)
    return scout, treatment
