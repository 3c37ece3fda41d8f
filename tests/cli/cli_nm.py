"""Real scanner files for the bad-input tests of ``calibrate`` and ``recon``: a 166Ho calibration
source written as NM STATIC, the camera file ``hepar calibrate`` makes from it, and one tiny
virtual patient (CT series and NM TOMO projections) as ``hepar phantom`` writes it. All from
hepar.phantoms (``tiny`` preset); imported by the tests of this folder."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hepar.cli import main

#: The calibration source: 100 MBq measured at REFERENCE, imaged 30 min later.
SOURCE_MBQ = 100.0
REFERENCE = datetime(2015, 4, 18, 8, 0, tzinfo=timezone(timedelta(hours=2)))


@pytest.fixture(scope="session")
def nm_files(tmp_path_factory) -> dict:
    """``source`` (NM STATIC), ``camera`` (camera.json), ``projections`` and ``ct`` of the
    scout scan of a tiny virtual patient, ``other_ct`` (the treatment session's CT)."""
    from hepar.io import write_nm_static
    from hepar.phantoms import simulate_calibration_acquisition
    from hepar.physics import decay_factor, nuclide
    from hepar.services.phantom_patient import write_virtual_patient

    root = tmp_path_factory.mktemp("nm_files")
    start = REFERENCE + timedelta(minutes=30)
    activity = SOURCE_MBQ * decay_factor(REFERENCE, start, nuclide("Ho-166").half_life_h)
    acquisition, _ = simulate_calibration_acquisition("Ho-166", activity,
                                                      acquisition_start=start,
                                                      preset_name="tiny", seed=2)
    source = write_nm_static(acquisition.projections, root / "source_ho166.dcm",
                             creation_datetime=start)
    camera = root / "camera.json"
    assert main(["calibrate", str(source), "--activity-mbq", str(SOURCE_MBQ),
                 "--reference-time", REFERENCE.isoformat(), "--out", str(camera)]) == 0
    truth = write_virtual_patient(root / "patient", seed=2, preset_name="tiny", clinical=False)
    scans = {scan["name"]: scan for scan in truth["scans"]}
    scout, treatment = scans["ho166_scout"], scans["ho166_treatment"]
    return {"root": root, "source": source, "camera": camera,
            "projections": root / "patient" / scout["projections"],
            "ct": root / "patient" / scout["ct"],
            "other_ct": root / "patient" / treatment["ct"]}
