"""A seeded, parametric abdomen: body, liver lobes, NET metastases, lungs, kidneys, spleen,
stomach, vessels, spine and ribs.

Coordinates are DICOM patient coordinates (LPS, mm) of a supine, head-first patient, with the
origin on the body's axis at the level of the liver. Sizes follow adult reference anatomy
(ICRP Publication 89: liver about 1.5-1.8 L, spleen 0.15-0.25 L, kidneys about 0.15 L each);
positions are plausible, not anatomical ground truth. Tissue compositions, densities and CT
numbers: :mod:`hepar.phantoms._tissues`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume, VolumeUnit

from ._lesions import (
    MAX_LESION_DIAMETER_MM,
    MIN_LESION_DIAMETER_MM,
    Lesion,
    place_lesions,
)
from ._shapes import AxialGrid, Ellipsoid, EllipticCylinder, RibArc, Shape, axial_grid
from ._tissues import STRUCTURE_PROPERTIES, Structure

__all__ = [
    "Anatomy",
    "Labels",
    "Lesion",
    "TreatedTerritory",
    "generate_anatomy",
]


class TreatedTerritory(IntEnum):
    """Arterial territory treated with 166Ho (0 = none)."""

    RIGHT = 1
    LEFT = 2
    WHOLE = 3

    @property
    def label(self) -> str:
        """``"right"``, ``"left"`` or ``"whole"``."""
        return self.name.lower()


@dataclass(frozen=True, eq=False)
class Labels:
    """The anatomy sampled on a grid.

    ``structure`` holds :class:`Structure` values, ``lesion`` the lesion number (0: none),
    ``lobe`` 1 (right) or 2 (left) on liver and lesion voxels, 0 elsewhere.
    """

    grid: Volume
    structure: NDArray[np.uint8]
    lesion: NDArray[np.uint8]
    lobe: NDArray[np.uint8]
    organ: dict[str, NDArray[np.bool_]] = field(default_factory=dict)

    def property_map(self, name: str) -> NDArray[np.float64]:
        """``"hu"`` or ``"density_g_per_ml"`` of every voxel."""
        table = np.zeros(max(Structure) + 1)
        for structure, props in STRUCTURE_PROPERTIES.items():
            table[structure] = getattr(props, name)
        return np.asarray(table[self.structure])

    @property
    def liver_with_lesions(self) -> NDArray[np.bool_]:
        """Liver parenchyma, lesions and necrosis."""
        return np.isin(self.structure, (Structure.LIVER, Structure.LESION, Structure.NECROSIS))


@dataclass(frozen=True)
class Anatomy:
    """One virtual patient's anatomy: the shapes and the facts drawn from the seed.

    Attributes
    ----------
    body_semi_axes_mm
        Half-width (x) and half-depth (y) of the body outline.
    z_range_mm
        Axial extent of the modelled body segment (lung bases to below the kidneys).
    lesions
        The metastases, largest first.
    territory
        The treated arterial territory.
    split_x_mm, split_slope
        The plane between right and left lobe: right lobe where ``x < split_x + slope*y``.
    """

    body_semi_axes_mm: tuple[float, float]
    fat_thickness_mm: float
    z_range_mm: tuple[float, float]
    liver_shapes: tuple[Ellipsoid, ...]
    split_x_mm: float
    split_slope: float
    lesions: tuple[Lesion, ...]
    territory: TreatedTerritory
    organs: tuple[tuple[str, Structure, tuple[Shape, ...]], ...]
    hard_organs: tuple[tuple[str, Structure, tuple[Shape, ...]], ...] = ()

    # -- geometry helpers -------------------------------------------------------------------
    def inner_wall(self) -> EllipticCylinder:
        """The inside of the abdominal wall (organs stay inside it)."""
        a, b = self.body_semi_axes_mm
        wall = self.fat_thickness_mm + 10.0
        return EllipticCylinder((0.0, 0.0), (a - wall, b - wall), self.z_range_mm)

    def in_liver(self, x: NDArray[np.float64], y: NDArray[np.float64],
                 z: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Whether points lie inside the liver outline (lesions included)."""
        inside = np.zeros(np.broadcast(x, y, z).shape, dtype=bool)
        for shape in self.liver_shapes:
            inside |= shape.inside(x, y, z)
        return np.asarray(inside & self.inner_wall().inside(x, y, z))

    def lobe_of(self, x: NDArray[np.float64] | float, y: NDArray[np.float64] | float
                ) -> NDArray[np.uint8]:
        """1 (right lobe) or 2 (left lobe) at in-plane positions."""
        return np.where(np.asarray(x) < self.split_x_mm + self.split_slope * np.asarray(y),
                        1, 2).astype(np.uint8)

    def treated_lobe(self, lobe: int) -> bool:
        """Whether lobe 1 (right) or 2 (left) lies in the treated territory."""
        return self.territory is TreatedTerritory.WHOLE or int(self.territory) == lobe

    # -- sampling on a grid -----------------------------------------------------------------
    def labels(self, template: Volume) -> Labels:
        """Sample the anatomy on the grid of ``template``."""
        grid = axial_grid(template)
        structure = np.zeros(grid.shape, dtype=np.uint8)
        organ: dict[str, NDArray[np.bool_]] = {}

        def paint(shape: Shape, value: Structure, name: str | None = None,
                  within: NDArray[np.bool_] | None = None) -> NDArray[np.bool_]:
            block, member = grid.rasterise(shape)
            if within is not None:
                member &= within[block]
            structure[block][member] = value
            full = np.zeros(grid.shape, dtype=bool)
            full[block] = member
            if name:
                organ[name] = organ[name] | full if name in organ else full
            return full

        a, b = self.body_semi_axes_mm
        body = paint(EllipticCylinder((0.0, 0.0), (a, b), self.z_range_mm), Structure.FAT,
                     "body")
        f = self.fat_thickness_mm
        paint(EllipticCylinder((0.0, 0.0), (a - f, b - f), self.z_range_mm),
              Structure.SOFT_TISSUE)
        inner = self._inside(grid, self.inner_wall())
        for name, value, shapes in self.organs:
            for shape in shapes:
                paint(shape, value, name, within=inner)
        liver = np.zeros(grid.shape, dtype=bool)
        for shape in self.liver_shapes:
            liver |= self._inside(grid, shape)
        liver &= inner
        structure[liver] = Structure.LIVER
        lesion_map = np.zeros(grid.shape, dtype=np.uint8)
        for lesion in self.lesions:
            whole = self._inside(grid, lesion.sphere()) & liver
            structure[whole] = Structure.LESION
            lesion_map[whole] = lesion.number
            core = lesion.core()
            if core is not None:
                structure[self._inside(grid, core) & whole] = Structure.NECROSIS
        # vessels and bone are painted over the liver (the vena cava runs through it)
        for name, value, shapes in self.hard_organs:
            for shape in shapes:
                paint(shape, value, name, within=body)
        liver &= np.isin(structure, (Structure.LIVER, Structure.LESION, Structure.NECROSIS))
        lesion_map[~liver] = 0
        lobe = np.zeros(grid.shape, dtype=np.uint8)
        lobe_plane = self.lobe_of(grid.x[None, None, :], grid.y[None, :, None])
        lobe[liver] = np.broadcast_to(lobe_plane, grid.shape)[liver]
        organ["liver"] = liver
        # structures painted late (vessels, bone) may cover liver voxels: keep masks honest
        for name in list(organ):
            if name not in ("body",):
                organ[name] = organ[name] & self._structure_of(name, structure)
        return Labels(template, structure, lesion_map, lobe, organ)

    @staticmethod
    def _structure_of(name: str, structure: NDArray[np.uint8]) -> NDArray[np.bool_]:
        groups = {
            "liver": (Structure.LIVER, Structure.LESION, Structure.NECROSIS),
            "spine": (Structure.BONE_CORTICAL, Structure.BONE_CANCELLOUS),
            "ribs": (Structure.BONE_CORTICAL, Structure.BONE_CANCELLOUS),
        }
        for prefix, values in (("lung", (Structure.LUNG,)), ("kidney", (Structure.KIDNEY,)),
                               ("spleen", (Structure.SPLEEN,)),
                               ("stomach", (Structure.STOMACH, Structure.GAS)),
                               ("aorta", (Structure.VESSEL,)), ("vena", (Structure.VESSEL,)),
                               ("spinal", (Structure.CSF,))):
            if name.startswith(prefix):
                return np.isin(structure, values)
        return np.isin(structure, groups.get(name, tuple(Structure)))

    @staticmethod
    def _inside(grid: AxialGrid, shape: Shape) -> NDArray[np.bool_]:
        block, member = grid.rasterise(shape)
        full = np.zeros(grid.shape, dtype=bool)
        full[block] = member
        return full

    def masks(self, labels: Labels) -> list[Mask]:
        """Ground-truth masks of every organ and lesion on the labels' grid.

        Names: ``body``, ``liver`` (with lesions), ``liver right lobe``, ``liver left lobe``,
        ``treated liver``, ``lung right``, ``lung left``, ``kidney right``, ``kidney left``,
        ``spleen``, ``stomach``, ``aorta``, ``vena cava``, ``spine``, ``spinal canal``,
        ``ribs``, ``lesion N`` and ``lesion N necrosis``.
        """
        grid = labels.grid
        liver = labels.liver_with_lesions
        out = [Mask.on_grid_of("body", grid, labels.structure > 0),
               Mask.on_grid_of("liver", grid, liver),
               Mask.on_grid_of("liver right lobe", grid, liver & (labels.lobe == 1)),
               Mask.on_grid_of("liver left lobe", grid, liver & (labels.lobe == 2)),
               Mask.on_grid_of("treated liver", grid, self.treated_mask(labels))]
        for name in ("lung right", "lung left", "kidney right", "kidney left", "spleen",
                     "stomach", "aorta", "vena cava", "spine", "spinal canal", "ribs"):
            if name in labels.organ:
                out.append(Mask.on_grid_of(name, grid, labels.organ[name]))
        for lesion in self.lesions:
            whole = labels.lesion == lesion.number
            out.append(Mask.on_grid_of(lesion.name, grid, whole))
            if lesion.necrotic_core_ratio > 0:
                out.append(Mask.on_grid_of(f"{lesion.name} necrosis", grid,
                                           whole & (labels.structure == Structure.NECROSIS)))
        return out

    def treated_mask(self, labels: Labels) -> NDArray[np.bool_]:
        """Liver voxels (lesions included) of the treated territory."""
        liver = labels.liver_with_lesions
        if self.territory is TreatedTerritory.WHOLE:
            return liver
        return liver & (labels.lobe == int(self.territory))

    def ct_numbers(self, labels: Labels) -> Volume:
        """Noise-free CT numbers on the labels' grid (HU)."""
        return labels.grid.with_array(labels.property_map("hu"), VolumeUnit.HU)

    def density(self, labels: Labels) -> Volume:
        """Mass density on the labels' grid (g/mL)."""
        return labels.grid.with_array(labels.property_map("density_g_per_ml"),
                                      VolumeUnit.G_PER_ML)


