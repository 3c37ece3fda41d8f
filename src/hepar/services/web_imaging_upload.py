"""Use case: a SPECT/CT study uploaded through the web application enters the store.

The upload is a zip archive or the files of a folder. It is unpacked into a private temporary
folder under limits (member count, total size, compression ratio: a zip bomb is refused before it
is inflated, and a member that inflates past its declared size is cut off), member names must be
relative paths inside the archive (no ``..``, no absolute or drive paths), and every file must be
DICOM. The series are then checked with the readers of :mod:`hepar.io` (one CT series, one or more
NM TOMO projection files, one RT Structure Set or DICOM SEG whose regions name a ``liver``) before
anything is written, so that a bad upload answers its one-line error and leaves nothing behind.
Each series then enters the store pseudonymised, as every DICOM does
(:func:`hepar.services.study_imaging.import_dicom_series`), unless the patient already has it
(the key table maps its original UID to a stored series, which is then reused); the original
files are deleted with the temporary folder.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from hepar.errors import FileFormatError, HeparError, InvalidValueError

from .study_common import SavedRecord

__all__ = [
    "MAX_COMPRESSION_RATIO",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_FILES",
    "StudyUpload",
    "check_study",
    "ingest_study",
    "unpack_upload",
]

#: At most this many files in one upload (a clinical SPECT/CT session has a few hundred).
MAX_UPLOAD_FILES = 5000
#: At most this many bytes unpacked (a CT of 600 slices is about 300 MiB).
MAX_UPLOAD_BYTES = 2 * 1024**3
#: A zip member may inflate to at most this many times its compressed size (DICOM compresses a
#: few times; a zip bomb of zeros, a thousand times).
MAX_COMPRESSION_RATIO = 100
_CHUNK = 1 << 20


@dataclass
class StudyUpload:
    """The series of an upload, unpacked in ``folder`` (a private temporary folder)."""

    folder: Path
    #: series UID -> the files of that series
    series: dict[str, list[Path]] = field(default_factory=dict)
    #: series UID -> modality
    modality: dict[str, str] = field(default_factory=dict)
    ct: str | None = None
    projections: list[str] = field(default_factory=list)
    structures: str | None = None
    #: series UID of a SEG or RTSTRUCT -> (its region names, its frame of reference UID)
    regions: dict[str, tuple[list[str], str | None]] = field(default_factory=dict)

    def remove(self) -> None:
        """Delete the unpacked (identifying) files."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _member_name(name: str) -> str:
    """The archive member (or uploaded file) name, refused unless a relative path inside."""
    text = name.replace("\\", "/")
    path = PurePosixPath(text)
    if not text or text.startswith("/") or (len(text) > 1 and text[1] == ":") or \
            ".." in path.parts or "\x00" in text:
        raise InvalidValueError(field="upload.member", value=name,
                                expected="a relative path inside the archive (no '..', no "
                                         "absolute or drive path)")
    return text


def _copy_limited(source: IO[bytes], target: Path, *, limit: int, name: str) -> int:
    written = 0
    with target.open("wb") as handle:
        while block := source.read(_CHUNK):
            written += len(block)
            if written > limit:
                raise InvalidValueError(
                    field="upload.member", value=name,
                    expected=f"at most {limit} bytes unpacked (its declared size or what is "
                             f"left of the upload's {MAX_UPLOAD_BYTES} bytes)")
            handle.write(block)
    return written


def _unpack_zip(archive: IO[bytes], folder: Path) -> list[tuple[str, Path]]:
    try:
        opened = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as error:
        raise FileFormatError(field="upload", value="archive",
                              expected=f"a zip archive ({error})") from None
    with opened:
        members = [m for m in opened.infolist() if not m.is_dir()]
        if len(members) > MAX_UPLOAD_FILES:
            raise InvalidValueError(field="upload.files", value=len(members),
                                    expected=f"at most {MAX_UPLOAD_FILES} files")
        declared = sum(m.file_size for m in members)
        if declared > MAX_UPLOAD_BYTES:
            raise InvalidValueError(field="upload.size", value=declared,
                                    expected=f"at most {MAX_UPLOAD_BYTES} bytes unpacked")
        for member in members:
            _member_name(member.filename)
            if member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, _CHUNK // 16):
                raise InvalidValueError(
                    field="upload.member", value=member.filename,
                    expected=f"a compression ratio of at most {MAX_COMPRESSION_RATIO} "
                             f"(declared {member.file_size} bytes from {member.compress_size}: "
                             f"a zip bomb?)")
        out: list[tuple[str, Path]] = []
        left = MAX_UPLOAD_BYTES
        for index, member in enumerate(members):
            target = folder / f"{index:05d}.dcm"
            try:
                with opened.open(member) as source:
                    left -= _copy_limited(source, target, limit=min(member.file_size, left),
                                          name=member.filename)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as error:
                raise FileFormatError(field="upload.member", value=member.filename,
                                      expected=f"a readable zip member ({error})") from None
            out.append((member.filename, target))
        return out


