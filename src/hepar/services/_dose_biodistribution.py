"""Biodistribution tables of the planning and dose use cases, with errors in the user's terms.

The dosimetry checks the administered activity *decayed to the scan*; the user gave it at the
administration, under an option of their own (``--administered-activity-mbq``,
``--scout-activity-mbq``). This wrapper reports a bad value under that option.
"""

from __future__ import annotations

from collections.abc import Sequence

from hepar.dosimetry import BiodistributionRow, activity_in_mbq, biodistribution
from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume

__all__ = ["biodistribution_naming_option"]


def biodistribution_naming_option(
    activity: Volume,
    *,
    scan: str,
    administered_mbq: float,
    at_scan_mbq: float,
    option: str,
    liver: Mask,
    tumours: Sequence[Mask] = (),
    lungs: Mask | None = None,
    body: Mask | None = None,
) -> tuple[BiodistributionRow, ...]:
    """:func:`hepar.dosimetry.biodistribution` of one scan, whose complaint about the administered
    activity names the option the user gave it with (``option``), not the decayed value."""
    try:
        return biodistribution(
            activity, scan=scan, administered_activity_at_scan_mbq=at_scan_mbq, liver=liver,
            tumours=tumours, lungs=lungs, body=body,
        )
    except InvalidValueError as error:
        if error.field != "administered_activity_at_scan_mbq":
            raise
        raise InvalidValueError(
            field=option, value=administered_mbq,
            expected=f"an administered activity consistent with the image: {scan} holds "
            f"{activity_in_mbq(activity):.4g} MBq, but {administered_mbq:g} MBq decays to "
            f"{at_scan_mbq:.4g} MBq by then",
        ) from None
