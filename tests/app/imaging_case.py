"""What the imaging tests of the web application share: a SPECT/CT study of a virtual patient
(hepar.phantoms, tiny preset) as a scanner and a physicist's contouring would give it, physicist
users of both sites, and a consented patient of site A."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from hepar.services.study_admin import add_user
from hepar.services.study_records import record_consent, register_patient
from hepar.services.web_auth import set_password
from hepar.store import Store

PASSWORD = "correct horse battery"
PHYSICISTS = {"physicist.a": "A", "physicist.b": "B"}
#: hepar.phantoms seed of the study's virtual patient
SEED = 3


@dataclass(frozen=True)
class StudyFiles:
    """The files of the virtual patient's post-treatment SPECT/CT session, and the activity."""

    folder: Path
    files: tuple[Path, ...]
    activity_mbq: float
    hours_after_administration: float

    def zip_bytes(self, extra: dict[str, bytes] | None = None) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in self.files:
                archive.write(path, path.relative_to(self.folder).as_posix())
            for name, data in (extra or {}).items():
                archive.writestr(name, data)
        return buffer.getvalue()


def write_study(out: Path) -> StudyFiles:
    """CT series, NM TOMO projections and a SEG named as the README contract asks (``liver`` =
    the treated liver, ``lungs``, ``body``, one region per treated lesion) of one session."""
    from datetime import datetime

    from hepar.imaging import Mask
    from hepar.io import StudyInfo, read_ct_series, write_seg
    from hepar.phantoms import generate_virtual_patient
    from hepar.physics import S_PER_H
    from hepar.services.phantom_patient import write_virtual_patient

    patient = generate_virtual_patient(SEED, "tiny")
    truth = write_virtual_patient(out / "scanner", seed=SEED, preset_name="tiny",
                                  patient=patient, clinical=False)
    scan = next(s for s in truth["scans"] if s["name"] == "ho166_treatment")
    given = next(a for a in truth["administrations"] if a["name"] == "ho166_treatment")
    scanner = out / "scanner"
    study = out / "study"
    (study / "ct").mkdir(parents=True)
    for path in sorted((scanner / scan["ct"]).iterdir()):
        (study / "ct" / path.name).write_bytes(path.read_bytes())
    (study / "nm.dcm").write_bytes((scanner / scan["projections"]).read_bytes())
    ct = read_ct_series(study / "ct")
    masks = {m.name: m.boolean for m in patient.masks(on_ct=True)}
    regions = [Mask.on_grid_of("liver", ct, masks["treated liver"]),
               Mask.on_grid_of("lungs", ct, masks["lung right"] | masks["lung left"]),
               Mask.on_grid_of("body", ct, masks["body"])]
    regions += [Mask.on_grid_of(f"lesion {lesion.number}", ct, masks[lesion.name])
                for lesion in patient.anatomy.lesions
                if lesion.treated and np.any(masks[lesion.name])]
    session = patient.session(scan["session"])
    write_seg(regions, study / "seg.dcm",
              study=StudyInfo(patient_id=patient.patient_id, patient_name="Virtual^Patient",
                              study_instance_uid=session.study_instance_uid,
                              study_datetime=session.ct_datetime),
              series_description="VOIs for dosimetry", creation_datetime=session.ct_datetime)
    hours = (datetime.fromisoformat(scan["acquisition_start"])
             - datetime.fromisoformat(given["time"])).total_seconds() / S_PER_H
    files = tuple(sorted(p for p in study.rglob("*") if p.is_file()))
    return StudyFiles(study, files, float(given["activity_mbq"]), hours)


def shared_study(tmp_path_factory: Any) -> StudyFiles:
    """The study of :func:`write_study`, simulated once per test session (the imaging test
    modules share it; with pytest-xdist, once per worker)."""
    folder = tmp_path_factory.getbasetemp() / "imaging-study"
    done = folder / "study.json"
    if not done.is_file():
        if folder.exists():
            shutil.rmtree(folder)
        study = write_study(folder)
        done.write_text(json.dumps({"activity_mbq": study.activity_mbq,
                                    "hours": study.hours_after_administration}))
        return study
    saved = json.loads(done.read_text())
    files = tuple(sorted(p for p in (folder / "study").rglob("*") if p.is_file()))
    return StudyFiles(folder / "study", files, saved["activity_mbq"], saved["hours"])


def add_physicists(store: Store) -> None:
    for username, site in PHYSICISTS.items():
        add_user(store, "admin", username=username, full_name=username, role="physicist",
                 site_code=site)
        set_password(store, username, PASSWORD)


def consented_patient(store: Store, study_id: str = "HP-A-IMG0000001", site: str = "A") -> str:
    register_patient(store, "nurse.a" if site == "A" else "nurse.b", study_id=study_id,
                     site_code=site, identifier=f"hospital id of {study_id}")
    record_consent(store, "nurse.a" if site == "A" else "nurse.b", study_id=study_id,
                   consented_on=date(2010, 1, 4), form_version="1.0")
    return study_id
