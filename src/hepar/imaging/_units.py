"""Closed vocabulary of the units a :class:`~hepar.imaging.Volume` may carry."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["VolumeUnit"]


class VolumeUnit(StrEnum):
    """Unit of the values of a volume; accepts its string form (``VolumeUnit("Bq/mL")``)."""

    BQ_PER_ML = "Bq/mL"
    MBQ = "MBq"
    BQ = "Bq"
    GY = "Gy"
    HU = "HU"
    COUNTS = "counts"
    MU_PER_CM = "1/cm"
    G_PER_ML = "g/mL"
    FRACTION = "1"
    BQ_S_PER_ML = "Bq*s/mL"
    GBQ_H = "GBq*h"
