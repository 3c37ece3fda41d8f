"""Biodistribution (a study endpoint): activity and fraction of administered activity per VOI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume, VolumeUnit

from ._checks import require_nonnegative, require_positive, require_same_grid
from ._regions import activity_in_mbq, non_tumour_liver, outside_of

__all__ = ["BiodistributionRow", "biodistribution"]


@dataclass(frozen=True)
class BiodistributionRow:
    """One VOI of one scan: activity at scan time and fraction of the administered activity."""

    scan: str
    voi: str
    activity_mbq: float
    fraction_of_administered: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON / CSV row."""
        return asdict(self)


def biodistribution(
    activity: Volume,
    *,
    scan: str,
    administered_activity_at_scan_mbq: float,
    liver: Mask,
    tumours: Sequence[Mask] = (),
    lungs: Mask | None = None,
    body: Mask | None = None,
) -> tuple[BiodistributionRow, ...]:
    """Activity per VOI of one scan (scout or treatment, 166Ho or 177Lu).

    VOIs: each tumour, non-tumour liver, lungs, extrahepatic (everything outside the liver, the
    tumours and the lungs; inside the body mask when one is given), outside body (outside the
    body mask and those VOIs), and "not imaged": administered activity (decay-corrected to the
    scan time by the caller) minus the whole image. Fractions are of the administered activity
    at scan time.

    The VOIs partition the image, so the rows add up to the administered activity: a tumour
    that reaches outside the liver label is counted once, as a tumour, never again as
    extrahepatic (tumours are assumed not to overlap each other).
    """
    activity.require_unit(VolumeUnit.BQ_PER_ML, name="activity")
    require_nonnegative(activity, "activity")
    administered = require_positive(
        "administered_activity_at_scan_mbq", administered_activity_at_scan_mbq
    )
    for mask in (liver, *tumours, lungs, body):
        if mask is not None:
            require_same_grid(activity, mask.grid, f"mask {mask.name!r}")
    rows: list[tuple[str, float]] = []
    for tumour in tumours:
        rows.append((tumour.name, activity_in_mbq(activity, tumour.fraction)))
    normal = non_tumour_liver(liver, tumours)
    rows.append(("non-tumour liver", activity_in_mbq(activity, normal.fraction)))
    counted = [normal, *tumours]
    if lungs is not None:
        rows.append(("lungs", activity_in_mbq(activity, lungs.fraction)))
        counted.append(lungs)
    rest = outside_of("extrahepatic", activity, counted)
    if body is not None:
        inside_body = rest.fraction * body.fraction
        rows.append(("extrahepatic", activity_in_mbq(activity, inside_body)))
        rows.append(("outside body", activity_in_mbq(activity, rest.fraction - inside_body)))
    else:
        rows.append(("extrahepatic", activity_in_mbq(activity, rest.fraction)))
    imaged = activity_in_mbq(activity)
    if imaged > administered * 1.5:
        raise InvalidValueError(
            field="administered_activity_at_scan_mbq", value=administered,
            expected=f"an activity consistent with the image total ({imaged:.1f} MBq); "
            "decay-correct it to the scan time",
        )
    rows.append(("not imaged", administered - imaged))
    return tuple(
        BiodistributionRow(scan, name, mbq, mbq / administered) for name, mbq in rows
    )
