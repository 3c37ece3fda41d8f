"""Who may do what (DESIGN.md, "Who uses it"): roles, the tables each may write, who sees keys."""

from __future__ import annotations

from hepar.clinical import LenientEnum

__all__ = ["KEY_READERS", "KEY_TABLES", "WRITERS", "Role"]


class Role(LenientEnum):
    """A user's role in the study."""

    INVESTIGATOR = "investigator"
    RESEARCH_NURSE = "research_nurse"
    PHYSICIST = "physicist"
    RADIOLOGIST = "radiologist"
    PATIENT = "patient"
    STATISTICIAN = "statistician"
    MONITOR = "monitor"
    DATA_MANAGER = "data_manager"
    #: Manages the study's users and sites (``hepar user add`` creates the first); no clinical data.
    ADMIN = "admin"


_CLINIC = frozenset({Role.INVESTIGATOR, Role.RESEARCH_NURSE})
_IMAGING = frozenset({Role.PHYSICIST, Role.INVESTIGATOR})
_ADMINS = frozenset({Role.DATA_MANAGER, Role.ADMIN})

#: Table -> roles that may insert, update or soft-delete its rows. Monitors and statisticians
#: read only (monitors also raise data queries); a table not listed here is written by nobody
#: through the audited path.
WRITERS: dict[str, frozenset[Role]] = {
    "study": _ADMINS,
    "sites": _ADMINS,
    "users": _ADMINS,
    "user_sites": _ADMINS,
    "patients": _CLINIC,
    "patient_keys": _CLINIC,
    "dicom_uid_maps": _CLINIC | _IMAGING,
    "consents": _CLINIC,
    "screenings": _CLINIC,
    "criterion_results": _CLINIC,
    "attestations": frozenset({Role.INVESTIGATOR}),
    "lutetium_cycles": _CLINIC,
    "visits": _CLINIC,
    "labs": _CLINIC,
    "imaging_studies": _IMAGING | _CLINIC,
    "plans": _IMAGING,
    "administrations": _IMAGING,
    "processing_runs": frozenset({Role.PHYSICIST}),
    "lesions": frozenset({Role.RADIOLOGIST}),
    "recist_reads": frozenset({Role.RADIOLOGIST}),
    "recist_measurements": frozenset({Role.RADIOLOGIST}),
    "qol_questionnaires": _CLINIC | {Role.PATIENT},
    "qol_answers": _CLINIC | {Role.PATIENT},
    "qol_scores": _CLINIC | {Role.PATIENT},
    "adverse_events": _CLINIC,
    "sae_reports": _CLINIC,
    # a monitor raises and closes a data query, the site answers it (hepar.services.study_queries)
    "data_queries": _CLINIC | {Role.MONITOR},
    "patient_accounts": _ADMINS | _CLINIC,
}

#: Tables that hold what identifies a patient: readable only by :data:`KEY_READERS`, never
#: exported, and kept in the audit trail as SHA-256 digests only.
KEY_TABLES: frozenset[str] = frozenset({"patient_keys", "dicom_uid_maps"})
KEY_READERS: frozenset[Role] = _CLINIC
