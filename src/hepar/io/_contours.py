"""Planar contours <-> pixel masks, in numpy (no scikit-image or matplotlib in hepar).

* :func:`fill_polygons` rasterises closed polygons with the even-odd rule by scanlines: a pixel
  belongs to the region when its *centre* lies inside, a crossing at row ``y`` being counted for
  edges with ``min(y0, y1) <= y < max(y0, y1)`` (half-open, so a vertex on a scanline is counted
  once). Polygons of one slice are combined by exclusive or, so an inner contour is a hole, the
  usual reading of nested RTSTRUCT contours (PS3.3 C.8.8.6).
* :func:`mask_outlines` traces the outline of a mask along pixel edges (not marching squares):
  closed rectilinear loops through pixel corners, collinear points merged. Every pixel centre is
  half a pixel from every outline edge, so ``fill_polygons(mask_outlines(m)) == m`` exactly.

Coordinates are continuous array indices ``(row, column)`` of pixel centres.

Why not ``skimage.draw.polygon2mask``: it would add scikit-image (and its image-file stack) to hepar
for one function, and its rule for a pixel centre lying exactly on an edge or vertex is not
documented. RTSTRUCT contours are often drawn through pixel centres, so that case is common here;
the half-open scanline rule above decides it once and makes the round trip with
:func:`mask_outlines` exact, which the tests check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hepar.errors import GeometryError

__all__ = ["fill_polygons", "mask_outlines"]


def _fill_one(polygon: NDArray[np.float64], shape: tuple[int, int]) -> NDArray[np.bool_]:
    rows, cols = shape
    r0, c0 = polygon[:, 0], polygon[:, 1]
    r1, c1 = np.roll(r0, -1), np.roll(c0, -1)
    crossing = r0 != r1
    r0, c0, r1, c1 = r0[crossing], c0[crossing], r1[crossing], c1[crossing]
    first = np.clip(np.ceil(np.minimum(r0, r1)), 0, rows).astype(int)
    stop = np.clip(np.ceil(np.maximum(r0, r1)), 0, rows).astype(int)
    count = stop - first
    edge = np.repeat(np.arange(count.size), count)
    row = first[edge] + (np.arange(edge.size) - np.repeat(np.cumsum(count) - count, count))
    col = c0[edge] + (row - r0[edge]) * (c1[edge] - c0[edge]) / (r1[edge] - r0[edge])
    order = np.lexsort((col, row))
    row, col = row[order].reshape(-1, 2), col[order].reshape(-1, 2)
    start = np.clip(np.ceil(col[:, 0]), 0, cols).astype(int)
    end = np.clip(np.ceil(col[:, 1]), 0, cols).astype(int)
    runs = np.zeros((rows, cols + 1), dtype=int)
    np.add.at(runs, (row[:, 0], start), 1)
    np.add.at(runs, (row[:, 0], end), -1)
    filled: NDArray[np.bool_] = np.cumsum(runs, axis=1)[:, :cols] > 0
    return filled


def fill_polygons(polygons: Sequence[ArrayLike], shape: tuple[int, int]) -> NDArray[np.bool_]:
    """Pixels whose centres lie inside the polygons (even-odd rule, polygons XOR-ed).

    Parameters
    ----------
    polygons
        Closed polygons, each an ``(n, 2)`` array of ``(row, column)`` vertices (the last
        joins the first).
    shape
        ``(rows, columns)`` of the mask.

    Examples
    --------
    >>> square = [(0.5, 0.5), (0.5, 2.5), (2.5, 2.5), (2.5, 0.5)]
    >>> fill_polygons([square], (4, 4)).astype(int)
    array([[0, 0, 0, 0],
           [0, 1, 1, 0],
           [0, 1, 1, 0],
           [0, 0, 0, 0]])
    """
    mask = np.zeros(shape, dtype=bool)
    for polygon in polygons:
        points = np.asarray(polygon, dtype=float).reshape(-1, 2)
        if len(points) >= 3:
            mask ^= _fill_one(points, shape)
    return mask


def _boundary_edges(mask: NDArray[np.bool_]) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Directed pixel-edge segments between corners, foreground on the right (rows down)."""
    padded = np.pad(mask, 1)
    inner = padded[1:-1, 1:-1]
    outgoing: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    # corner (r, c) is the top-left corner of pixel (r, c)
    sides = (
        (padded[:-2, 1:-1], (0, 0), (0, 1)),   # top: left -> right
        (padded[1:-1, 2:], (0, 1), (1, 1)),    # right: top -> bottom
        (padded[2:, 1:-1], (1, 1), (1, 0)),    # bottom: right -> left
        (padded[1:-1, :-2], (1, 0), (0, 0)),   # left: bottom -> top
    )
    for neighbour, (ar, ac), (br, bc) in sides:
        for r, c in np.argwhere(inner & ~neighbour):
            outgoing[(int(r + ar), int(c + ac))].append((int(r + br), int(c + bc)))
    return outgoing


def _turn_order(incoming: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    dr, dc = incoming
    return ((dc, -dr), (dr, dc), (-dc, dr))  # right, straight, left (rows point down)


def mask_outlines(mask: ArrayLike) -> list[NDArray[np.float64]]:
    """Closed outlines of a 2-D mask along pixel edges, as ``(row, column)`` vertex arrays.

    Outer boundaries and holes are separate loops; regions that touch only at a corner get
    separate loops (the trace turns towards the region).

    Examples
    --------
    >>> mask = np.zeros((3, 3), dtype=bool); mask[1, 1] = True
    >>> mask_outlines(mask)[0].tolist()
    [[0.5, 0.5], [0.5, 1.5], [1.5, 1.5], [1.5, 0.5]]
    """
    outgoing = _boundary_edges(np.asarray(mask, dtype=bool))
    loops = []
    for start in sorted(outgoing):
        while outgoing[start]:
            points = [start]
            here, there = start, outgoing[start].pop(0)
            while there != start:
                step = (there[0] - here[0], there[1] - here[1])
                options = outgoing[there]
                for turn in _turn_order(step):
                    target = (there[0] + turn[0], there[1] + turn[1])
                    if target in options:
                        options.remove(target)
                        break
                else:  # pragma: no cover - impossible for a balanced edge set
                    raise GeometryError(
                        field="mask", value="unbalanced outline",
                        expected="pixel edges that close into loops",
                    )
                points.append(there)
                here, there = there, target
            loops.append(_drop_collinear(np.asarray(points, dtype=float) - 0.5))
    return loops


def _drop_collinear(points: NDArray[np.float64]) -> NDArray[np.float64]:
    before = np.roll(points, 1, axis=0)
    after = np.roll(points, -1, axis=0)
    cross = ((points - before)[:, 0] * (after - points)[:, 1]
             - (points - before)[:, 1] * (after - points)[:, 0])
    return points[cross != 0]
