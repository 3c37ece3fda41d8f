"""NM acquisition files (SPECT projections, NM TOMO; a planar calibration image, NM STATIC) and
camera files, truncated at a random byte or with random bytes changed, fed to ``hepar info``,
``hepar calibrate`` and the readers: a HeparError naming the file or field, or a run that ends
with exit 0 and finite output; never a traceback, never an internal error (issue 9: the
readers of test_reader_properties.py did not cover the acquisition files nor the camera file).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from contract import check_run
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reader_properties import _damaged, damage

from hepar.errors import HeparError
from hepar.io import read_camera_file, read_nm_acquisition

REFERENCE = datetime(2015, 4, 18, 8, 0, tzinfo=timezone(timedelta(hours=2)))
SOURCE_MBQ = 100.0


@pytest.fixture(scope="module")
def nm_sources(tmp_path_factory):
    """A 166Ho source imaged planar (NM STATIC) and as a SPECT (NM TOMO), tiny preset, and the
    camera file calibrated from the planar image."""
    from hepar.cli import main
    from hepar.io import write_nm_projections, write_nm_static
    from hepar.phantoms import simulate_calibration_acquisition

    root = tmp_path_factory.mktemp("nm_sources")
    planar, _ = simulate_calibration_acquisition("Ho-166", SOURCE_MBQ,
                                                 acquisition_start=REFERENCE,
                                                 preset_name="tiny", seed=3)
    spect, _ = simulate_calibration_acquisition("Ho-166", SOURCE_MBQ,
                                                acquisition_start=REFERENCE, shape="cylinder",
                                                preset_name="tiny", seed=3)
    files = {"static": write_nm_static(planar.projections, root / "static.dcm",
                                       creation_datetime=REFERENCE),
             "tomo": write_nm_projections(spect.projections, root / "tomo.dcm")}
    files["camera"] = root / "camera.json"
    assert main(["calibrate", str(files["static"]), "--activity-mbq", str(SOURCE_MBQ),
                 "--reference-time", REFERENCE.isoformat(), "--out",
                 str(files["camera"])]) == 0
    return files


@pytest.mark.parametrize("kind", ["static", "tomo"])
def test_damaged_acquisitions_never_crash(nm_sources, tmp_path_factory, capsys, kind):
    source = nm_sources[kind]
    folder = tmp_path_factory.mktemp(f"damaged_{kind}")

    @settings(settings.get_profile("hepar-properties"))
    @given(change=damage(source.stat().st_size))
    def run(change):
        path = _damaged(source, folder, *change)
        check_run(capsys, ["info", path, "--json"])
        try:
            read_nm_acquisition(path)
        except HeparError as error:
            assert error.source or error.field, error

    run()


def test_calibrating_from_a_damaged_planar_image_never_crashes(nm_sources, tmp_path_factory,
                                                               capsys):
    source = nm_sources["static"]
    folder = tmp_path_factory.mktemp("damaged_calibration")
    out = folder / "out" / "camera.json"
    out.parent.mkdir()

    @settings(settings.get_profile("hepar-properties"))
    @given(change=damage(source.stat().st_size))
    def run(change):
        path = _damaged(source, folder, *change)
        out.unlink(missing_ok=True)
        status = check_run(capsys, ["calibrate", path, "--activity-mbq", str(SOURCE_MBQ),
                                    "--reference-time", REFERENCE.isoformat(), "--out", out,
                                    "--json"])
        if status == 0:  # a change the calibration does not depend on: a finite camera file
            json.loads(out.read_text(encoding="utf-8"), parse_constant=_no_constant)

    run()


def _no_constant(name):
    raise AssertionError(f"camera file holds {name}")


JSON_LEAF = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
             | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=10))
JSON = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def _paths(node, prefix=()):
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def test_a_changed_camera_file_is_refused_or_read_finite(nm_sources, tmp_path_factory):
    record = json.loads(nm_sources["camera"].read_text(encoding="utf-8"))
    folder = tmp_path_factory.mktemp("camera_files")
    paths = _paths(record)

    @settings(settings.get_profile("hepar-properties"))
    @given(path=st.sampled_from(paths), value=JSON)
    def run(path, value):
        data = json.loads(json.dumps(record))
        if path:
            node = data
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value
        else:
            data = value
        target = folder / "camera.json"
        target.write_text(json.dumps(data, allow_nan=True), encoding="utf-8")
        try:
            camera = read_camera_file(target)
        except HeparError as error:
            assert error.source or error.field, error
            return
        for row in camera.sensitivities:
            assert row.sensitivity_cps_per_mbq >= 0 and row.sensitivity_cps_per_mbq < float("inf")

    run()
