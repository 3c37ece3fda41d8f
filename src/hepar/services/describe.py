"""Use case: describe an imaging file or DICOM series folder (``hepar info``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hepar.io import describe_path

__all__ = ["describe"]


def describe(path: str | Path, *, series_uid: str | None = None) -> dict[str, Any]:
    """What ``path`` holds, as JSON-ready data (the ``hepar info --json`` contract).

    Keys, always present (None or [] when they do not apply): ``path``, ``kind``
    (``image_series``, ``image``, ``nm_projections``, ``nm_reconstruction``, ``rt_dose``,
    ``rt_struct``, ``seg``, ``nifti``, ``dicom``), ``modality``, ``sop_class``, ``shape``,
    ``spacing_mm``, ``origin_lps_mm``, ``orientation``, ``unit``, ``energy_windows`` (list of
    ``name``, ``lower_kev``, ``upper_kev``), ``isotope``, ``acquisition_start`` (ISO 8601),
    ``frame_duration_s``, ``n_views``, ``n_detectors``, ``regions``, ``frame_of_reference_uid``,
    ``study_instance_uid``, ``series_instance_uid``, ``n_files``, ``warnings``. See
    the README (hepar info).

    Raises
    ------
    hepar.errors.HeparError
        The path does not exist or cannot be read as the format it claims to be.
    """
    return describe_path(path, series_uid=series_uid).to_dict()