def unpack_upload(files: Iterable[tuple[str, IO[bytes]]]) -> tuple[Path, list[tuple[str, Path]]]:
    """Unpack the uploaded ``(name, stream)`` pairs into a new private temporary folder: a single
    ``.zip`` is an archive; several files are a folder's files. Returns the folder and the
    (name as uploaded, unpacked path) of every file; the caller removes the folder."""
    items = list(files)
    if not items:
        raise InvalidValueError(field="upload", value=0,
                                expected="a zip archive or the files of a study folder")
    if len(items) > MAX_UPLOAD_FILES:
        raise InvalidValueError(field="upload.files", value=len(items),
                                expected=f"at most {MAX_UPLOAD_FILES} files")
    folder = Path(tempfile.mkdtemp(prefix="hepar-upload-"))  # mode 0700: only this process
    try:
        if len(items) == 1 and items[0][0].lower().endswith(".zip"):
            return folder, _unpack_zip(items[0][1], folder)
        out: list[tuple[str, Path]] = []
        left = MAX_UPLOAD_BYTES
        for index, (name, stream) in enumerate(items):
            _member_name(name)
            target = folder / f"{index:05d}.dcm"
            left -= _copy_limited(stream, target, limit=left, name=name)
            out.append((name, target))
        return folder, out
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _read_headers(files: list[tuple[str, Path]], upload: StudyUpload) -> None:
    import pydicom
    from pydicom.errors import InvalidDicomError

    for name, path in files:
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except (InvalidDicomError, OSError, ValueError, EOFError) as error:
            raise FileFormatError(field="upload.file", value=name,
                                  expected=f"a DICOM file ({type(error).__name__}: "
                                           f"{str(error).splitlines()[0] if str(error) else ''})"
                                  ) from None
        if str(getattr(getattr(ds, "file_meta", None), "MediaStorageSOPClassUID", "")) == \
                "1.2.840.10008.1.3.10":  # DICOMDIR: an index of the files, not an image
            path.unlink()
            continue
        uid = str(getattr(ds, "SeriesInstanceUID", "") or "")
        if not uid:
            raise FileFormatError(field="upload.file", value=name,
                                  expected="a DICOM file with a SeriesInstanceUID")
        folder = upload.folder / "series" / uid
        folder.mkdir(parents=True, exist_ok=True)
        moved = folder / path.name
        path.replace(moved)
        upload.series.setdefault(uid, []).append(moved)
        upload.modality[uid] = str(getattr(ds, "Modality", ""))
        if upload.modality[uid] in ("SEG", "RTSTRUCT"):
            upload.regions[uid] = _region_names(ds)


def _region_names(ds: Any) -> tuple[list[str], str | None]:
    """The region names and frame of reference of a SEG or RT Structure Set header."""
    if str(ds.Modality) == "SEG":
        names = [str(item.SegmentLabel) for item in getattr(ds, "SegmentSequence", [])]
        return names, str(getattr(ds, "FrameOfReferenceUID", "") or "") or None
    names = [str(item.ROIName) for item in getattr(ds, "StructureSetROISequence", [])]
    frames = getattr(ds, "ReferencedFrameOfReferenceSequence", [])
    return names, (str(frames[0].FrameOfReferenceUID) if frames else None)


def _one(found: list[str], what: str) -> str:
    if len(found) != 1:
        raise InvalidValueError(field=f"upload.{what}", value=len(found),
                                expected=f"exactly one {what} series in the study")
    return found[0]


