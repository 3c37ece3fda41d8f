"""Real files for the ``hepar calibrate`` / ``hepar recon`` tests: one tiny virtual patient as
``hepar phantom`` writes it, 166Ho and 177Lu calibration sources as NM STATIC files, and the
camera file ``hepar calibrate`` makes from them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from spect_cli_settings import REFERENCE, SOURCE_MBQ

from hepar.cli import main
from hepar.io import write_nm_static
from hepar.phantoms import generate_virtual_patient, simulate_calibration_acquisition
from hepar.services.demo_study import _write_masks
from hepar.services.phantom_patient import write_virtual_patient

SEED = 2


@pytest.fixture(scope="session")
def study(tmp_path_factory):
    """Everything a physicist has on disk before reconstructing: patient folder, calibration
    acquisitions, camera file, NIfTI VOIs per session. Returned as a dict of paths."""
    root = tmp_path_factory.mktemp("spect_cli")
    patient = generate_virtual_patient(SEED, "tiny")
    truth = write_virtual_patient(root / "patient", seed=SEED, preset_name="tiny",
                                  patient=patient, clinical=False)
    from hepar.physics import decay_factor, nuclide

    files: dict[str, Path] = {}
    start = REFERENCE + timedelta(minutes=30)
    for name in ("Ho-166", "Lu-177"):
        activity = SOURCE_MBQ * decay_factor(REFERENCE, start, nuclide(name).half_life_h)
        acquisition, _ = simulate_calibration_acquisition(
            name, activity, acquisition_start=start, preset_name="tiny", seed=SEED)
        files[name] = write_nm_static(acquisition.projections, root / f"source_{name}.dcm",
                                      creation_datetime=start)
    lu_camera, camera = root / "camera_lu177.json", root / "camera.json"
    assert main(["calibrate", str(files["Lu-177"]), "--activity-mbq", str(SOURCE_MBQ),
                 "--reference-time", REFERENCE.isoformat(), "--out", str(lu_camera)]) == 0
    assert main(["calibrate", str(files["Ho-166"]), "--activity-mbq", str(SOURCE_MBQ),
                 "--reference-time", REFERENCE.isoformat(), "--out", str(camera),
                 "--combine-with", str(lu_camera)]) == 0
    scans = {scan["name"]: scan for scan in truth["scans"]}
    masks = {name: _write_masks(patient, root / "masks" / name,
                                patient.session(name).frame_of_reference_uid)
             for name in ("scout", "treatment")}
    return {"root": root, "patient": root / "patient", "truth": truth, "scans": scans,
            "sources": files, "camera": camera, "camera_lu177": lu_camera, "masks": masks}
