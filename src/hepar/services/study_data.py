"""Use cases over the database as a whole: schema upgrade, exports, import, audit verification."""

from __future__ import annotations

from pathlib import Path

from hepar.errors import InvalidValueError
from hepar.store import (
    AuditReport,
    Store,
    current_revision,
    export_csv,
    export_odm,
    head_revision,
    import_odm,
    upgrade,
    verify_audit,
)

__all__ = ["export_study", "import_study", "upgrade_database", "verify_audit_trail"]


def _require_schema(store: Store) -> None:
    if current_revision(store.engine) is None:
        raise InvalidValueError(field="database", value=store.url.split("@")[-1],
                                expected="a study database (create it: hepar db upgrade)")


def upgrade_database(store: Store) -> dict[str, str]:
    """Create or upgrade the schema to the newest migration (``hepar db upgrade``)."""
    reached = upgrade(store.engine)
    return {"database": store.url.split("@")[-1], "revision": reached, "head": head_revision()}


def export_study(store: Store, out_dir: str | Path, *, format: str,
                 overwrite: bool = False) -> dict[str, int]:
    """Export the study as ``csv`` (one file per form) or ``odm`` (CDISC ODM 1.3.2 with the audit
    records); return the rows (CSV) or records (ODM: ``{"study.odm.xml": n}``) written."""
    _require_schema(store)
    if format == "csv":
        return export_csv(store, out_dir, overwrite=overwrite)
    if format == "odm":
        path = export_odm(store, out_dir, overwrite=overwrite)
        return {path.name: 1}
    raise InvalidValueError(field="--format", value=format, expected="'odm' or 'csv'")


def import_study(store: Store, path: str | Path) -> dict[str, int]:
    """Rebuild an empty database (schema created when missing) from an ODM export."""
    upgrade(store.engine)
    return import_odm(store, path)


def verify_audit_trail(store: Store) -> AuditReport:
    """Recompute the audit chain and replay it against the tables (``hepar audit verify``)."""
    _require_schema(store)
    with store.read() as session:
        return verify_audit(session)