def check_study(files: list[tuple[str, Path]], folder: Path) -> StudyUpload:
    """Group the unpacked files by series and check the study with :mod:`hepar.io`'s readers:
    one CT series, NM TOMO projections, one RT Structure Set or SEG on the CT with a ``liver``."""
    from hepar.dosimetry import RegionRole, region_role
    from hepar.io import read_ct_series, read_nm_projections

    upload = StudyUpload(folder)
    _read_headers(files, upload)
    by_modality: dict[str, list[str]] = {}
    for uid, modality in upload.modality.items():
        by_modality.setdefault(modality, []).append(uid)
    upload.ct = _one(by_modality.get("CT", []), "CT")
    upload.structures = _one(by_modality.get("SEG", []) + by_modality.get("RTSTRUCT", []),
                             "SEG or RTSTRUCT")
    upload.projections = sorted(by_modality.get("NM", []))
    if not upload.projections:
        raise InvalidValueError(field="upload.NM", value=0,
                                expected="the NM TOMO projections of the SPECT (one file per "
                                         "bed position)")
    other = sorted(set(upload.modality.values()) - {"CT", "NM", "SEG", "RTSTRUCT"})
    if other:
        raise InvalidValueError(field="upload.modality", value=other,
                                expected="CT, NM, SEG or RTSTRUCT series only")
    ct_folder = upload.folder / "series" / upload.ct
    frame = str(read_ct_series(ct_folder).frame_of_reference_uid)
    for uid in upload.projections:
        paths = upload.series[uid]
        if len(paths) != 1:
            raise InvalidValueError(field="upload.NM", value=f"{uid} ({len(paths)} files)",
                                    expected="one NM TOMO projection file per series")
        read_nm_projections(paths[0])
    structures = upload.series[upload.structures]
    if len(structures) != 1:
        raise InvalidValueError(field="upload.structures", value=len(structures),
                                expected="one RT Structure Set or SEG file")
    names, region_frame = upload.regions.get(upload.structures, ([], None))
    if region_frame != frame:
        raise InvalidValueError(field="upload.structures.FrameOfReferenceUID",
                                value=region_frame,
                                expected=f"the CT's frame of reference ({frame}): regions "
                                         f"drawn on this CT")
    if RegionRole.LIVER not in {region_role(n) for n in names}:
        raise InvalidValueError(field="upload.structures", value=names,
                                expected="a region named 'liver' (the treated liver; also "
                                         "'lungs', 'body' and the tumours)")
    return upload


def _stored_series(store: Any, study_id: str) -> dict[str, Any]:
    """The patient's series already in the store, by their original series UID."""
    from sqlalchemy import select

    from hepar.store import DicomUidMap, ImagingStudy, Patient

    with store.read() as session:
        patient_id = session.scalar(select(Patient.id).where(Patient.study_id == study_id))
        pseudonyms = {original: pseudonym for original, pseudonym in session.execute(select(
            DicomUidMap.original_uid, DicomUidMap.pseudonym_uid).where(
            DicomUidMap.patient_id == patient_id, DicomUidMap.level == "series"))}
        rows = {row.series_uid: row for row in session.scalars(select(ImagingStudy).where(
            ImagingStudy.patient_id == patient_id, ImagingStudy.deleted_at.is_(None)))}
    return {original: rows[pseudonym] for original, pseudonym in pseudonyms.items()
            if pseudonym in rows}


def ingest_study(store: Any, user: str, upload: StudyUpload, *, study_id: str,
                 location: Path) -> dict[str, SavedRecord]:
    """Pseudonymise every series of a checked upload into ``location`` and record it; returns the
    saved ``imaging_studies`` record of each series (by its original UID). A series the patient
    already has in the store (same original UID, same number of instances) is not stored twice:
    its record is reused, so that a study can be processed again with other options."""
    import pydicom

    from .study_imaging import import_dicom_series

    stored = _stored_series(store, study_id)
    for uid, paths in upload.series.items():
        if uid in stored and stored[uid].n_instances != len(paths):
            raise InvalidValueError(
                field="upload.series", value=uid,
                expected=f"the {stored[uid].n_instances} instances already stored for this "
                         f"series (it has {len(paths)} here; a changed series needs a new "
                         f"SeriesInstanceUID)")
    saved: dict[str, SavedRecord] = {}
    for uid, paths in upload.series.items():
        if uid in stored:
            row = stored[uid]
            saved[uid] = SavedRecord(row.__tablename__, row.id, row.version)
            continue
        try:
            datasets = [pydicom.dcmread(p) for p in paths]
        except (OSError, ValueError, EOFError) as error:  # read whole: a file cut short
            raise FileFormatError(field="upload.series", value=uid,
                                  expected=f"readable DICOM files ({error})") from None
        saved[uid] = import_dicom_series(store, user, study_id=study_id, datasets=datasets,
                                         location=location)
    return saved


def as_hepar_error(error: Exception, what: str) -> HeparError:
    """An unexpected library error while reading the upload, as the one line a user sees."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return FileFormatError(field="upload", value=what,
                           expected=f"readable DICOM ({type(error).__name__}: {first})")
