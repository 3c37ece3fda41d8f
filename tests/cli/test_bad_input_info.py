"""``hepar info``: truncated, corrupt and missing files are refused naming the file (issue 9);
a truncated CT slice is refused, not described as fine."""

from __future__ import annotations

import shutil

import pytest
from bad_input import check_bad_input
from cli_images import truncated

KINDS = ("ct_slice", "nm", "seg", "spect")
FRACTIONS = (0.3, 0.7, 0.97)


@pytest.mark.parametrize("fraction", FRACTIONS)
@pytest.mark.parametrize("kind", KINDS)
def test_truncated_file_is_refused(images, tmp_path, capsys, kind, fraction):
    path = truncated(images[kind], tmp_path, fraction)
    check_bad_input(capsys, ["info", path, "--json"], path.name)


def test_truncated_slice_in_a_series_is_refused(images, tmp_path, capsys):
    folder = tmp_path / "ct"
    shutil.copytree(images["ct"], folder)
    victim = sorted(folder.iterdir())[3]
    victim.write_bytes(victim.read_bytes()[:-100])
    check_bad_input(capsys, ["info", folder], victim.name)


@pytest.mark.parametrize(("case", "content", "named"), [
    ("empty file", b"", "empty.dcm"),
    ("text file", b"hello, not DICOM\n", "empty.dcm"),
    ("DICM prefix and garbage", b"\0" * 128 + b"DICM" + b"\xff" * 64, "empty.dcm"),
], ids=["empty file", "text file", "DICM prefix and garbage"])
def test_not_dicom(tmp_path, capsys, case, content, named):
    path = tmp_path / "empty.dcm"
    path.write_bytes(content)
    check_bad_input(capsys, ["info", path], named)


def test_bad_paths_and_options(images, tmp_path, capsys):
    check_bad_input(capsys, ["info", tmp_path / "absent"], "absent")
    (tmp_path / "no_dicom").mkdir()
    check_bad_input(capsys, ["info", tmp_path / "no_dicom"], "no_dicom")
    check_bad_input(capsys, ["info", images["ct"], "--series", "1.2.3.4"], "1.2.3.4")
    check_bad_input(capsys, ["info", images["ct"], "--bogus"], "--bogus")
    check_bad_input(capsys, ["info"], "PATH")
    bad_nifti = tmp_path / "x.nii.gz"
    bad_nifti.write_bytes(b"\x1f\x8b not really gzip")
    check_bad_input(capsys, ["info", bad_nifti], "x.nii.gz")
