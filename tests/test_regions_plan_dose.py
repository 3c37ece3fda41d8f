"""``hepar plan`` and ``hepar dose`` read a structure set the same way (issue 15), and the dose
biodistribution adds up to the administered activity (issue 9)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

import hepar.services.dose_calculation as dose_service
import hepar.services.planning as planning_service
from hepar.dosimetry import RegionRole, region_role, resolve_regions
from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume, affine_from_geometry
from hepar.io import write_nifti, write_seg
from hepar.services.dose_calculation import compute_dose
from hepar.services.planning import image_plan

FRAME = "1.2.826.0.1.3680043.10.1.15"
SHAPE = (20, 20, 20)
SPACING_MM = 4.0
VOXEL_ML = SPACING_MM**3 / 1000.0  # 1 mL = 1000 mm^3
#: 166Ho half-life 26.8 h (EANM guideline, Weber et al., EJNMMI 2022;49:1682; REFERENCE.md).
HO166_HALF_LIFE_H = 26.8


def _grid(array: np.ndarray, unit: str) -> Volume:
    affine = affine_from_geometry(origin_lps_mm=(-40.0, -40.0, -40.0), spacing_mm=(SPACING_MM,) * 3)
    return Volume(np.asarray(array, dtype=float), affine, unit, FRAME)


def _box(*slices: slice) -> np.ndarray:
    out = np.zeros(SHAPE)
    out[slices] = 1.0
    return out


@pytest.fixture
def scene(tmp_path):
    """A SPECT and a SEG whose regions are called liver, lungs, body and 'lesion A'.

    The lesion sticks out of the liver label by two of its four slices (z 12..15, liver z 2..13),
    the case that the biodistribution used to count twice.
    """
    regions = {
        "body": _box(slice(1, 19), slice(1, 19), slice(1, 19)),
        "liver": _box(slice(2, 14), slice(3, 15), slice(3, 15)),
        "lungs": _box(slice(15, 18), slice(3, 15), slice(3, 15)),
        "lesion A": _box(slice(12, 16), slice(6, 10), slice(6, 10)),
    }
    spect = np.zeros(SHAPE)
    spect[regions["body"] > 0] = 500.0  # Bq/mL: background in the body
    spect[regions["liver"] > 0] = 2.0e4
    spect[regions["lungs"] > 0] = 1.0e3
    spect[regions["lesion A"] > 0] = 1.0e5
    spect[0, 0, 0] = 300.0  # a voxel outside the body
    seg = write_seg([Mask(name, _grid(a > 0, "1")) for name, a in regions.items()],
                    tmp_path / "structures.dcm")
    path = write_nifti(_grid(spect, "Bq/mL"), tmp_path / "spect.nii.gz")
    return {"spect": path, "seg": seg, "regions": regions, "array": spect}


def test_region_roles_are_one_vocabulary():
    assert [region_role(n) for n in ("liver", "Lungs", " BODY ", "lesion 1", "kidney left")] == [
        RegionRole.LIVER, RegionRole.LUNGS, RegionRole.BODY, RegionRole.TUMOUR, RegionRole.TUMOUR]


def test_an_explicit_mask_replaces_the_named_region_which_is_not_a_tumour():
    grid = _grid(np.ones((1, 1, 1)), "1")
    named = {n: Mask(n, grid) for n in ("liver", "body", "lesion 1")}
    found = resolve_regions(named, liver=Mask("from file", grid), tumours=[Mask("tumour 1", grid)])
    assert found.liver is not None and found.liver.name == "liver"
    assert [t.name for t in found.tumours] == ["tumour 1", "lesion 1"]
    assert found.body is not None and found.lungs is None


def test_two_regions_of_one_role_are_refused():
    grid = _grid(np.ones((1, 1, 1)), "1")
    with pytest.raises(InvalidValueError, match="structures = \\['Liver', 'liver'\\]"):
        resolve_regions({"Liver": Mask("Liver", grid), "liver": Mask("liver", grid)})


def test_plan_and_dose_classify_the_same_structure_set_identically(scene, tmp_path):
    plan = image_plan(spect=scene["spect"], structures=scene["seg"], scout_activity_mbq=100.0)
    dose = compute_dose(spect=[scene["spect"]], out=tmp_path / "dose", structures=scene["seg"],
                        administered_activity_mbq=100.0)
    plan_tumours = [v["name"] for v in plan["vois"] if v["kind"] == "tumour"]
    dose_tumours = [row["name"] for row in dose["lesions"]]
    assert plan_tumours == dose_tumours == ["lesion A"]
    # "body" is the body outline in both: it splits extrahepatic from outside body
    for rows in (plan["biodistribution"], dose["biodistribution"]):
        assert [r["voi"] for r in rows] == [
            "lesion A", "non-tumour liver", "lungs", "extrahepatic", "outside body", "not imaged"]
    assert {r["name"] for r in dose["voi_metrics"]} == {
        "liver", "non-tumour liver", "lesion A", "lungs"}


def test_dose_biodistribution_adds_up_to_the_decayed_administered_activity(scene, tmp_path):
    # Scan one half-life after administering 100 MBq: 50 MBq remain (physical decay only).
    administered_mbq = 100.0
    dose = compute_dose(spect=[scene["spect"]], times_h=[HO166_HALF_LIFE_H], out=tmp_path / "d",
                        structures=scene["seg"], administered_activity_mbq=administered_mbq)
    rows = dose["biodistribution"]
    remaining_mbq = administered_mbq * 0.5
    assert sum(r["activity_mbq"] for r in rows) == pytest.approx(remaining_mbq, rel=0.01)
    assert sum(r["fraction_of_administered"] for r in rows) == pytest.approx(1.0, rel=0.01)
    # each VOI against its analytic content: concentration x volume (exact, binary masks)
    regions, spect = scene["regions"], scene["array"]
    lesion = regions["lesion A"] > 0
    by_voi = {r["voi"]: r["activity_mbq"] for r in rows}
    assert by_voi["lesion A"] == pytest.approx(lesion.sum() * 1.0e5 * VOXEL_ML / 1e6, rel=1e-9)
    outside = (regions["liver"] + regions["lungs"] + lesion) == 0
    extrahepatic = spect[outside & (regions["body"] > 0)].sum() * VOXEL_ML / 1e6
    assert by_voi["extrahepatic"] == pytest.approx(extrahepatic, rel=1e-9)
    assert by_voi["outside body"] == pytest.approx(300.0 * VOXEL_ML / 1e6, rel=1e-9)
    with (tmp_path / "d" / "biodistribution.csv").open(encoding="utf-8") as handle:
        written = sum(float(row["activity_mbq"]) for row in csv.DictReader(handle))
    assert written == pytest.approx(remaining_mbq, rel=0.01)


def _spy(monkeypatch, module, name):
    """Record the calls of ``module.name`` while still running the real function."""
    real = getattr(module, name)
    calls = []

    def recorded(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, recorded)
    return calls


def test_the_dose_path_calls_the_tested_permanent_implant_tia(scene, tmp_path, monkeypatch):
    calls = _spy(monkeypatch, dose_service, "permanent_implant_tia")
    compute_dose(spect=[scene["spect"]], times_h=[3.0], out=tmp_path / "d",
                 structures=scene["seg"])
    assert len(calls) == 1 and calls[0]["half_life_h"] == pytest.approx(26.8, abs=0.05)
    elapsed = calls[0]["scan_time"] - calls[0]["administration_time"]
    assert elapsed.total_seconds() == pytest.approx(3.0 * 3600.0)


def test_the_plan_path_calls_the_tested_mean_dose(tmp_path, monkeypatch, scene):
    calls = []
    real = planning_service.mean_dose_gy

    def recorded(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(planning_service, "mean_dose_gy", recorded)
    territory = write_nifti(_grid(scene["regions"]["liver"], "1"), tmp_path / "whole.nii.gz")
    plan = image_plan(spect=scene["spect"], structures=scene["seg"],
                      injections=[("proper hepatic", territory)])
    (position,) = plan["injection_positions"]
    assert calls and position["mean_dose_gy"] == pytest.approx(60.0, rel=1e-9)


def test_plan_and_dose_use_cases_run_on_records_and_agree_with_the_prescription():
    # 1000 mL of liver (10 x 10 x 10 voxels of 1 mL) at the protocol's 1.06 g/mL: 1.06 kg.
    # REFERENCE.md (Utrecht, J Nucl Med 2016;57(S2):199): 15.87 mJ/MBq, so 60 Gy needs
    # A = 60 Gy x 1.06 kg / 15.87 mJ/MBq = 4007.56 MBq; that activity, imaged at 0 h and fully
    # decayed in the liver, gives a mean dose of 60 Gy by local deposition.
    from hepar.io import load_protocol
    from hepar.services.dose_calculation import dose_from_images
    from hepar.services.planning import plan_from_images

    activity_mbq = 60.0 * 1.06 / 15.87e-3
    affine = affine_from_geometry(origin_lps_mm=(0.0, 0.0, 0.0), spacing_mm=(10.0,) * 3)
    liver = np.zeros((12, 12, 12))
    liver[1:11, 1:11, 1:11] = 1.0
    spect = Volume(liver * activity_mbq * 1e6 / 1000.0, affine, "Bq/mL", FRAME)  # Bq per mL
    body = Volume(np.ones_like(liver), affine, "1", FRAME)
    regions = resolve_regions({"liver": Mask("liver", Volume(liver, affine, "1", FRAME)),
                               "body": Mask("body", body)})
    protocol = load_protocol("registry")
    plan = plan_from_images(spect, regions, protocol=protocol, lung_shunt_fraction=0.0)
    assert plan["activity_mbq"] == pytest.approx(activity_mbq, rel=1e-9)
    result = dose_from_images([spect], regions, times_h=[0.0], protocol=protocol)
    liver_row = next(r for r in result.summary["voi_metrics"] if r["name"] == "liver")
    assert liver_row["mean_gy"] == pytest.approx(60.0, rel=1e-6)
    assert result.dose.unit.value == "Gy" and "files" not in result.summary
