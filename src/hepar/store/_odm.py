"""CDISC ODM 1.3.2 export with the audit records, and its import into an empty database.

The file (``FileType="Snapshot"``, ``Archival="Yes"``) holds:

* ``Study/MetaDataVersion``: one FormDef and one repeating ItemGroupDef per form, an ItemDef per
  column (ODM data types);
* ``AdminData``: the sites as ``Location`` and the users as ``User``;
* ``ClinicalData``: per patient a ``SubjectData`` (SubjectKey = pseudonymous study ID, SiteRef),
  one ``StudyEventData``, a ``FormData`` per form and an ``ItemGroupData`` per record
  (``ItemGroupRepeatKey`` = record id) with the current values; then ``AuditRecords``: one
  ``AuditRecord`` per audit row (UserRef, LocationRef, DateTimeStamp, ReasonForChange, SourceID)
  whose hepar extension element ``hepar:Change`` carries what ODM's AuditRecord has no place for
  (table, record, version, field, action, old and new value, the chain hashes).

:func:`import_odm` rebuilds a database from such a file: it recomputes the chain of the audit
records (a file edited after export is refused), replays them into the tables, checks the replay
against the snapshot values, and verifies the result. Identifying data (the key tables) is never
exported; the imported copy is pseudonymous.

ODM is written with the standard library's ElementTree: no maintained Python package writes ODM
1.3.2 with audit records, and the subset used here is small and checked by the round-trip test.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from hepar import __version__

from ._audit import GENESIS_HASH, Actor, chain_hash
from ._codec import _kind, from_text, to_text
from ._errors import AuditError
from ._migrate import head_revision
from ._models import AUDITED_MODELS, AuditEntry, Patient, PatientOwned, Site, Study, User
from ._publish import staged_dir
from ._roles import KEY_TABLES, Role
from ._unit import Store
from ._verify import audit_rows, replay, verify_audit

__all__ = ["HEPAR_NAMESPACE", "ODM_NAMESPACE", "export_odm", "import_odm"]

ODM_NAMESPACE = "http://www.cdisc.org/ns/odm/v1.3"
HEPAR_NAMESPACE = "urn:hepar:odm-extension:1"
_O = f"{{{ODM_NAMESPACE}}}"
_H = f"{{{HEPAR_NAMESPACE}}}"
_DATA_TYPES = {"bool": "boolean", "int": "integer", "float": "float", "date": "date",
               "datetime": "datetime", "str": "text"}
_EVENT = "SE.STUDY"
_ALL_SITES = "LOC.ALL"
_SKIP = ("id", "version", "patient_id")


def _sub(parent: ET.Element, tag: str, attrib: dict[str, str] | None = None,
         text_value: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, _O + tag, attrib or {})
    if text_value is not None:
        element.text = text_value
    return element


def _forms() -> dict[str, type[PatientOwned] | type[Patient]]:
    return {t: m for t, m in AUDITED_MODELS.items()  # type: ignore[misc]
            if m.form is not None and t not in KEY_TABLES}


def _oid(table: str, column: str | None = None) -> str:
    return f"IT.{table.upper()}.{column.upper()}" if column else f"IG.{table.upper()}"


def export_odm(store: Store, out_dir: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``study.odm.xml`` into ``out_dir`` (whole or not at all); return its path."""
    ET.register_namespace("", ODM_NAMESPACE)
    ET.register_namespace("hepar", HEPAR_NAMESPACE)
    out = Path(out_dir)
    with staged_dir(out, overwrite=overwrite) as staging, store.read() as session:
        study = session.scalars(select(Study)).first()
        name = study.name if study else "hepar"
        study_oid = f"ST.{name}"
        mdv = f"MDV.hepar.{head_revision()}"
        now = datetime.now(UTC).isoformat(timespec="seconds")
        root = ET.Element(_O + "ODM", {
            "ODMVersion": "1.3.2", "FileType": "Snapshot", "Granularity": "All",
            "Archival": "Yes", "FileOID": f"hepar.{name}.{now}", "CreationDateTime": now,
            "SourceSystem": "hepar", "SourceSystemVersion": __version__})
        # metadata
        st = _sub(root, "Study", {"OID": study_oid})
        gv = _sub(st, "GlobalVariables")
        _sub(gv, "StudyName", text_value=name)
        _sub(gv, "StudyDescription", text_value=f"{name} (hepar study database)")
        _sub(gv, "ProtocolName", text_value=study.protocol if study else "")
        meta = _sub(st, "MetaDataVersion", {"OID": mdv, "Name": f"hepar schema {mdv}"})
        protocol = _sub(meta, "Protocol")
        _sub(protocol, "StudyEventRef", {"StudyEventOID": _EVENT, "OrderNumber": "1",
                                         "Mandatory": "Yes"})
        event = _sub(meta, "StudyEventDef", {"OID": _EVENT, "Name": "Study", "Repeating": "No",
                                             "Type": "Common"})
        forms = _forms()
        for table in forms:
            _sub(event, "FormRef", {"FormOID": f"F.{table.upper()}", "Mandatory": "No"})
        for table, model in forms.items():
            form = _sub(meta, "FormDef", {"OID": f"F.{table.upper()}", "Name": model.form or table,
                                          "Repeating": "No"})
            _sub(form, "ItemGroupRef", {"ItemGroupOID": _oid(table), "Mandatory": "No"})
        for table, model in forms.items():
            group = _sub(meta, "ItemGroupDef", {"OID": _oid(table), "Name": table,
                                                "Repeating": "Yes"})
            for column in model.__table__.columns:
                if column.key not in _SKIP:
                    _sub(group, "ItemRef", {"ItemOID": _oid(table, column.key),
                                            "Mandatory": "No"})
        for table, model in forms.items():
            for column in model.__table__.columns:
                if column.key not in _SKIP:
                    _sub(meta, "ItemDef", {"OID": _oid(table, column.key), "Name": column.key,
                                           "DataType": _DATA_TYPES[_kind(column.type)]})
        # admin data
        admin = _sub(root, "AdminData", {"StudyOID": study_oid})
        sites = {s.id: s for s in session.scalars(select(Site))}
        for user in session.scalars(select(User).order_by(User.id)):
            element = _sub(admin, "User", {"OID": f"USR.{user.username}"})
            _sub(element, "LoginName", text_value=user.username)
            _sub(element, "FullName", text_value=user.full_name)
        locations = [(f"LOC.{s.code}", s.name) for s in sites.values()]
        for oid, label in [(_ALL_SITES, "all sites (study coordination)"), *locations]:
            location = _sub(admin, "Location", {"OID": oid, "Name": label,
                                                "LocationType": "Site"})
            _sub(location, "MetaDataVersionRef", {"StudyOID": study_oid,
                                                  "MetaDataVersionOID": mdv,
                                                  "EffectiveDate": now[:10]})
        # clinical data: current values
        clinical = _sub(root, "ClinicalData", {"StudyOID": study_oid,
                                               "MetaDataVersionOID": mdv})
        patients = session.scalars(select(Patient).order_by(Patient.id)).all()
        records: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
        for table, model in forms.items():
            key = "id" if model is Patient else "patient_id"
            for found in session.execute(
                    select(model.__table__).order_by(model.__table__.c.id)).mappings():
                records[found[key]].setdefault(table, []).append(dict(found))
        for patient in patients:
            subject = _sub(clinical, "SubjectData", {"SubjectKey": patient.study_id})
            _sub(subject, "SiteRef", {"LocationOID": f"LOC.{sites[patient.site_id].code}"})
            event_data = _sub(subject, "StudyEventData", {"StudyEventOID": _EVENT})
            for table, rows in records[patient.id].items():
                form_data = _sub(event_data, "FormData", {"FormOID": f"F.{table.upper()}"})
                for item in rows:
                    group = _sub(form_data, "ItemGroupData", {
                        "ItemGroupOID": _oid(table), "ItemGroupRepeatKey": str(item["id"]),
                        _H + "Version": str(item["version"])})
                    for column in forms[table].__table__.columns:
                        if column.key in _SKIP:
                            continue
                        value = to_text(item[column.key])
                        attrib = {"ItemOID": _oid(table, column.key)}
                        attrib.update({"IsNull": "Yes"} if value is None else {"Value": value})
                        _sub(group, "ItemData", attrib)
        # the audit trail
        users = {u.username: u for u in session.scalars(select(User))}
        records_el = _sub(clinical, "AuditRecords")
        for row in audit_rows(session):
            writer = users.get(row["actor"])
            site = sites.get(writer.site_id) if writer and writer.site_id else None
            record = _sub(records_el, "AuditRecord", {"ID": f"AR.{row['seq']}",
                                                      "EditPoint": "DataEntry",
                                                      "UsedImputationMethod": "No"})
            _sub(record, "UserRef", {"UserOID": f"USR.{row['actor']}"})
            _sub(record, "LocationRef", {"LocationOID": f"LOC.{site.code}" if site
                                         else _ALL_SITES})
            _sub(record, "DateTimeStamp", text_value=to_text(row["at"]))
            if row["reason"] is not None:
                _sub(record, "ReasonForChange", text_value=row["reason"])
            _sub(record, "SourceID", text_value=f"hepar audit row {row['seq']}")
            change = {"Seq": str(row["seq"]), "Role": row["role"], "Table": row["table_name"],
                      "Record": str(row["record_id"]), "Version": str(row["record_version"]),
                      "Field": row["field"], "Action": row["action"],
                      "PrevHash": row["prev_hash"], "Hash": row["hash"]}
            for attr, key in (("Old", "old_value"), ("New", "new_value")):
                if row[key] is not None:
                    change[attr] = row[key]
            ET.SubElement(record, _H + "Change", change)
        ET.indent(root)
        path = staging / "study.odm.xml"
        ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
    return out / "study.odm.xml"


