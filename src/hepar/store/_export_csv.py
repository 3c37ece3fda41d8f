"""CSV export: one file per form, long format for repeating data, plus the audit trail.

``<form>.csv`` has one row per record (labs: one row per lab value; QoL answers: one row per item;
RECIST measurements: one row per lesion and read ...) with ``study_id`` first, then the record's
columns in canonical text (:mod:`._codec`). The key tables are never exported: the files are
pseudonymous. ``audit_trail.csv`` is the whole audit log; ``manifest.csv`` names every file with its
row count and SHA-256.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from sqlalchemy import select

from ._codec import to_text
from ._models import AUDITED_MODELS, AuditEntry, Patient, PatientOwned
from ._publish import staged_dir
from ._roles import KEY_TABLES
from ._unit import Store

__all__ = ["export_csv"]


def export_csv(store: Store, out_dir: str | Path, *, overwrite: bool = False) -> dict[str, int]:
    """Write the CSV export to ``out_dir`` (whole or not at all); return rows per file."""
    counts: dict[str, int] = {}
    with staged_dir(Path(out_dir), overwrite=overwrite) as staging, store.read() as session:
        study_ids = {r.id: r.study_id
                     for r in session.execute(select(Patient.id, Patient.study_id))}
        for table, model in AUDITED_MODELS.items():
            if model.form is None or table in KEY_TABLES:
                continue
            columns = [c.key for c in model.__table__.columns]
            owned = issubclass(model, PatientOwned)
            path = staging / f"{model.form}.csv"
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["study_id", *columns] if owned else columns)
                n = 0
                for row in session.execute(
                        select(model.__table__).order_by(model.__table__.c.id)).mappings():
                    cells = ["" if (t := to_text(row[c])) is None else t for c in columns]
                    writer.writerow([study_ids[row["patient_id"]], *cells] if owned else cells)
                    n += 1
            counts[path.name] = n
        columns = [c.key for c in AuditEntry.__table__.columns]
        with (staging / "audit_trail.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            n = 0
            for row in session.execute(
                    select(AuditEntry.__table__).order_by(AuditEntry.seq)).mappings():
                writer.writerow(["" if (t := to_text(row[c])) is None else t for c in columns])
                n += 1
        counts["audit_trail.csv"] = n
        with (staging / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "rows", "sha256"])
            for name, rows in counts.items():
                digest = hashlib.sha256((staging / name).read_bytes()).hexdigest()
                writer.writerow([name, rows, digest])
    return counts
