"""hepar.store: where the study's data lives, so that nothing is lost or changed unseen.

* :class:`Store` — the database (embedded SQLite file ``./hepar.db`` by default, PostgreSQL via
  ``HEPAR_DATABASE_URL``); :meth:`Store.write` is one audited transaction as a named user.
* The models (:mod:`._models`): study, sites, users and roles, patients under a pseudonymous study
  ID with the identifying key apart (:class:`PatientKey`, :class:`DicomUidMap`), consent,
  screening results and attestations, 177Lu cycles, visits with their windows, labs, imaging
  studies, plans, administrations, reconstruction/dosimetry runs, lesions and RECIST reads, QoL
  answers and scores, adverse events and SAE reports.
* The audit trail (:mod:`._audit`): an append-only, hash-chained row per changed field;
  :func:`verify_audit` recomputes it and replays it against the tables.
* Schema: :func:`upgrade` (Alembic migrations shipped in the package).
* Exports: :func:`export_csv`, :func:`export_odm` (CDISC ODM 1.3.2 with the audit records) and
  :func:`import_odm`.

This layer imports :mod:`hepar.clinical` only (DESIGN.md); the use cases over it are in
``hepar.services.study_*``.
"""

from ._audit import GENESIS_HASH, Actor, chain_hash
from ._codec import UTCDateTime, from_text, python_value, to_text
from ._credentials import WebCredential, bump_session_epoch, read_credential, save_password_hash
from ._engine import DEFAULT_DATABASE_URL, ENV_VAR, database_url, make_engine
from ._errors import (
    AuditError,
    ConflictError,
    PermissionDeniedError,
    ReasonRequiredError,
    StoreError,
    StudyLockedError,
)
from ._export_csv import export_csv
from ._migrate import current_revision, head_revision, upgrade
from ._models import (
    AUDITED_MODELS,
    Administration,
    AdverseEventRow,
    Attestation,
    Audited,
    AuditEntry,
    AuditSecret,
    Base,
    Consent,
    CriterionResultRow,
    DataQuery,
    DicomUidMap,
    ImagingJob,
    ImagingStudy,
    Lab,
    LesionRow,
    LutetiumCycleRow,
    Patient,
    PatientAccount,
    PatientKey,
    PatientOwned,
    Plan,
    ProcessingRun,
    QolAnswer,
    QolQuestionnaire,
    QolScore,
    RecistMeasurement,
    RecistRead,
    SaeReport,
    Screening,
    Site,
    Study,
    User,
    UserSite,
    VisitRow,
)
from ._odm import ODM_NAMESPACE, export_odm, import_odm
from ._roles import KEY_READERS, KEY_TABLES, WRITERS, Role
from ._unit import Store, conflict_error
from ._verify import AuditReport, replay, verify_audit

__all__ = [
    "AUDITED_MODELS",
    "DEFAULT_DATABASE_URL",
    "ENV_VAR",
    "GENESIS_HASH",
    "KEY_READERS",
    "KEY_TABLES",
    "ODM_NAMESPACE",
    "WRITERS",
    "Actor",
    "Administration",
    "AdverseEventRow",
    "Attestation",
    "AuditEntry",
    "AuditError",
    "AuditReport",
    "AuditSecret",
    "Audited",
    "Base",
    "ConflictError",
    "Consent",
    "CriterionResultRow",
    "DataQuery",
    "DicomUidMap",
    "ImagingJob",
    "ImagingStudy",
    "Lab",
    "LesionRow",
    "LutetiumCycleRow",
    "Patient",
    "PatientAccount",
    "PatientKey",
    "PatientOwned",
    "PermissionDeniedError",
    "Plan",
    "ProcessingRun",
    "QolAnswer",
    "QolQuestionnaire",
    "QolScore",
    "ReasonRequiredError",
    "RecistMeasurement",
    "RecistRead",
    "Role",
    "SaeReport",
    "Screening",
    "Site",
    "Store",
    "StoreError",
    "Study",
    "StudyLockedError",
    "UTCDateTime",
    "User",
    "UserSite",
    "VisitRow",
    "WebCredential",
    "bump_session_epoch",
    "chain_hash",
    "conflict_error",
    "current_revision",
    "database_url",
    "export_csv",
    "export_odm",
    "from_text",
    "head_revision",
    "import_odm",
    "make_engine",
    "python_value",
    "read_credential",
    "replay",
    "save_password_hash",
    "to_text",
    "upgrade",
    "verify_audit",
]
