"""Seeded randomness and deterministic identifiers: same seed, same patient, same files."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from hepar.errors import InvalidValueError

__all__ = ["SITE_TIMEZONE", "check_seed", "deterministic_uid", "stream", "study_epoch"]

#: The study site's time zone (UMC Utrecht): all virtual clinical times are local times there.
SITE_TIMEZONE = ZoneInfo("Europe/Amsterdam")

#: Largest seed accepted (seeds are stored in DICOM and JSON as plain integers).
MAX_SEED = 2**63 - 1


def check_seed(seed: int) -> int:
    """Return ``seed`` if it is a non-negative integer, else raise naming the field."""
    valid = isinstance(seed, int | np.integer) and not isinstance(seed, bool)
    if not valid or not 0 <= seed <= MAX_SEED:
        raise InvalidValueError(
            field="seed", value=seed, expected=f"an integer from 0 to {MAX_SEED}"
        )
    return int(seed)


def _digest(seed: int, labels: tuple[str, ...]) -> bytes:
    text = "\x1f".join(("hepar.phantoms", str(check_seed(seed)), *labels))
    return hashlib.sha256(text.encode("utf-8")).digest()


def stream(seed: int, *labels: str) -> np.random.Generator:
    """An independent random generator for one purpose of one patient.

    Each part of a virtual patient (anatomy, activity, noise of one scan...) draws from its own
    stream, keyed by the patient seed and a label, so that adding a draw in one part never
    changes another part.

    Examples
    --------
    >>> a = stream(7, "anatomy").normal()
    >>> b = stream(7, "anatomy").normal()
    >>> a == b, a == stream(7, "noise").normal()
    (True, False)
    """
    return np.random.default_rng(int.from_bytes(_digest(seed, labels)[:16], "big"))


def deterministic_uid(seed: int, *labels: str) -> str:
    """A DICOM UID under the ``2.25`` root derived from the seed and labels (PS3.5 B.2).

    The 128-bit integer is a hash of the seed and the labels, so the same patient written twice
    gets the same Study, Series, SOP Instance and Frame of Reference UIDs.

    Examples
    --------
    >>> uid = deterministic_uid(1, "study")
    >>> uid.startswith("2.25."), len(uid) <= 64, uid == deterministic_uid(1, "study")
    (True, True, True)
    """
    return f"2.25.{int.from_bytes(_digest(seed, labels)[:16], 'big')}"


def study_epoch(seed: int) -> datetime:
    """The first day of a virtual patient's calendar (08:00 site time), derived from the seed.

    All dates of the patient (screening, 177Lu cycles, scans, visits) are offsets from this
    instant, so they too repeat with the seed. It falls between 2014-03-01 (HEPAR PLUS opened,
    NCT02067988) and 2017-12-31.

    Examples
    --------
    >>> study_epoch(3) == study_epoch(3), study_epoch(3).tzinfo is not None
    (True, True)
    """
    rng = stream(seed, "calendar")
    days = int(rng.integers(0, 1401))
    day = datetime(2014, 3, 1) + timedelta(days=days)
    return day.replace(hour=8, tzinfo=SITE_TIMEZONE)
