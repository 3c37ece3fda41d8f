"""UIDs that hepar derives instead of drawing: same series UID, same files.

A writer given a Series Instance UID derives from it every other UID of the objects it writes (the
SOP Instance UID of each instance, a segmentation's Dimension Organization UID), so that writing
the same content with the same series UID twice gives byte-identical files (issue 3: "same seed,
identical files"). The derived UID is a name-based UUID (RFC 4122 version 5, SHA-1) of the series
UID and a label, written under the ``2.25`` root as one decimal integer (PS3.5 B.2): at most
44 characters, no component with a leading zero, and unique as long as the series UID is.

The same series UID and instance number always give the same SOP Instance UID: a writer that
changes the content of an instance must be given a new series UID (as DICOM asks of any change).
"""

from __future__ import annotations

import re
import uuid

from hepar.errors import InvalidValueError

__all__ = ["UID_PATTERN", "derived_uid", "sop_instance_uid"]

#: A valid DICOM UID (PS3.5 9.1): numeric components, no leading zero except "0" itself.
UID_PATTERN = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")

#: The namespace of hepar's name-based UUIDs (a UUID 5 of the name "hepar.io" in the OID space).
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_OID, "hepar.io")


def derived_uid(series_instance_uid: str, *labels: str | int) -> str:
    """A ``2.25`` UID derived from a series UID and labels (RFC 4122 UUID 5, PS3.5 B.2).

    Examples
    --------
    >>> uid = derived_uid("1.2.3", "instance", 1)
    >>> uid.startswith("2.25."), len(uid) <= 64, uid == derived_uid("1.2.3", "instance", 1)
    (True, True, True)
    >>> uid == derived_uid("1.2.3", "instance", 2)
    False
    """
    series = str(series_instance_uid)
    if len(series) > 64 or not UID_PATTERN.match(series):
        raise InvalidValueError(
            field="series_instance_uid", value=series,
            expected="a DICOM UID: at most 64 characters, digits in dot-separated components "
            "without leading zeros (PS3.5 9.1)",
        )
    name = "\x1f".join((series, *(str(label) for label in labels)))
    return f"2.25.{uuid.uuid5(_NAMESPACE, name).int}"


def sop_instance_uid(series_instance_uid: str, instance_number: int) -> str:
    """The SOP Instance UID hepar gives instance ``instance_number`` of a series.

    Examples
    --------
    >>> sop_instance_uid("1.2.3", 1) == derived_uid("1.2.3", "instance", 1)
    True
    """
    return derived_uid(series_instance_uid, "instance", int(instance_number))