# -- the generator -----------------------------------------------------------------------------
def generate_anatomy(
    rng: np.random.Generator,
    *,
    n_lesions: int | None = None,
    territory: TreatedTerritory | str | None = None,
    weight_kg: float = 75.0,
    lesion_diameters_mm: Sequence[float] | None = None,
) -> Anatomy:
    """Draw one virtual patient's anatomy.

    Parameters
    ----------
    rng
        The anatomy's random stream.
    n_lesions
        Number of liver metastases (3 to 12; drawn if not given). Every lesion is placed,
        10 to 60 mm across (diameters drawn log-uniformly; see :mod:`hepar.phantoms._lesions`
        for how lesions that do not fit are made smaller, never below 10 mm).
    territory
        ``"right"``, ``"left"`` or ``"whole"``; drawn if not given (55 / 15 / 30 %). With a
        lobar territory the largest lesion lies in it and at least one lesion outside it.
    weight_kg
        Body weight; the body outline scales with the square root of weight / 75 kg.
    lesion_diameters_mm
        Fix the lesions' diameters (1 to 12 of them, each 10 to 60 mm) instead of drawing
        them; the tumour burden cap may still scale them down (never below 10 mm).
    """
    if lesion_diameters_mm is not None:
        sizes = [float(d) for d in lesion_diameters_mm]
        if not (1 <= len(sizes) <= 12 and all(
                MIN_LESION_DIAMETER_MM <= d <= MAX_LESION_DIAMETER_MM for d in sizes)):
            raise InvalidValueError(field="lesion_diameters_mm", value=sizes,
                                    expected="1 to 12 diameters of 10 to 60 mm")
        if n_lesions not in (None, len(sizes)):
            raise InvalidValueError(field="n_lesions", value=n_lesions,
                                    expected=f"{len(sizes)}, the number of lesion_diameters_mm")
        n_lesions = len(sizes)
    if n_lesions is None:
        n_lesions = int(rng.integers(3, 13))
    if not 1 <= n_lesions <= 12:
        raise InvalidValueError(field="n_lesions", value=n_lesions, expected="1 to 12 lesions")
    if territory is None:
        territory = TreatedTerritory(int(rng.choice([1, 2, 3], p=[0.55, 0.15, 0.30])))
    elif isinstance(territory, str):
        try:
            territory = TreatedTerritory[territory.upper()]
        except KeyError:
            raise InvalidValueError(
                field="territory", value=territory, expected="'right', 'left' or 'whole'"
            ) from None
    if not 35.0 <= weight_kg <= 200.0:
        raise InvalidValueError(field="weight_kg", value=weight_kg, expected="35 to 200 kg")
    scale = float(np.sqrt(weight_kg / 75.0))
    a = 155.0 * scale * rng.uniform(0.95, 1.05)
    b = 112.0 * scale * rng.uniform(0.95, 1.05)
    fat = float(rng.uniform(8.0, 20.0) * scale)
    z_range = (-135.0, 155.0)
    liver_scale = rng.uniform(0.82, 0.98)
    ls = float(liver_scale)
    right = Ellipsoid((-58.0, -5.0, 5.0), (78.0 * ls, 74.0 * ls, 82.0 * ls),
                      rotation_deg=float(rng.uniform(-10, 10)))
    left = Ellipsoid((28.0, -42.0, 32.0), (62.0 * ls, 34.0 * ls, 46.0 * ls),
                     rotation_deg=float(rng.uniform(-15, 5)))
    split_x, split_slope = float(rng.uniform(-18.0, -4.0)), float(rng.uniform(0.2, 0.5))
    spine_y = 0.58 * b
    wall_a, wall_b = a - fat - 10.0, b - fat - 10.0
    organs: list[tuple[str, Structure, tuple[Shape, ...]]] = [
        ("stomach", Structure.STOMACH, (Ellipsoid((52.0, -30.0, 40.0), (45.0, 33.0, 52.0),
                                                  rotation_deg=-20.0),)),
        ("stomach", Structure.GAS, (Ellipsoid((58.0, -52.0, 70.0), (26.0, 12.0, 16.0)),)),
        ("kidney right", Structure.KIDNEY, (Ellipsoid((-72.0, 0.55 * b, -62.0),
                                                      (27.0, 24.0, 54.0), rotation_deg=15.0),)),
        ("kidney left", Structure.KIDNEY, (Ellipsoid((72.0, 0.55 * b, -48.0),
                                                     (27.0, 24.0, 54.0), rotation_deg=-15.0),)),
        ("lung right", Structure.LUNG, (Ellipsoid((-0.52 * wall_a, 0.1 * b, 185.0),
                                                  (0.5 * wall_a, 0.85 * wall_b, 140.0)),)),
        ("lung left", Structure.LUNG, (Ellipsoid((0.52 * wall_a, 0.1 * b, 195.0),
                                                 (0.46 * wall_a, 0.85 * wall_b, 140.0)),)),
        ("spleen", Structure.SPLEEN, (Ellipsoid((0.62 * wall_a, 0.35 * b, 22.0),
                                                (36.0, 28.0, 48.0), rotation_deg=-30.0),)),
    ]
    hard: list[tuple[str, Structure, tuple[Shape, ...]]] = [
        ("aorta", Structure.VESSEL, (EllipticCylinder((12.0, spine_y - 35.0), (12.0, 12.0),
                                                      z_range),)),
        ("vena cava", Structure.VESSEL, (EllipticCylinder((-22.0, spine_y - 40.0),
                                                          (13.0, 11.0), z_range),)),
        ("spine", Structure.BONE_CORTICAL, (EllipticCylinder((0.0, spine_y), (22.0, 19.0),
                                                             z_range),)),
        ("spine", Structure.BONE_CANCELLOUS, (EllipticCylinder((0.0, spine_y), (19.0, 16.0),
                                                               z_range),)),
        ("spinal canal", Structure.CSF, (EllipticCylinder((0.0, spine_y + 31.0), (8.0, 7.0),
                                                          z_range),)),
    ]
    rib_levels = np.arange(-75.0, 150.0, 26.0) + rng.uniform(-5, 5)
    for structure, tube in ((Structure.BONE_CORTICAL, 4.5), (Structure.BONE_CANCELLOUS, 2.5)):
        hard.append(("ribs", structure, tuple(
            RibArc((0.0, 0.0), (a - fat - 6.0, b - fat - 6.0), z, tube,
                   gap_anterior_deg=55.0 if z < 0 else 35.0)
            for z in rib_levels)))
    anatomy = Anatomy(
        body_semi_axes_mm=(float(a), float(b)), fat_thickness_mm=fat, z_range_mm=z_range,
        liver_shapes=(right, left), split_x_mm=split_x, split_slope=split_slope, lesions=(),
        territory=territory, organs=tuple(organs), hard_organs=tuple(hard),
    )
    if lesion_diameters_mm is None:
        diameters = np.exp(rng.uniform(np.log(MIN_LESION_DIAMETER_MM),
                                       np.log(MAX_LESION_DIAMETER_MM), n_lesions))
    else:
        diameters = np.asarray(lesion_diameters_mm, dtype=float)
    placed = place_lesions(rng, anatomy, diameters)
    return Anatomy(
        body_semi_axes_mm=anatomy.body_semi_axes_mm, fat_thickness_mm=fat, z_range_mm=z_range,
        liver_shapes=anatomy.liver_shapes, split_x_mm=split_x, split_slope=split_slope,
        lesions=placed, territory=territory, organs=anatomy.organs,
        hard_organs=anatomy.hard_organs,
    )
