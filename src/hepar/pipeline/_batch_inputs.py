"""The inputs of ``hepar batch``, found and checked before any computation.

A study folder is one patient's SPECT/CT studies in the layout ``hepar phantom`` writes (README,
"The patient folder"); the batch reads only the 166Ho scout and post-treatment studies:

=========================  =====================================================
``nm/ho166_scout.dcm``     scout SPECT projections (NM TOMO)
``ct/scout/``              the scout session's CT series
``seg/scout.dcm``          the VOIs drawn on that CT (DICOM SEG)
``nm/ho166_treatment.dcm`` post-treatment SPECT projections
``ct/treatment/``          the post-treatment session's CT series
``seg/treatment.dcm``      the VOIs drawn on that CT
=========================  =====================================================

The folder's name is the patient's study ID in the study database, which holds the
administered scout and treatment activities and their times (``administrations``). Every file
read is hashed (SHA-256): the hashes, the parameters and hepar's version make the patient's key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hepar

__all__ = ["STUDY_FILES", "Administered", "BatchParameters", "StudyFolder", "find_studies",
           "hash_inputs"]

#: role -> path inside a study folder (a folder for the CT series).
STUDY_FILES = {
    "scout projections": "nm/ho166_scout.dcm",
    "scout ct": "ct/scout",
    "scout seg": "seg/scout.dcm",
    "treatment projections": "nm/ho166_treatment.dcm",
    "treatment ct": "ct/treatment",
    "treatment seg": "seg/treatment.dcm",
}
#: The member list ``hepar phantom --cohort`` writes (screen failures have no images).
COHORT_FILE = "cohort.json"
_WHAT = {"projections": "NM TOMO projections of the {scan} SPECT",
         "ct": "the {scan} CT series folder (DICOM slices)",
         "seg": "the VOIs of the {scan} session as a DICOM SEG"}


@dataclass(frozen=True)
class BatchParameters:
    """What the batch does to every patient (part of each patient's key)."""

    iterations: int = 4
    subsets: int = 8
    dose_method: str = "local"
    nuclide: str = "Ho-166"
    protocol: str = "registry"

    def as_dict(self) -> dict[str, Any]:
        return {"iterations": self.iterations, "subsets": self.subsets,
                "dose_method": self.dose_method, "nuclide": self.nuclide,
                "protocol": self.protocol}


@dataclass(frozen=True)
class Administered:
    """An administered 166Ho activity (MBq) and its time (aware, UTC), from the database."""

    activity_mbq: float
    time: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"activity_mbq": self.activity_mbq, "time": self.time.isoformat()}


@dataclass(frozen=True)
class StudyFolder:
    """One patient's study folder: ``files`` maps each role of :data:`STUDY_FILES` to its
    absolute path."""

    patient_id: str
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)


def _study(folder: Path) -> StudyFolder:
    from hepar.errors import InvalidValueError

    files: dict[str, Path] = {}
    for role, relative in STUDY_FILES.items():
        scan, kind = role.split()
        path = folder / relative
        expected = _WHAT[kind].format(scan=scan)
        if kind == "ct":
            if not path.is_dir():
                raise InvalidValueError(source=str(folder), field=relative, value="missing",
                                        expected=f"{expected}, as hepar phantom writes it")
            if not any(p.is_file() for p in path.iterdir()):
                raise InvalidValueError(source=str(folder), field=relative, value="empty",
                                        expected=expected)
        elif not path.is_file():
            raise InvalidValueError(source=str(folder), field=relative,
                                    value="a folder" if path.exists() else "missing",
                                    expected=f"{expected}, as hepar phantom writes it")
        files[role] = path
    return StudyFolder(folder.name, folder, files)


def _cohort_folders(root: Path) -> list[Path] | None:
    """The enrolled members' folders of a ``hepar phantom --cohort`` folder (``cohort.json``),
    in its order; ``None`` without ``cohort.json``."""
    from hepar.errors import InvalidValueError

    index = root / COHORT_FILE
    if not index.is_file():
        return None
    try:
        members = json.loads(index.read_text(encoding="utf-8"))["members"]
        return [root / str(m["folder"]) for m in members if m["enrolled"]]
    except (ValueError, KeyError, TypeError):
        raise InvalidValueError(source=str(index), field="members", value="unreadable",
                                expected="the cohort.json of hepar phantom --cohort") from None


def find_studies(studies_dir: str | Path) -> list[StudyFolder]:
    """Every study folder of ``studies_dir``, each checked for the files of
    :data:`STUDY_FILES`: the enrolled members of its ``cohort.json`` (``hepar phantom
    --cohort``), else its sub-folders not starting with ``.``, sorted.

    Raises
    ------
    InvalidValueError
        ``STUDIES_DIR`` missing, not a folder or holding no study folder; a study folder
        lacking a file (naming the folder and the file).
    """
    from hepar.errors import InvalidValueError

    root = Path(studies_dir)
    if not root.exists():
        raise InvalidValueError(field="STUDIES_DIR", value=str(root),
                                expected="an existing folder with one sub-folder per patient")
    if not root.is_dir():
        raise InvalidValueError(field="STUDIES_DIR", value=str(root),
                                expected="a folder (with one sub-folder per patient), not a file")
    folders = _cohort_folders(root)
    if folders is None:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise InvalidValueError(field="STUDIES_DIR", value=str(root),
                                expected="at least one patient study sub-folder (as hepar "
                                "phantom --cohort writes them)")
    return [_study(folder.resolve()) for folder in folders]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_inputs(study: StudyFolder, camera: Path) -> dict[str, str]:
    """SHA-256 of every file the batch reads for ``study`` (path inside the study folder ->
    digest; the camera file as ``camera``)."""
    found = {"camera": _sha256(camera)}
    for role, path in study.files.items():
        members = sorted(p for p in path.iterdir() if p.is_file()) if "ct" in role.split() \
            else [path]
        for member in members:
            found[str(member.relative_to(study.folder))] = _sha256(member)
    return found


def patient_key(inputs_sha256: dict[str, str], parameters: BatchParameters,
                administered: dict[str, Administered]) -> str:
    """SHA-256 of a patient's inputs' hashes, the parameters, the administrations and hepar's
    version: equal keys mean the same computation."""
    text = json.dumps({"inputs": inputs_sha256, "parameters": parameters.as_dict(),
                       "administered": {k: v.as_dict() for k, v in administered.items()},
                       "hepar": hepar.__version__}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def as_utc(value: datetime) -> datetime:
    """A database time (naive means UTC, as the store writes them) as an aware UTC time."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
