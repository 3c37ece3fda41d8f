"""The simulator's own forward model: a fine-grid, frame-sampling projector.

The reconstruction (``hepar.spect``) projects by rotating its (coarse) image and summing along a
grid axis. To avoid the *inverse crime* (DESIGN.md) the simulator models the camera differently:

1. **Finer grid.** It works on the phantom grid, whose spacing ``s`` is the detector pixel
   divided by an integer ``m >= 2`` (2.4 mm for 4.8 mm pixels); the detector is sampled at
   ``s`` and the fine image is binned ``m x m`` into detector pixels at the end, which
   integrates the response over each pixel.
2. **Its own ray model, in a view-aligned frame.** For each view the object is carried into a
   frame whose axes are the detector normal ``t`` and the detector columns ``u``, with
   sampling points at the fine detector's column centres. Activity is *splatted* (every phantom
   voxel pushes its activity onto the four nearest frame points with bilinear weights, which
   conserves activity exactly); attenuation coefficients are *sampled* at the frame points
   (bilinear interpolation). Opposite heads share one frame, flipped.
3. **Explicit attenuation path integrals.** Along each ray (a line of constant ``u`` and
   ``z``) the path integral from a voxel to the detector is a cumulative sum of the sampled
   coefficients plus half the voxel's own: :math:`\\int\\mu\\,dl = s(\\sum_{k'>k}\\mu_{k'} +
   \\mu_k/2)`, evaluated at each photon energy from the CT through the bilinear HU-to-mu model
   of :func:`hepar.physics.hu_to_mu_per_cm` (exactly, by its two basis maps).
4. **Depth-dependent collimator-detector response by exact Gaussian composition.** The
   response of a plane at distance ``b`` is a Gaussian of variance
   :math:`\\sigma^2(b) = (R_g(b)^2 + R_i^2)/(8\\ln 2)` (collimator geometry,
   :class:`~hepar.phantoms.Collimator`). Planes are accumulated from the farthest to the
   nearest; between two planes the running sum is convolved with a three-tap kernel
   ``[v/2, 1 - v, v/2]`` per axis whose variance ``v`` is exactly the increase
   :math:`\\sigma^2(b_{k}) - \\sigma^2(b_{k+1})` (a discrete diffusion step; several steps when
   ``v > 1/2``), and the sum is finally blurred with the Gaussian of the nearest plane. Each
   plane thus receives exactly its own variance, not that of a depth bin.

Scatter and the broad background are not collimated images of the source: the projector
returns, per view, their *source terms* (the attenuated activity weighted by its path length
in mean free paths, and the activity attenuated at the background's energy, summed along the
ray), which :mod:`hepar.phantoms._acquisition` spreads with broad kernels.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter

from hepar.errors import GeometryError, InvalidValueError

from ._geometry import detector_axes

__all__ = ["EmissionTerm", "FineGridProjector", "ProjectorOutput"]

_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
#: Largest variance (in fine pixels^2) of one three-tap diffusion step (kernel stays >= 0).
_MAX_STEP_VARIANCE = 0.5
F32 = np.float32


@dataclass(frozen=True)
class EmissionTerm:
    """One photon energy of one source to project.

    Parameters
    ----------
    source
        Index of the activity map.
    mu_water_per_mm, mu_bone_slope_per_mm
        Attenuation at this energy as ``mu = a*m1 + b*m2`` with the basis maps
        ``m1 = 1 + min(HU, 0)/1000`` and ``m2 = max(HU, 0)/1000``.
    hole_diameter_mm, effective_length_mm, intrinsic_fwhm_mm
        Collimator-detector response at this energy (ignored for unblurred terms).
    """

    source: int
    mu_water_per_mm: float
    mu_bone_slope_per_mm: float
    hole_diameter_mm: float = 0.0
    effective_length_mm: float = 1.0
    intrinsic_fwhm_mm: float = 0.0

    def variance_mm2(self, distance_mm: NDArray[np.floating]) -> NDArray[np.float64]:
        """Geometric variance of the collimator response at ``distance_mm``."""
        fwhm = self.hole_diameter_mm * (self.effective_length_mm + distance_mm) / (
            self.effective_length_mm
        )
        return np.asarray((fwhm / _FWHM_PER_SIGMA) ** 2)


@dataclass(frozen=True)
class _Frame:
    """One view-aligned frame: path integrals ``cum`` (basis, t, u, z) towards -t and
    ``total`` over the whole ray, the activity (t, u, source, z), the body's extent in t
    (fine pixels from the axis, min and max) and each source's box (t, u, z slices)."""

    cum: NDArray[np.float32]
    total: NDArray[np.float32]
    activity: NDArray[np.float32]
    body_t: tuple[float, float]
    boxes: list[tuple[slice, slice, slice] | None]
    shared: dict[tuple[int, float, float], tuple[NDArray[np.float32], ...]] = field(
        default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class ProjectorOutput:
    """Per-view images on the detector matrix, each ``(term, view, row, column)``.

    ``primary`` holds attenuated, blurred activity (MBq seen through the collimator, before
    sensitivity); ``scatter_source`` the attenuated activity times its path in mean free
    paths; ``background_source`` the activity attenuated at the background energy.
    """

    primary: NDArray[np.float32]
    scatter_source: NDArray[np.float32]
    background_source: NDArray[np.float32]


class FineGridProjector:
    """Project activity maps on a fine isotropic grid onto a rotating parallel-hole camera.

    Parameters
    ----------
    spacing_mm
        Isotropic spacing ``s`` of the phantom grid.
    grid_shape
        ``(nz, ny, nx)``; ``nz`` must be even and at most ``matrix * m``.
    origin_mm
        LPS position of voxel (0, 0, 0) (x, y, z order).
    axis_xy_mm
        LPS (x, y) of the rotation axis, parallel to z. The detector's axial centre is the
        grid's axial centre.
    matrix, pixel_mm
        Detector matrix and pixel size; ``pixel_mm / spacing_mm`` must be an integer >= 2.
    workers
        Threads used over views (results do not depend on it).
    """

    def __init__(
        self,
        *,
        spacing_mm: float,
        grid_shape: tuple[int, int, int],
        origin_mm: Sequence[float],
        axis_xy_mm: Sequence[float],
        matrix: int,
        pixel_mm: float,
        workers: int | None = None,
    ) -> None:
        ratio = pixel_mm / spacing_mm
        self.m = round(ratio)
        if self.m < 2 or abs(ratio - self.m) > 1e-6:
            raise GeometryError(
                field="grid spacing_mm", value=spacing_mm,
                expected=f"the detector pixel ({pixel_mm} mm) divided by an integer >= 2 "
                "(the simulator projects on a grid at least twice finer than the detector)",
            )
        nz, ny, nx = grid_shape
        self.fine_columns = matrix * self.m
        if nz % 2 or nz > self.fine_columns:
            raise GeometryError(
                field="grid shape[0] (slices)", value=nz,
                expected=f"an even number of slices, at most {self.fine_columns} "
                "(the detector's axial field of view at the grid spacing)",
            )
        self.s = float(spacing_mm)
        self.shape = (nz, ny, nx)
        self.matrix = int(matrix)
        self.origin = np.asarray(origin_mm, dtype=float)
        self.axis = np.asarray(axis_xy_mm, dtype=float)
        self.workers = max(1, min(workers or os.cpu_count() or 1, 4))

    # -- frame -----------------------------------------------------------------------------
    def _frame(self, support_radius_mm: float) -> None:
        s = self.s
        half_t = math.ceil(support_radius_mm / s) + 1
        self.nt = 2 * half_t
        self.t = (np.arange(self.nt) - (self.nt - 1) / 2.0) * s
        big = self.fine_columns
        u_all = (np.arange(big) - (big - 1) / 2.0) * s
        first = int(np.searchsorted(u_all, -(support_radius_mm + s)))
        self.l0 = max(0, first - 1)
        self.nu = big - 2 * self.l0
        self.u = u_all[self.l0:big - self.l0]

    def _pixel_offsets(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        _, ny, nx = self.shape
        x = self.origin[0] + np.arange(nx) * self.s - self.axis[0]
        y = self.origin[1] + np.arange(ny) * self.s - self.axis[1]
        return x, y

    def _frame_coordinates(self, angle_deg: float, jj: NDArray[np.int_], ii: NDArray[np.int_]
                           ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Fractional frame indices (t, u) of grid pixels (jj, ii)."""
        normal, column = detector_axes(angle_deg)
        x, y = self._pixel_offsets()
        dx, dy = x[ii], y[jj]
        ft = (dx * normal[0] + dy * normal[1]) / self.s + (self.nt - 1) / 2.0
        fu = (dx * column[0] + dy * column[1] - self.u[0]) / self.s
        return ft, fu

    def _push_matrix(self, angle_deg: float, active: NDArray[np.bool_]) -> sp.csr_matrix:
        """Frame <- grid splatting weights for the in-plane pixels marked ``active``."""
        nx = self.shape[2]
        jj, ii = np.nonzero(active)
        ft, fu = self._frame_coordinates(angle_deg, jj, ii)
        return self._bilinear(ft, fu, jj * nx + ii, rows_are_frame=True)

    def _pull_matrix(self, angle_deg: float, radius_mm: float) -> sp.csr_matrix:
        """Frame <- grid interpolation weights, for frame points within ``radius_mm``."""
        normal, column = detector_axes(angle_deg)
        tt, uu = np.meshgrid(self.t, self.u, indexing="ij")
        keep = np.hypot(tt, uu) <= radius_mm + self.s
        frame_index = np.nonzero(keep.ravel())[0]
        tt, uu = tt.ravel()[frame_index], uu.ravel()[frame_index]
        fx = (self.axis[0] + tt * normal[0] + uu * column[0] - self.origin[0]) / self.s
        fy = (self.axis[1] + tt * normal[1] + uu * column[1] - self.origin[1]) / self.s
        return self._bilinear(fy, fx, frame_index, rows_are_frame=False)

    def _bilinear(
        self, fa: NDArray[np.float64], fb: NDArray[np.float64], index: NDArray[np.int_], *,
        rows_are_frame: bool,
    ) -> sp.csr_matrix:
        _, ny, nx = self.shape
        a0, b0 = np.floor(fa).astype(np.int64), np.floor(fb).astype(np.int64)
        wa, wb = fa - a0, fb - b0
        rows, cols, vals = [], [], []
        for da, db, weight in ((0, 0, (1 - wa) * (1 - wb)), (0, 1, (1 - wa) * wb),
                               (1, 0, wa * (1 - wb)), (1, 1, wa * wb)):
            a, b = a0 + da, b0 + db
            if rows_are_frame:  # (a, b) = (t, u) frame point, index = grid pixel
                ok = (a >= 0) & (a < self.nt) & (b >= 0) & (b < self.nu) & (weight > 0)
                rows.append(a[ok] * self.nu + b[ok])
                cols.append(index[ok])
            else:  # (a, b) = (y, x) grid pixel, index = frame point
                ok = (a >= 0) & (a < ny) & (b >= 0) & (b < nx) & (weight > 0)
                rows.append(index[ok])
                cols.append(a[ok] * nx + b[ok])
            vals.append(weight[ok])
        return sp.csr_matrix(
            (np.concatenate(vals).astype(F32), (np.concatenate(rows), np.concatenate(cols))),
            shape=(self.nt * self.nu, ny * nx),
        )

    # -- projection ------------------------------------------------------------------------
    def project(
        self,
        *,
        hu: NDArray[np.floating],
        activities: Sequence[NDArray[np.floating]],
        primary: Sequence[EmissionTerm],
        scatter: Sequence[EmissionTerm],
        background: Sequence[EmissionTerm],
        angles_deg: NDArray[np.float64],
        radius_mm: NDArray[np.float64] | None,
        clearance_mm: float = 25.0,
        attenuation: bool = True,
        blur: bool = True,
    ) -> tuple[ProjectorOutput, NDArray[np.float64]]:
        """Project every term for every view.

        Parameters
        ----------
        hu
            Noise-free CT numbers on the grid (attenuation).
        activities
            Activity per voxel (any unit, e.g. MBq) of each source, on the grid.
        primary, scatter, background
            The terms to project (see :class:`EmissionTerm`).
        angles_deg
            Gantry angle of each view.
        radius_mm
            Distance from the rotation axis to the collimator face per view; ``None`` for a
            body-contouring orbit (the object's extent along the normal plus
            ``clearance_mm``).
        attenuation, blur
            Switch attenuation and the collimator-detector response off (for tests).

        Returns
        -------
        ProjectorOutput, numpy.ndarray
            The images and the radius of each view.
        """
        nz, ny, nx = self.shape
        for name, array in (("hu", hu), *((f"activities[{i}]", a) for i, a in
                                          enumerate(activities))):
            if np.shape(array) != self.shape:
                raise InvalidValueError(
                    field=name, value=np.shape(array), expected=f"the grid shape {self.shape}"
                )
        hu_arr = np.asarray(hu, dtype=F32)
        basis = np.stack([1.0 + np.minimum(hu_arr, 0.0) / 1000.0,
                          np.maximum(hu_arr, 0.0) / 1000.0]).astype(F32)
        if not attenuation:
            basis[:] = 0.0
        act = [np.asarray(a, dtype=F32) for a in activities]
        if any(float(a.min(initial=0.0)) < 0 for a in act):
            raise InvalidValueError(field="activities", value="negative values",
                                    expected="activity >= 0 in every voxel")
        plane_of = [a.any(axis=0) for a in act]  # in-plane support of each source
        slices_of = [np.nonzero(a.any(axis=(1, 2)))[0] for a in act]
        in_plane_active = np.zeros((ny, nx), dtype=bool)
        for plane in plane_of:
            in_plane_active |= plane
        body = (hu_arr > -900.0).any(axis=0) | in_plane_active
        x, y = self._pixel_offsets()
        rr = np.hypot(*np.meshgrid(x, y, indexing="xy"))
        support = float(rr[body].max(initial=0.0)) + self.s
        self._frame(support)
        pull_x = np.ascontiguousarray(basis.transpose(2, 3, 0, 1).reshape(ny * nx, 2 * nz))
        push_x = np.ascontiguousarray(
            np.stack(act).transpose(2, 3, 0, 1).reshape(ny * nx, len(act) * nz)
        ) if act else np.zeros((ny * nx, 0), F32)
        body_pixels = np.nonzero(body)
        source_pixels = [np.nonzero(plane) for plane in plane_of]
        n_views = len(angles_deg)
        out = ProjectorOutput(
            np.zeros((len(primary), n_views, self.matrix, self.matrix), F32),
            np.zeros((len(scatter), n_views, self.matrix, self.matrix), F32),
            np.zeros((len(background), n_views, self.matrix, self.matrix), F32),
        )
        radii = np.zeros(n_views)
        # views sharing a frame: angle modulo 180 degrees
        keys: dict[float, list[int]] = {}
        for v, angle in enumerate(np.asarray(angles_deg, float)):
            keys.setdefault(round(float(angle) % 180.0, 6), []).append(v)

        def work(base: float) -> None:
            pull = self._pull_matrix(base, support)
            push = self._push_matrix(base, in_plane_active)
            mu_frame = (pull @ pull_x).reshape(self.nt, self.nu, 2, nz)
            act_frame = (push @ push_x).reshape(self.nt, self.nu, len(act), nz)
            # path integrals towards -t: the samples before plus half the sample's own
            cum = np.ascontiguousarray(mu_frame.transpose(2, 0, 1, 3))  # (2, t, u, z)
            half = F32(0.5) * cum
            for k in range(1, self.nt):  # faster than np.cumsum along a leading axis
                cum[:, k] += cum[:, k - 1]
            total = cum[:, -1:].copy()
            cum -= half
            cum *= F32(self.s)
            total *= F32(self.s)
            ft, _ = self._frame_coordinates(base, *body_pixels)
            body_t = (float(ft.min()) - (self.nt - 1) / 2.0, float(ft.max()) - (self.nt - 1) / 2.0)
            boxes: list[tuple[slice, slice, slice] | None] = []
            for src, (jj, ii) in enumerate(source_pixels):
                if jj.size == 0 or slices_of[src].size == 0:
                    boxes.append(None)
                    continue
                ft, fu = self._frame_coordinates(base, jj, ii)
                boxes.append((
                    slice(max(0, int(ft.min())), min(self.nt, int(np.floor(ft.max())) + 2)),
                    slice(max(0, int(fu.min())), min(self.nu, int(np.floor(fu.max())) + 2)),
                    slice(int(slices_of[src][0]), int(slices_of[src][-1]) + 1),
                ))
            frame = _Frame(cum, total, act_frame, body_t, boxes)
            for v in keys[base]:
                flipped = abs(((float(angles_deg[v]) - base) % 360.0) - 180.0) < 1e-6
                radii[v] = self._view(
                    frame, flipped, None if radius_mm is None else
                    float(radius_mm[v]), clearance_mm, primary, scatter, background, blur,
                    out, v,
                )

        if self.workers > 1 and len(keys) > 1:
            with ThreadPoolExecutor(self.workers) as pool:
                list(pool.map(work, sorted(keys)))
        else:
            for base in sorted(keys):
                work(base)
        return out, radii

    def _view(
        self,
        frame: _Frame,
        flipped: bool,
        radius_mm: float | None,
        clearance_mm: float,
        primary: Sequence[EmissionTerm],
        scatter: Sequence[EmissionTerm],
        background: Sequence[EmissionTerm],
        blur: bool,
        out: ProjectorOutput,
        view: int,
    ) -> float:
        s = self.s
        # extent of the body towards this head, in mm from the axis
        extent = (-frame.body_t[0] if flipped else frame.body_t[1]) * s + s / 2.0
        radius = extent + clearance_mm if radius_mm is None else radius_mm
        if radius < extent:
            raise GeometryError(
                field="radius_mm", value=radius_mm,
                expected=f"at least {extent:.1f} mm at view {view} (the body reaches that far)",
            )
        depth = -self.t if flipped else self.t  # towards the detector
        distance = radius - depth
        # attenuated emission of each (source, energy), inside the source's box. The
        # transmission towards -t (flipped head) is exp(-mu . cum); towards +t it is
        # exp(-mu . total) / exp(-mu . cum): one exponential per sample serves both heads.
        cache: dict[tuple[int, float, float], tuple[NDArray[F32], NDArray[F32]]] = {}

        def attenuated(term: EmissionTerm) -> tuple[NDArray[F32], NDArray[F32]] | None:
            box = frame.boxes[term.source]
            if box is None:
                return None
            key = (term.source, term.mu_water_per_mm, term.mu_bone_slope_per_mm)
            if key not in cache:
                bt, bu, bz = box
                with frame.lock:
                    if key not in frame.shared:
                        a, b = F32(term.mu_water_per_mm), F32(term.mu_bone_slope_per_mm)
                        mfp_back = frame.cum[0, bt, bu, bz] * a
                        mfp_all = frame.total[0, :, bu, bz] * a
                        if b:
                            mfp_back += frame.cum[1, bt, bu, bz] * b
                            mfp_all += frame.total[1, :, bu, bz] * b
                        frame.shared[key] = (mfp_back, np.exp(-mfp_back), mfp_all,
                                             np.exp(-mfp_all))
                    mfp_back, back, mfp_all, through = frame.shared[key]
                activity = frame.activity[bt, bu, term.source, bz]
                if flipped:
                    cache[key] = (activity * back, mfp_back)
                else:
                    emitted = np.divide(through, back)
                    emitted *= activity
                    cache[key] = (emitted, mfp_all - mfp_back)
            return cache[key]

        targets = (out.primary, out.scatter_source, out.background_source)
        if primary:
            self._primary(frame, primary, attenuated, distance, flipped, blur, out, view)
        for c, term in enumerate(scatter):
            pair = attenuated(term)
            if pair is not None:
                box = frame.boxes[term.source]
                assert box is not None
                image = np.einsum("tuz,tuz->uz", pair[0], pair[1])
                targets[1][c, view] = self._to_detector(image, box[1].start, box[2].start,
                                                        flipped)
        for c, term in enumerate(background):
            pair = attenuated(term)
            if pair is not None:
                box = frame.boxes[term.source]
                assert box is not None
                targets[2][c, view] = self._to_detector(pair[0].sum(axis=0), box[1].start,
                                                        box[2].start, flipped)
        return radius

    def _primary(self, frame: _Frame, terms: Sequence[EmissionTerm], attenuated: Any,
                 distance: NDArray[np.floating], flipped: bool, blur: bool,
                 out: ProjectorOutput, view: int) -> None:
        boxes = [frame.boxes[t.source] for t in terms]
        present = [b for b in boxes if b is not None]
        if not present:
            return
        t0, t1 = min(b[0].start for b in present), max(b[0].stop for b in present)
        u0, u1 = min(b[1].start for b in present), max(b[1].stop for b in present)
        z0, z1 = min(b[2].start for b in present), max(b[2].stop for b in present)
        pad = 0  # blur room beside the box: 4 sigma of this view's farthest plane
        if blur:
            farthest = np.asarray(float(np.max(distance[t0:t1])))
            pad = max(math.ceil(4.0 * math.sqrt(
                float(term.variance_mm2(farthest))
                + (term.intrinsic_fwhm_mm / _FWHM_PER_SIGMA) ** 2) / self.s) for term in terms)
        stack = np.zeros((len(terms), t1 - t0, u1 - u0 + 2 * pad, z1 - z0 + 2 * pad), F32)
        for c, (term, box) in enumerate(zip(terms, boxes, strict=True)):
            if box is None:
                continue
            emitted, _ = attenuated(term)
            bt, bu, bz = box
            stack[c, bt.start - t0:bt.stop - t0,
                  pad + bu.start - u0:pad + bu.stop - u0,
                  pad + bz.start - z0:pad + bz.stop - z0] = emitted
        active = np.zeros(t1 - t0, dtype=bool)
        for box in present:
            active[box[0].start - t0:box[0].stop - t0] = True
        result = self._blur(stack, active, distance[t0:t1], terms, flipped, blur)
        for c in range(len(terms)):
            out.primary[c, view] = self._to_detector(result[c], u0 - pad, z0 - pad, flipped)

    def _blur(
        self, stack: NDArray[F32], active_rows: NDArray[np.bool_],
        distance: NDArray[np.floating],
        terms: Sequence[EmissionTerm], flipped: bool, blur: bool,
    ) -> NDArray[F32]:
        """Sum the planes of ``stack`` (term, plane, u, z), each with its own Gaussian;
        ``active_rows`` marks the planes that may hold activity."""
        if not blur:
            return np.asarray(stack.sum(axis=1))
        n_terms, n_planes = stack.shape[:2]
        order = range(n_planes - 1, -1, -1) if flipped else range(n_planes)  # far -> near
        variance = np.stack([t.variance_mm2(distance) for t in terms]) / self.s**2
        total = np.zeros((n_terms, *stack.shape[2:]), F32)
        previous: int | None = None
        started = False
        for k in order:
            if previous is not None and started:
                self._diffuse(total, variance[:, previous] - variance[:, k])
            if active_rows[k]:
                total += stack[:, k]
                started = True
            previous = k
        nearest = previous if previous is not None else 0
        for c, term in enumerate(terms):
            sigma = math.sqrt(variance[c, nearest] + (term.intrinsic_fwhm_mm / _FWHM_PER_SIGMA
                                                       / self.s) ** 2)
            total[c] = gaussian_filter(total[c], sigma, mode="constant", truncate=4.0)
        return total

    @staticmethod
    def _diffuse(total: NDArray[F32], variance: NDArray[np.float64]) -> None:
        """Convolve each term's image with ``[v/2, 1-v, v/2]`` per axis, in place."""
        if not np.any(variance > 0):
            return
        steps = max(1, math.ceil(float(variance.max()) / _MAX_STEP_VARIANCE))
        v = (np.clip(variance, 0.0, None) / steps).astype(F32)[:, None, None]
        keep, side = 1.0 - v, v / 2.0
        for _ in range(steps):
            for axis in (1, 2):
                moved = total * side
                total *= keep
                if axis == 1:
                    total[:, 1:, :] += moved[:, :-1, :]
                    total[:, :-1, :] += moved[:, 1:, :]
                else:
                    total[:, :, 1:] += moved[:, :, :-1]
                    total[:, :, :-1] += moved[:, :, 1:]

    def _to_detector(self, image: NDArray[F32], u_first: int, z_first: int,
                     flipped: bool) -> NDArray[F32]:
        """Bin a fine image (u, z) of the frame, whose first row is frame column ``u_first``
        and first column grid slice ``z_first``, into the (row, column) detector image."""
        nz = self.shape[0]
        big = self.fine_columns
        n_u, n_z = image.shape
        columns = self.l0 + u_first + np.arange(n_u)
        if flipped:  # the opposite head's columns run the other way
            columns = big - 1 - columns
        rows = (big + nz) // 2 - 1 - (z_first + np.arange(n_z))  # row 0: most superior
        keep_u = (columns >= 0) & (columns < big)
        keep_z = (rows >= 0) & (rows < big)
        fine = np.zeros((big, big), F32)
        fine[np.ix_(rows[keep_z], columns[keep_u])] = image[np.ix_(keep_u, keep_z)].T
        m = self.m
        return np.asarray(fine.reshape(self.matrix, m, self.matrix, m).sum(axis=(1, 3)))
