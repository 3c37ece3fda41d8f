"""Every planning limit is a setting of the protocol file (issue 4), the extrahepatic search too."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hepar.clinical import load_protocol
from hepar.services.planning import planning_limits_from_protocol, quick_plan

REGISTRY = Path(__file__).parents[1] / "src" / "hepar" / "clinical" / "protocols" / "registry.yaml"


def test_registry_protocol_fills_every_planning_limit():
    data = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))["planning_limits"]
    limits = planning_limits_from_protocol(load_protocol("registry"))
    for name in ("lung_dose_max_gy", "liver_mean_dose_max_gy", "tumour_dose_ideal_min_gy",
                 "lung_mass_default_kg", "extrahepatic_threshold_fraction",
                 "extrahepatic_liver_margin_mm", "extrahepatic_min_activity_fraction"):
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
