"""NET liver metastases of a virtual patient: the lesion record and where lesions go.

Lesions are placed largest first at random points of the liver (the sphere's centre and the six
points at 60 % of its radius along the axes inside the liver, at most 10 % overlap with a placed
lesion). Every drawn lesion is placed and keeps a diameter of 10 to 60 mm, by construction:

1. the tumour burden is capped before placement: if the lesions' total volume exceeds
   :data:`MAX_TUMOUR_VOLUME_FRACTION` of the liver's, every diameter is scaled down by one
   factor (none below 10 mm);
2. a lesion that finds no room in 400 random tries is shrunk by 20 % at a time, never below
   10 mm;
3. at 10 mm, every point of a regular grid over the liver is tried (first in the wished lobe,
   then anywhere); with the burden capped this always finds room, and a lesion that still
   cannot be placed is an error, never a silently missing or smaller lesion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hepar.errors import GeometryError
from hepar.physics import MM3_PER_ML

from ._shapes import Ellipsoid

if TYPE_CHECKING:
    from ._anatomy import Anatomy

__all__ = [
    "MAX_LESION_DIAMETER_MM",
    "MAX_TUMOUR_VOLUME_FRACTION",
    "MIN_LESION_DIAMETER_MM",
    "Lesion",
    "cap_tumour_burden",
    "liver_volume_ml",
    "place_lesions",
]

#: Lesion diameters of the virtual patients: measurable (RECIST 1.1: >= 10 mm) to 60 mm.
MIN_LESION_DIAMETER_MM = 10.0
MAX_LESION_DIAMETER_MM = 60.0
#: Largest total tumour volume as a fraction of the liver's (an upper bound on the draws:
#: 1000 seeded patients reach at most about 33 %; the study excludes >= 70 % involvement).
MAX_TUMOUR_VOLUME_FRACTION = 0.35
_RANDOM_TRIES = 400
_SHRINK = 0.8
_OFFSETS = np.array([[0, 0, 0], [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1],
                     [0, 0, -1]], float)


@dataclass(frozen=True)
class Lesion:
    """A NET liver metastasis (a sphere, optionally with a necrotic core).

    Attributes
    ----------
    number
        1-based lesion number (largest first).
    centre_mm
        LPS centre.
    diameter_mm
        Diameter of the whole lesion.
    necrotic_core_ratio
        Radius of the necrotic core over the lesion radius (0: no necrosis).
    lobe
        ``"right"`` or ``"left"``.
    treated
        Whether the lesion lies in the treated territory.
    """

    number: int
    centre_mm: tuple[float, float, float]
    diameter_mm: float
    necrotic_core_ratio: float
    lobe: str
    treated: bool

    @property
    def name(self) -> str:
        """Mask name: ``"lesion 3"``."""
        return f"lesion {self.number}"

    def sphere(self) -> Ellipsoid:
        r = self.diameter_mm / 2.0
        return Ellipsoid(self.centre_mm, (r, r, r))

    def core(self) -> Ellipsoid | None:
        if self.necrotic_core_ratio <= 0:
            return None
        r = self.diameter_mm / 2.0 * self.necrotic_core_ratio
        return Ellipsoid(self.centre_mm, (r, r, r))


def _union_box(shapes: tuple[Ellipsoid, ...]) -> tuple[tuple[float, float], ...]:
    boxes = [s.bbox() for s in shapes]
    return tuple((min(b[i][0] for b in boxes), max(b[i][1] for b in boxes)) for i in range(3))


def liver_volume_ml(anatomy: Anatomy, *, step_mm: float = 5.0) -> float:
    """Volume of the liver outline (lesions included), counted on a ``step_mm`` grid."""
    (x0, x1), (y0, y1), (z0, z1) = _union_box(anatomy.liver_shapes)
    x, y, z = (np.arange(lo + step_mm / 2.0, hi, step_mm) for lo, hi in ((x0, x1), (y0, y1),
                                                                          (z0, z1)))
    inside = anatomy.in_liver(x[None, None, :], y[None, :, None], z[:, None, None])
    return float(inside.sum()) * step_mm**3 / MM3_PER_ML


def cap_tumour_burden(diameters_mm: NDArray[np.float64], liver_ml: float) -> NDArray[np.float64]:
    """Diameters scaled by one factor (none below 10 mm) so that the spheres' total volume is at
    most :data:`MAX_TUMOUR_VOLUME_FRACTION` of ``liver_ml``; unchanged if it already is.

    Examples
    --------
    >>> cap_tumour_burden(np.array([60.0, 60.0, 12.0]), 1500.0).round(1).tolist()
    [60.0, 60.0, 12.0]
    >>> cap_tumour_burden(np.full(12, 60.0), 1000.0).tolist()[:2]
    [38.19, 38.19]
    """
    diameters = np.asarray(diameters_mm, dtype=float)

    def total_ml(factor: float) -> float:
        scaled = np.maximum(diameters * factor, MIN_LESION_DIAMETER_MM)
        return float(np.sum(np.pi / 6.0 * scaled**3)) / MM3_PER_ML

    limit = MAX_TUMOUR_VOLUME_FRACTION * liver_ml
    if total_ml(1.0) <= limit:
        return diameters
    low, high = 0.0, 1.0  # total_ml grows with the factor: bisect for the largest that fits
    for _ in range(60):
        middle = (low + high) / 2.0
        low, high = (middle, high) if total_ml(middle) <= limit else (low, middle)
    # to 0.01 mm, rounded down (lesions record their diameter to 0.01 mm)
    return np.maximum(np.floor(diameters * low * 100.0) / 100.0, MIN_LESION_DIAMETER_MM)


def _fits(anatomy: Anatomy, centres: NDArray[np.float64], radius: float,
          placed: Sequence[Lesion], lobe: int | None) -> NDArray[np.bool_]:
    """Which candidate centres (n, 3) can hold a lesion of ``radius``."""
    points = centres[:, None, :] + _OFFSETS[None] * 0.6 * radius
    ok = anatomy.in_liver(points[..., 0], points[..., 1], points[..., 2]).all(axis=1)
    if lobe is not None:
        ok &= anatomy.lobe_of(centres[:, 0], centres[:, 1]) == lobe
    for p in placed:
        distance = np.linalg.norm(centres - np.asarray(p.centre_mm), axis=1)
        ok &= distance >= 0.9 * (radius + p.diameter_mm / 2.0)
    return np.asarray(ok)


def _random_centre(rng: np.random.Generator, anatomy: Anatomy, radius: float,
                   placed: Sequence[Lesion], lobe: int | None
                   ) -> tuple[float, float, float] | None:
    (x0, x1), (y0, y1), (z0, z1) = _union_box(anatomy.liver_shapes)
    for _ in range(_RANDOM_TRIES):
        c = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1), rng.uniform(z0, z1)])
        if _fits(anatomy, c[None], radius, placed, lobe)[0]:
            return (float(c[0]), float(c[1]), float(c[2]))
    return None


def _scanned_centre(rng: np.random.Generator, anatomy: Anatomy, radius: float,
                    placed: Sequence[Lesion], lobe: int | None
                    ) -> tuple[float, float, float] | None:
    """A centre picked at random among all points of a regular grid that fit."""
    step = max(2.5, radius / 2.0)
    axes = [np.arange(lo, hi + step / 2.0, step)
            for lo, hi in _union_box(anatomy.liver_shapes)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    grid = grid[anatomy.in_liver(grid[:, 0], grid[:, 1], grid[:, 2])]
    fits = grid[_fits(anatomy, grid, radius, placed, lobe)]
    if not len(fits):
        return None
    c = fits[int(rng.integers(len(fits)))]
    return (float(c[0]), float(c[1]), float(c[2]))


def place_lesions(rng: np.random.Generator, anatomy: Anatomy,
                  diameters_mm: ArrayLike) -> tuple[Lesion, ...]:
    """Place lesions of the given diameters (10-60 mm) in the liver of ``anatomy``.

    With a lobar territory the largest lesion lies in the treated lobe and, if none is there
    yet, the last one in the untreated lobe. Returns as many lesions as diameters, each 10 to
    60 mm (module docstring); lesions of 25 mm or more have a necrotic core half of the time.
    """
    from ._anatomy import TreatedTerritory

    territory = anatomy.territory
    diameters = cap_tumour_burden(np.sort(np.asarray(diameters_mm, float))[::-1],
                                  liver_volume_ml(anatomy))
    untreated_lobe = {TreatedTerritory.RIGHT: 2, TreatedTerritory.LEFT: 1}.get(territory)
    treated_lobe = {TreatedTerritory.RIGHT: 1, TreatedTerritory.LEFT: 2}.get(territory)
    min_radius = MIN_LESION_DIAMETER_MM / 2.0
    placed: list[Lesion] = []
    for index, diameter in enumerate(diameters):
        radius = float(diameter) / 2.0
        # the largest lesion lies in the treated lobe (the lobe is treated for its disease);
        # the last one goes to the untreated lobe if none is there yet
        want = untreated_lobe if (untreated_lobe and index == len(diameters) - 1 and not any(
            p.lobe == ("right" if untreated_lobe == 1 else "left") for p in placed)) else None
        if index == 0 and treated_lobe:
            want = treated_lobe
        centre = _random_centre(rng, anatomy, radius, placed, want)
        while centre is None and radius > min_radius:
            radius = max(radius * _SHRINK, min_radius)
            centre = _random_centre(rng, anatomy, radius, placed, want)
        if centre is None:
            centre = _scanned_centre(rng, anatomy, radius, placed, want)
        if centre is None and want is not None:
            centre = _scanned_centre(rng, anatomy, radius, placed, None)
        if centre is None:
            raise GeometryError(
                field="lesions", value=[round(float(d), 1) for d in diameters],
                expected=f"room in the liver for lesion {index + 1} at "
                f"{MIN_LESION_DIAMETER_MM:g} mm (tumour burden capped at "
                f"{MAX_TUMOUR_VOLUME_FRACTION:.0%} of the liver)",
            )
        lobe = int(anatomy.lobe_of(centre[0], centre[1]))
        necrotic = float(rng.uniform(0.35, 0.6)) if 2 * radius >= 25.0 and rng.random() < 0.5 \
            else 0.0
        placed.append(Lesion(len(placed) + 1, centre, round(2.0 * radius, 2), necrotic,
                             "right" if lobe == 1 else "left", anatomy.treated_lobe(lobe)))
    return tuple(placed)
