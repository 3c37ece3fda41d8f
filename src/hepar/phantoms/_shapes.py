"""Analytic solids in patient coordinates (LPS, mm), rasterised on any axial grid.

A virtual patient is a list of these shapes; the same description is sampled on the CT grid,
the simulation grid or a test grid, so every grid sees the same anatomy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from hepar.errors import GeometryError
from hepar.imaging import Volume

__all__ = ["AxialGrid", "Ellipsoid", "EllipticCylinder", "RibArc", "Shape", "axial_grid"]

Box = tuple[tuple[float, float], tuple[float, float], tuple[float, float]]


class Shape(Protocol):
    """A solid: a bounding box and a point-membership test on broadcast coordinates."""

    def bbox(self) -> Box:
        """((xmin, xmax), (ymin, ymax), (zmin, zmax)) in mm."""
        ...

    def inside(self, x: NDArray[np.float64], y: NDArray[np.float64],
               z: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Membership of the points (x, y, z), arrays that broadcast together."""
        ...


@dataclass(frozen=True)
class Ellipsoid:
    """Axis-aligned ellipsoid with an optional rotation about z (degrees)."""

    centre: tuple[float, float, float]
    semi_axes: tuple[float, float, float]
    rotation_deg: float = 0.0

    def bbox(self) -> Box:
        a, b, c = self.semi_axes
        r = max(a, b)
        cx, cy, cz = self.centre
        return (cx - r, cx + r), (cy - r, cy + r), (cz - c, cz + c)

    def inside(self, x: NDArray[np.float64], y: NDArray[np.float64],
               z: NDArray[np.float64]) -> NDArray[np.bool_]:
        cx, cy, cz = self.centre
        a, b, c = self.semi_axes
        dx, dy = x - cx, y - cy
        if self.rotation_deg:
            ang = math.radians(self.rotation_deg)
            cos, sin = math.cos(ang), math.sin(ang)
            dx, dy = dx * cos + dy * sin, -dx * sin + dy * cos
        return np.asarray((dx / a) ** 2 + (dy / b) ** 2 + ((z - cz) / c) ** 2 <= 1.0)


@dataclass(frozen=True)
class EllipticCylinder:
    """Elliptic cylinder along z."""

    centre_xy: tuple[float, float]
    semi_axes_xy: tuple[float, float]
    z_range: tuple[float, float]

    def bbox(self) -> Box:
        (cx, cy), (a, b) = self.centre_xy, self.semi_axes_xy
        return (cx - a, cx + a), (cy - b, cy + b), self.z_range

    def inside(self, x: NDArray[np.float64], y: NDArray[np.float64],
               z: NDArray[np.float64]) -> NDArray[np.bool_]:
        (cx, cy), (a, b) = self.centre_xy, self.semi_axes_xy
        in_plane = ((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 <= 1.0
        return np.asarray(in_plane & (z >= self.z_range[0]) & (z <= self.z_range[1]))


@dataclass(frozen=True)
class RibArc:
    """A rib: a tube of radius ``tube_mm`` along part of an ellipse in an axial plane.

    ``gap_anterior_deg`` and ``gap_posterior_deg`` are half-angles left open around the
    anterior and posterior midline (costal cartilage, spine).
    """

    centre_xy: tuple[float, float]
    semi_axes_xy: tuple[float, float]
    z_mm: float
    tube_mm: float
    gap_anterior_deg: float = 35.0
    gap_posterior_deg: float = 12.0

    def bbox(self) -> Box:
        (cx, cy), (a, b) = self.centre_xy, self.semi_axes_xy
        r = self.tube_mm
        return (cx - a - r, cx + a + r), (cy - b - r, cy + b + r), (self.z_mm - r,
                                                                     self.z_mm + r)

    def inside(self, x: NDArray[np.float64], y: NDArray[np.float64],
               z: NDArray[np.float64]) -> NDArray[np.bool_]:
        (cx, cy), (a, b) = self.centre_xy, self.semi_axes_xy
        dx, dy = x - cx, y - cy
        # distance to the ellipse approximated through the normalised radius
        rho = np.sqrt((dx / a) ** 2 + (dy / b) ** 2)
        radial = np.abs(rho - 1.0) * np.sqrt((a**2 * (dx / a) ** 2 + b**2 * (dy / b) ** 2)
                                             / np.maximum(rho**2, 1e-12))
        dist2 = radial**2 + (z - self.z_mm) ** 2
        angle = np.degrees(np.arctan2(dx, dy))  # 0 = posterior (+y), +-180 = anterior
        open_gap = (np.abs(angle) < self.gap_posterior_deg) | (
            np.abs(angle) > 180.0 - self.gap_anterior_deg)
        return np.asarray((dist2 <= self.tube_mm**2) & ~open_gap)


@dataclass(frozen=True)
class AxialGrid:
    """Coordinates of an axial grid: voxel-centre x, y, z in mm (LPS), and its template."""

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    z: NDArray[np.float64]
    template: Volume

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(nz, ny, nx)``."""
        return (self.z.size, self.y.size, self.x.size)

    def rasterise(self, shape: Shape) -> tuple[tuple[slice, slice, slice], NDArray[np.bool_]]:
        """The index block of ``shape``'s bounding box and the membership inside it."""
        (x0, x1), (y0, y1), (z0, z1) = shape.bbox()

        def block(axis: NDArray[np.float64], lo: float, hi: float) -> slice:
            first = int(np.searchsorted(axis, lo, side="left"))
            last = int(np.searchsorted(axis, hi, side="right"))
            return slice(first, max(first, last))

        sz, sy, sx = block(self.z, z0, z1), block(self.y, y0, y1), block(self.x, x0, x1)
        member = shape.inside(self.x[sx][None, None, :], self.y[sy][None, :, None],
                              self.z[sz][:, None, None])
        return (sz, sy, sx), np.asarray(member, dtype=bool)


def axial_grid(template: Volume) -> AxialGrid:
    """Coordinates of an axis-aligned (z, y, x) grid with increasing L, P, S axes."""
    direction = template.direction
    if not np.allclose(direction, np.eye(3)[:, ::-1], atol=1e-6):
        raise GeometryError(
            field="grid affine", value=np.round(direction, 4).tolist(),
            expected="axial slices with columns along +x, rows along +y and slices along +z",
        )
    nz, ny, nx = template.shape
    dz, dy, dx = template.spacing_mm
    ox, oy, oz = template.origin_lps_mm
    return AxialGrid(ox + np.arange(nx) * dx, oy + np.arange(ny) * dy, oz + np.arange(nz) * dz,
                     template)
