"""Every planning limit is a setting of the protocol file (issue 4), the extrahepatic search too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from hepar.imaging import Volume, affine_from_geometry
from hepar.io import load_protocol, write_nifti
from hepar.services.planning import image_plan, planning_limits_from_protocol, quick_plan

REGISTRY = Path(__file__).parents[1] / "src" / "hepar" / "clinical" / "protocols" / "registry.yaml"


def test_registry_protocol_fills_every_planning_limit():
    data = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))["planning_limits"]
    limits = planning_limits_from_protocol(load_protocol("registry"))
    for name in ("lung_dose_max_gy", "liver_mean_dose_max_gy", "tumour_dose_ideal_min_gy",
                 "lung_mass_default_kg", "extrahepatic_threshold_fraction",
                 "extrahepatic_liver_margin_mm", "extrahepatic_min_activity_fraction",
                 "extrahepatic_fraction_max"):
        assert getattr(limits, name) == pytest.approx(float(data[name])), name


def test_a_site_variant_file_changes_the_limits(tmp_path):
    data = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    data["version"] = "site variant"
    data["planning_limits"]["lung_dose_max_gy"] = 5.0
    data["planning_limits"]["extrahepatic_liver_margin_mm"] = 20.0
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump(data), encoding="utf-8")
    limits = planning_limits_from_protocol(load_protocol(site))
    assert limits.extrahepatic_liver_margin_mm == 20.0
    # Lung dose by hand (REFERENCE.md): A x LSF x E / m_lung = 3781 MBq x 0.1 x 15.87 mJ/MBq /
    # 1 kg = 6.0 Gy: within the registry's 30 Gy, above the site's 5 Gy.
    assert quick_plan(1.0, lung_shunt_fraction=0.1)["within_limits"] is True
    plan = quick_plan(1.0, lung_shunt_fraction=0.1, protocol=site)
    assert plan["lung_dose_gy"] == pytest.approx(3781.0 * 0.1 * 15.87e-3, rel=0.01)
    assert plan["within_limits"] is False
    assert [f["name"] for f in plan["failed_limits"]] == ["lung_dose_gy"]


def _site(tmp_path: Path, **limits: float) -> Path:
    data = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    data["version"] = "site variant"
    data["planning_limits"].update(limits)
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump(data), encoding="utf-8")
    return site


def test_a_site_may_accept_a_small_extrahepatic_deposition(tmp_path):
    """The extrahepatic limit is ``planning_limits.extrahepatic_fraction_max`` (default 0: any
    reported deposition fails the plan), not a number in the code."""
    shape = (24, 24, 24)
    liver = np.zeros(shape)
    liver[4:12, 4:16, 4:16] = 1.0
    scout = liver * 1.0e4
    scout[16:18, 20:22, 20:22] = 2.0e4  # a spot beyond the 10 mm margin around the liver
    affine = affine_from_geometry(origin_lps_mm=(0.0, 0.0, 0.0), spacing_mm=(4.0, 4.0, 4.0))
    frame = "1.2.826.0.1.3680043.10.1.77"
    spect = write_nifti(Volume(scout, affine, "Bq/mL", frame), tmp_path / "scout.nii.gz")
    mask = write_nifti(Volume(liver, affine, "1", frame), tmp_path / "liver.nii.gz")
    # by hand: 8 voxels x 2e4 of (1152 x 1e4 + 8 x 2e4) = 1.37 % of the scout
    fraction = 8 * 2.0e4 / (1152 * 1.0e4 + 8 * 2.0e4)
    common = {"spect": spect, "liver_mask": mask, "lung_shunt_fraction": 0.05}
    registry = image_plan(**common)
    assert registry["limits"]["extrahepatic_fraction_max"] == 0.0
    assert [f["name"] for f in registry["failed_limits"]] == ["extrahepatic_fraction"]
    assert registry["failed_limits"][0]["value"] == pytest.approx(fraction, rel=1e-9)
    site = image_plan(**common, protocol=_site(tmp_path, extrahepatic_fraction_max=0.02))
    assert site["within_limits"] is True
    check = next(c for c in site["checks"] if c["name"] == "extrahepatic_fraction")
    assert check["limit"] == 0.02 and check["passed"] is True
