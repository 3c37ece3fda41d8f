"""hepar.reports: the study report and the per-patient dosimetry report, HTML and PDF.

Renders results of :mod:`hepar.analysis` (and dosimetry records) with Jinja2 templates shipped in
the package and WeasyPrint; figures are matplotlib PNGs beside the HTML. A report folder is
written completely or not at all.

- :func:`write_study_report` (``StudyAnalysis``, folder, :class:`Provenance`) ->
  :class:`StudyReportPaths`;
- :func:`write_patient_dosimetry_report` (:class:`PatientDosimetryReport`, folder,
  :class:`Provenance`) -> :class:`PatientReportPaths`;
- :func:`sha256_file`, :func:`sha256_bytes` for the provenance appendix.
"""

from ._patient_report import (
    FusedSlice,
    PatientDosimetryReport,
    PatientReportPaths,
    write_patient_dosimetry_report,
)
from ._provenance import Provenance, sha256_bytes, sha256_file
from ._study_report import StudyReportPaths, write_study_report

__all__ = [
    "FusedSlice",
    "PatientDosimetryReport",
    "PatientReportPaths",
    "Provenance",
    "StudyReportPaths",
    "sha256_bytes",
    "sha256_file",
    "write_patient_dosimetry_report",
    "write_study_report",
]