def _parse_audit(root: ET.Element, source: str) -> list[dict[str, Any]]:
    rows = []
    for record in root.iter(_O + "AuditRecord"):
        change = record.find(_H + "Change")
        if change is None:
            raise AuditError(field="AuditRecord", value=record.get("ID"), source=source,
                             expected="a hepar:Change element (a file exported by hepar)")
        reason = record.find(_O + "ReasonForChange")
        stamp = record.find(_O + "DateTimeStamp")
        user = record.find(_O + "UserRef")
        rows.append({
            "seq": int(change.get("Seq", "0")),
            "at": datetime.fromisoformat((stamp.text or "") if stamp is not None else ""),
            "actor": (user.get("UserOID") or "").removeprefix("USR.") if user is not None
            else "", "role": change.get("Role"), "table_name": change.get("Table"),
            "record_id": int(change.get("Record", "0")),
            "record_version": int(change.get("Version", "0")), "field": change.get("Field"),
            "action": change.get("Action"), "old_value": change.get("Old"),
            "new_value": change.get("New"),
            "reason": reason.text if reason is not None else None,
            "prev_hash": change.get("PrevHash"), "hash": change.get("Hash")})
    prev = GENESIS_HASH
    for index, row in enumerate(rows, start=1):
        if row["seq"] != index or row["prev_hash"] != prev or chain_hash(row, prev) != row["hash"]:
            raise AuditError(field="AuditRecord", value=f"AR.{row['seq']}", source=source,
                             expected="an unbroken audit chain (the file was changed after "
                                      "export)")
        prev = row["hash"]
    return rows


