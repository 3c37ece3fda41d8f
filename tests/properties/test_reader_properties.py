"""Valid DICOM and NIfTI files, truncated at a random byte or with random bytes changed, fed to
``hepar info`` and to the readers: a HeparError naming the file or a description, never a
traceback (issue 9)."""

from __future__ import annotations

import shutil

import pytest
from contract import check_run
from hypothesis import given, settings
from hypothesis import strategies as st

from hepar.errors import HeparError
from hepar.imaging import Volume, affine_from_geometry
from hepar.io import read_ct_series, read_nifti, read_nm_reconstruction, read_seg

KINDS = ("ct_slice", "nm", "seg", "spect")


@st.composite
def damage(draw, size: int) -> tuple[int, list[tuple[int, int]]]:
    """A length to cut to (``size``: none) and byte changes (position, new value)."""
    cut = draw(st.one_of(st.just(size), st.integers(min_value=0, max_value=size)))
    flips = draw(st.lists(st.tuples(st.integers(0, max(size - 1, 0)), st.integers(0, 255)),
                          max_size=6))
    return cut, flips


def _damaged(source, folder, cut, flips):
    data = bytearray(source.read_bytes())
    for position, value in flips:
        data[position] = value
    path = folder / source.name
    path.write_bytes(bytes(data[:cut]))
    return path


def _reference():
    from cli_images import FRAME, SHAPE

    affine = affine_from_geometry(origin_lps_mm=(-40.0, -40.0, -40.0), spacing_mm=(5.0,) * 3)
    import numpy as np

    return Volume(np.zeros(SHAPE), affine, "Bq/mL", FRAME)


@pytest.mark.parametrize("kind", KINDS)
def test_damaged_files_never_crash(images, tmp_path_factory, capsys, kind):
    source = images[kind]
    folder = tmp_path_factory.mktemp(f"damaged_{kind}")
    reference = _reference()
    readers = {
        "nm": lambda p: read_nm_reconstruction(p),
        "seg": lambda p: read_seg(p, reference),
        "spect": lambda p: read_nifti(p),
        "ct_slice": lambda p: read_ct_series(_series_with(images["ct"], p, folder)),
    }

    @settings(settings.get_profile("hepar-properties"))
    @given(change=damage(source.stat().st_size))
    def run(change):
        path = _damaged(source, folder, *change)
        check_run(capsys, ["info", path, "--json"])
        try:
            readers[kind](path)
        except HeparError as error:
            assert error.source or error.field, error

    run()


def _series_with(series, slice_path, folder):
    """A copy of the CT series with one slice replaced by ``slice_path``."""
    target = folder / "series"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(series, target)
    shutil.copyfile(slice_path, target / slice_path.name)
    return target
