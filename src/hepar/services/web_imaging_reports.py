"""Use case: the reports a user may download from a patient's imaging page, when they exist.

- the patient's dosimetry report, ``<root>/<study ID>/reports/dosimetry_<study ID>.pdf`` (or
  ``.html``), as :func:`hepar.reports.write_patient_dosimetry_report` names it;
- the study report, ``<root>/reports/study_report.pdf`` (or ``.html``), as
  :func:`hepar.reports.write_study_report` names it;

where ``root`` is the imaging folder (:func:`hepar.services.web_imaging.imaging_root`). The
patient's report is offered only to users of the patient's site; the study report (aggregate,
pseudonymous) to every signed-in user.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hepar.errors import HeparError
from hepar.store import Store

from .web_auth import WebUser
from .web_patients import visible_patient

__all__ = ["ReportFile", "ReportNotFoundError", "patient_reports", "report_file"]

_SUFFIXES = (".pdf", ".html")


class ReportNotFoundError(HeparError):
    """No such report (yet) for that patient."""


@dataclass(frozen=True)
class ReportFile:
    """A report that exists: its file name, kind (``dosimetry`` or ``study``) and path."""

    name: str
    kind: str
    path: Path


def patient_reports(store: Store, user: WebUser, study_id: str, *, root: Path
                    ) -> list[ReportFile]:
    """The patient's dosimetry report and the study report, each in the formats that exist."""
    visible_patient(store, user, study_id)
    candidates = [("dosimetry", root / study_id / "reports" / f"dosimetry_{study_id}{s}")
                  for s in _SUFFIXES]
    candidates += [("study", root / "reports" / f"study_report{s}") for s in _SUFFIXES]
    return [ReportFile(path.name, kind, path) for kind, path in candidates if path.is_file()]


def report_file(store: Store, user: WebUser, study_id: str, name: str, *, root: Path) -> Path:
    """The file of report ``name`` (one of :func:`patient_reports`)."""
    for found in patient_reports(store, user, study_id, root=root):
        if found.name == name:
            return found.path
    raise ReportNotFoundError(field="report", value=name,
                              expected=f"a report of {study_id} that exists (the patient's "
                                       f"dosimetry report or the study report)")
