"""Use cases of the monitors' pages: the audit trail (read only, filtered by patient and table,
paged, scoped to the user's site) and the study's data export (CSV or CDISC ODM).

A site's monitor sees the audit rows of their site's patients' records only (the patient row and
every row that belongs to one of them); study-level rows (study, sites, users) are shown to
study-wide users only. Rows of the key tables hold SHA-256 digests, never the values
(:mod:`hepar.store._audit`). The export holds every site, so only a study-wide user may take it.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select

from hepar.errors import InvalidValueError
from hepar.store import (
    AUDITED_MODELS,
    AuditEntry,
    Patient,
    PatientOwned,
    PermissionDeniedError,
    Role,
    Store,
)

from .study_data import export_study
from .web_auth import WebUser
from .web_patients import visible_patient

__all__ = ["AUDIT_READERS", "EXPORTERS", "MAX_PAGE", "PAGE_SIZE_MAX", "AuditPage", "AuditRow",
           "audit_page", "export_file"]

#: Roles that read the audit trail: monitors and the data manager.
AUDIT_READERS = frozenset({Role.MONITOR, Role.DATA_MANAGER})
#: Roles that may take the study's export (when study-wide).
EXPORTERS = frozenset({Role.MONITOR, Role.DATA_MANAGER, Role.STATISTICIAN})
PAGE_SIZE_MAX = 500
#: The highest page number asked for (beyond the database's integers otherwise).
MAX_PAGE = 10**6


@dataclass(frozen=True)
class AuditRow:
    """One audit row as the viewer shows it."""

    seq: int
    at: datetime
    actor: str
    role: str
    table_name: str
    record_id: int
    record_version: int
    field: str
    action: str
    old_value: str | None
    new_value: str | None
    reason: str | None


@dataclass(frozen=True)
class AuditPage:
    """One page of the (filtered) audit trail, newest first."""

    rows: list[AuditRow]
    total: int
    page: int
    page_size: int
    tables: list[str]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _require(user: WebUser, roles: frozenset[Role], what: str) -> None:
    if user.role not in roles:
        raise PermissionDeniedError(field="role", value=user.role.value,
                                    expected=f"one of {sorted(r.value for r in roles)} to {what}")


def _visible_rows(user: WebUser, patient_id: int | None, table: str | None) -> Any:
    """The condition on audit rows that the user may see (and that match the filters)."""
    conditions = []
    for name, model in AUDITED_MODELS.items():
        if table is not None and name != table:
            continue
        if name == "patients":
            ids = select(Patient.id)
        elif issubclass(model, PatientOwned):
            ids = select(model.id).join(Patient, Patient.id == model.patient_id)
        else:  # study-level tables: no patient, shown to study-wide users without a filter
            if user.site_id is None and patient_id is None:
                conditions.append(AuditEntry.table_name == name)
            continue
        if user.site_id is not None:
            ids = ids.where(Patient.site_id == user.site_id)
        if patient_id is not None:
            ids = ids.where(Patient.id == patient_id)
        conditions.append((AuditEntry.table_name == name) & AuditEntry.record_id.in_(ids))
    return or_(*conditions) if conditions else AuditEntry.seq < 0


def audit_page(store: Store, user: WebUser, *, study_id: str | None = None,
               table: str | None = None, page: int = 1, page_size: int = 50) -> AuditPage:
    """A page of the audit trail the user may read, newest first."""
    _require(user, AUDIT_READERS, "read the audit trail")
    if table is not None and table not in AUDITED_MODELS:
        raise InvalidValueError(field="table", value=table,
                                expected=f"one of {sorted(AUDITED_MODELS)}")
    if not 1 <= page <= MAX_PAGE:
        raise InvalidValueError(field="page", value=page,
                                expected=f"a page number from 1 to {MAX_PAGE}")
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise InvalidValueError(field="page_size", value=page_size,
                                expected=f"1 to {PAGE_SIZE_MAX} rows")
    patient_id = None
    if study_id:
        visible_patient(store, user, study_id)
        with store.read() as session:
            patient_id = session.scalar(select(Patient.id).where(Patient.study_id == study_id))
    where = _visible_rows(user, patient_id, table)
    with store.read() as session:
        total = int(session.scalar(select(func.count()).select_from(AuditEntry).where(where))
                    or 0)
        entries = session.scalars(select(AuditEntry).where(where).order_by(
            AuditEntry.seq.desc()).limit(page_size).offset((page - 1) * page_size))
        rows = [AuditRow(e.seq, e.at, e.actor, e.role, e.table_name, e.record_id,
                         e.record_version, e.field, e.action, e.old_value, e.new_value,
                         e.reason) for e in entries]
    return AuditPage(rows, total, page, page_size, sorted(AUDITED_MODELS))


def export_file(store: Store, user: WebUser, *, format: str) -> tuple[Path, Path]:
    """The study's export as one file in a new temporary folder: ``hepar_export_csv.zip`` (the
    CSV files and their manifest) or ``study.odm.xml``. Returns (file, folder to remove)."""
    _require(user, EXPORTERS, "export the study")
    if user.site_id is not None:
        raise PermissionDeniedError(field="site", value=user.site_code,
                                    expected="a study-wide user (the export holds every site)")
    if format not in ("csv", "odm"):
        raise InvalidValueError(field="format", value=format, expected="'csv' or 'odm'")
    folder = Path(tempfile.mkdtemp(prefix="hepar-export-"))
    try:
        export_study(store, folder / "export", format=format)
        if format == "odm":
            return next((folder / "export").glob("*.xml")), folder
        archive = folder / "hepar_export_csv.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for path in sorted((folder / "export").iterdir()):
                out.write(path, path.name)
        return archive, folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
