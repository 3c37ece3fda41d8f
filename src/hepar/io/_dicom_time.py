"""DICOM dates, times and timezones (DA, TM, DT, TimezoneOffsetFromUTC) <-> aware datetimes."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from pydicom.dataset import Dataset
from pydicom.valuerep import DA, DT, TM

from hepar.errors import InvalidValueError

from ._dicom_common import Notes

__all__ = [
    "as_timezone",
    "dicom_datetime",
    "format_dicom_datetime",
    "format_timezone_offset",
    "require_aware",
]


def as_timezone(tz: tzinfo | str) -> tzinfo:
    """A ``tzinfo`` from itself or from an IANA name (``"Europe/Amsterdam"``) or ``"UTC"``."""
    if isinstance(tz, tzinfo):
        return tz
    if tz.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(tz)
    except Exception:
        raise InvalidValueError(
            field="assume_timezone", value=tz, expected="a tzinfo or an IANA zone name such as "
            "'Europe/Amsterdam'",
        ) from None


def format_timezone_offset(moment: datetime) -> str:
    """DICOM TimezoneOffsetFromUTC (``"+HHMM"``) of an aware datetime; whole minutes only."""
    offset = moment.utcoffset()
    if offset is None:
        raise InvalidValueError(
            field="datetime", value=moment.isoformat(), expected="a timezone-aware datetime"
        )
    seconds = int(offset.total_seconds())
    if seconds % 60:
        raise InvalidValueError(
            field="timezone offset", value=str(offset),
            expected="a whole number of minutes (DICOM TimezoneOffsetFromUTC is +HHMM)",
        )
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}{minutes:02d}"


def require_aware(name: str, moment: datetime | None) -> None:
    """Raise if ``moment`` (the parameter ``name``) is a naive datetime; ``None`` passes."""
    if moment is not None and moment.utcoffset() is None:
        raise InvalidValueError(
            field=name, value=moment.isoformat(), expected="a timezone-aware datetime"
        )


def format_dicom_datetime(moment: datetime) -> str:
    """A DICOM DT value with its offset (``YYYYMMDDHHMMSS+HHMM``) for an aware datetime.

    Examples
    --------
    >>> format_dicom_datetime(datetime(2016, 5, 3, 10, 15, 30, tzinfo=timezone(timedelta(hours=2))))
    '20160503101530+0200'
    """
    return moment.strftime("%Y%m%d%H%M%S") + format_timezone_offset(moment)


_TZ_PATTERN = re.compile(r"^([+-])(\d{2})(\d{2})$")


def _parse_offset(text: str) -> timezone | None:
    match = _TZ_PATTERN.match(text.strip())
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


# DA, TM and DT values are parsed by pydicom's value representations (pydicom.valuerep); hepar
# only adds the leniency scanners need: ACR-NEMA "HH:MM:SS" times (pydicom refuses the colons),
# a leap second 60 taken as 59 (pydicom warns and clamps; the warning is not the user's business),
# and None instead of an exception for an unreadable value.


def _parse_da(text: str) -> date | None:
    try:
        value = DA(text.strip())  # also the ACR-NEMA YYYY.MM.DD seen in old files
    except ValueError:
        return None
    return None if value is None else date(value.year, value.month, value.day)


def _parse_tm(text: str) -> time | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            value = TM(text.strip().replace(":", ""))
    except ValueError:
        return None
    return None if value is None else time(
        value.hour, value.minute, value.second, value.microsecond
    )


def _parse_dt(text: str) -> datetime | None:
    """A DICOM DT value with at least a full date; aware when it carries its own UTC offset."""
    text = text.strip()
    if not text[:8].isdigit() or len(text) < 8:
        return None  # a year or a month alone is no moment (DICOM allows reduced precision)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            value = DT(text)
    except ValueError:
        return None
    if value is None:
        return None
    return datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                    value.microsecond, tzinfo=value.tzinfo)


def dicom_datetime(
    dataset: Dataset,
    *,
    prefixes: Sequence[str] = ("Acquisition", "Series", "Study"),
    assume_timezone: tzinfo | str,
    notes: Notes,
    note_fallback: bool = True,
) -> datetime | None:
    """The timezone-aware ``<prefix>Date``/``<prefix>Time`` of a data set (lenient).

    The first prefix with a readable date wins (``AcquisitionDateTime`` is tried first for
    ``"Acquisition"``); a fallback to a later prefix is noted if ``note_fallback``. The timezone is
    TimezoneOffsetFromUTC if present, else ``assume_timezone`` (noted).
    """
    offset_text = str(dataset.get("TimezoneOffsetFromUTC", "") or "")
    zone: tzinfo | None = _parse_offset(offset_text) if offset_text else None
    if offset_text and zone is None:
        notes.warn(f"TimezoneOffsetFromUTC = {offset_text!r} is not +HHMM; ignored")
    for number, prefix in enumerate(prefixes):
        moment: datetime | None = None
        if prefix == "Acquisition" and dataset.get("AcquisitionDateTime"):
            stamp = _parse_dt(str(dataset.AcquisitionDateTime))
            if stamp is not None:
                moment = stamp.replace(tzinfo=None)
                zone = stamp.tzinfo or zone
        if moment is None:
            day = _parse_da(str(dataset.get(f"{prefix}Date", "") or ""))
            clock = _parse_tm(str(dataset.get(f"{prefix}Time", "") or ""))
            if day is None:
                continue
            if clock is None:
                notes.warn(f"{prefix}Time missing or unreadable; midnight assumed")
                clock = time(0, 0)
            moment = datetime.combine(day, clock)
        if number and note_fallback:
            notes.warn(f"{prefixes[0]}Date/Time missing; {prefix}Date/Time used instead")
        if zone is None:
            zone = as_timezone(assume_timezone)
            notes.warn(
                f"TimezoneOffsetFromUTC missing; times taken as {getattr(zone, 'key', zone)} "
                "(pass assume_timezone= to change)"
            )
        return moment.replace(tzinfo=zone)
    return None