def _snapshot(root: ET.Element) -> dict[tuple[str, int], dict[str, str | None]]:
    forms = _forms()
    by_group = {_oid(t): t for t in forms}
    values: dict[tuple[str, int], dict[str, str | None]] = {}
    for group in root.iter(_O + "ItemGroupData"):
        table = by_group.get(group.get("ItemGroupOID", ""))
        if table is None:
            continue
        prefix = _oid(table, "x")[:-1]
        items = values.setdefault((table, int(group.get("ItemGroupRepeatKey", "0"))), {})
        for item in group.iter(_O + "ItemData"):
            items[(item.get("ItemOID") or "").removeprefix(prefix).lower()] = item.get("Value")
    return values


def import_odm(store: Store, path: str | Path) -> dict[str, int]:
    """Rebuild an empty database from an ODM file written by :func:`export_odm`.

    Returns the number of records per table and of audit rows (``"audit_log"``).

    Raises
    ------
    AuditError
        The database is not empty, the file's audit chain is broken, or its snapshot values do
        not match what its audit records say.
    """
    source = str(path)
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        from hepar.errors import FileFormatError

        raise FileFormatError(field="file", value=source, expected=f"a readable ODM XML file "
                              f"({error})") from None
    if root.tag != _O + "ODM" or root.get("ODMVersion") != "1.3.2":
        raise AuditError(field="ODM", value=root.get("ODMVersion", root.tag), source=source,
                         expected="a CDISC ODM 1.3.2 file")
    rows = _parse_audit(root, source)
    state = replay(rows)
    snapshot = _snapshot(root)
    for (table, record_id), values in snapshot.items():
        replayed = state.get((table, record_id))
        for field_name, value in values.items():
            if replayed is None or replayed.fields.get(field_name) != value:
                raise AuditError(field=f"{table}#{record_id}.{field_name}", value=value,
                                 source=source, expected="the value its audit records give it")
    importer = Actor("import", Role.DATA_MANAGER)
    counts: dict[str, int] = {}
    with store.write(importer, importing=True) as session:
        if session.scalar(select(func.count()).select_from(AuditEntry)) or \
                session.scalar(select(func.count()).select_from(Study)):
            raise AuditError(field="database", value=store.url.split("@")[-1],
                             expected="an empty database (hepar db upgrade on a new file)")
        for table, model in AUDITED_MODELS.items():
            if table in KEY_TABLES:
                continue
            table_obj: Any = model.__table__
            columns: dict[str, Any] = {c.key: c for c in table_obj.columns}
            batch = []
            for (name, record_id), record in sorted(state.items()):
                if name != table:
                    continue
                values = {key: from_text(columns[key], record.fields.get(key))
                          for key in columns if key not in ("id", "version")}
                batch.append({"id": record_id, "version": record.version, **values})
            if batch:
                session.execute(insert(table_obj), batch)
            counts[table] = len(batch)
        if rows:
            session.execute(insert(AuditEntry), rows)
        counts["audit_log"] = len(rows)
        if session.get_bind().dialect.name == "postgresql":
            for table in AUDITED_MODELS:
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))
        report = verify_audit(session)
        if not report.ok:
            raise AuditError(field="import", value=report.record, source=source,
                             expected=f"a database that verifies ({report.problem})")
    return counts
