"""Acquisition geometry of the simulator: view angles, detector frames and orbits.

Angles follow DICOM (PS3.3 C.8.4.12, Start Angle): zero degrees puts the detector at the
patient's back; viewed from the patient's feet the angle increases counter-clockwise (the
detector normal turning from the back towards the patient's left). For a supine, head-first
patient in LPS coordinates the unit vector from the rotation axis to the detector face is
therefore

.. math:: \\hat n(\\theta) = (\\sin\\theta,\\ \\cos\\theta,\\ 0)

and the detector's column direction (left to right as seen from the detector looking at the
patient) is :math:`\\hat c = \\hat z \\times \\hat n = (-\\cos\\theta,\\ \\sin\\theta,\\ 0)`.
Row 0 of a projection is the most superior row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hepar.errors import InvalidValueError

__all__ = ["ViewPlan", "detector_axes", "view_plan"]


def detector_axes(angle_deg: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """In-plane unit vectors ``(normal, column)`` (x, y in LPS) of a detector at ``angle_deg``.

    Examples
    --------
    >>> n, c = detector_axes(0.0)
    >>> n.round(6).tolist(), c.round(6).tolist()  # posterior detector; columns run to the right
    ([0.0, 1.0], [-1.0, 0.0])
    >>> detector_axes(90.0)[0].round(6).tolist()  # at the patient's left
    [1.0, 0.0]
    """
    theta = np.deg2rad(angle_deg)
    normal = np.array([np.sin(theta), np.cos(theta)])
    column = np.array([-np.cos(theta), np.sin(theta)])
    return normal, column


@dataclass(frozen=True)
class ViewPlan:
    """The views of a step-and-shoot acquisition.

    Attributes
    ----------
    angles_deg
        Gantry angle of each view, views of head 1 first, then head 2 ...
    detector_of_view
        1-based head of each view.
    step_of_view
        Index of the angular step at which the view is taken; all heads acquire step ``k``
        at the same time.
    """

    angles_deg: NDArray[np.float64]
    detector_of_view: NDArray[np.int_]
    step_of_view: NDArray[np.int_]

    @property
    def n_views(self) -> int:
        """Number of views, all heads together."""
        return int(self.angles_deg.size)

    @property
    def n_steps(self) -> int:
        """Number of angular steps (views per head)."""
        return int(self.step_of_view.max()) + 1


def view_plan(
    n_views: int, n_heads: int, *, start_angle_deg: float = 0.0, arc_deg: float = 360.0
) -> ViewPlan:
    """Angles of ``n_views`` views by ``n_heads`` equally spaced heads over ``arc_deg``.

    Each head covers ``arc_deg / n_heads`` in ``n_views / n_heads`` steps of
    ``arc_deg / n_views`` degrees.

    Examples
    --------
    >>> plan = view_plan(120, 2)
    >>> plan.angles_deg[[0, 1, 59, 60, 119]].tolist(), plan.detector_of_view[[0, 60]].tolist()
    ([0.0, 3.0, 177.0, 180.0, 357.0], [1, 2])
    """
    if n_views <= 0 or n_heads <= 0 or n_views % n_heads:
        raise InvalidValueError(
            field="n_views", value=n_views,
            expected=f"a positive multiple of the number of heads ({n_heads})",
        )
    if not 0 < arc_deg <= 360:
        raise InvalidValueError(field="arc_deg", value=arc_deg, expected="0 < arc <= 360 degrees")
    per_head = n_views // n_heads
    step = arc_deg / n_views
    heads = np.repeat(np.arange(n_heads), per_head)
    steps = np.tile(np.arange(per_head), n_heads)
    angles = (start_angle_deg + heads * (arc_deg / n_heads) + steps * step) % 360.0
    return ViewPlan(angles.astype(float), heads + 1, steps)
