"""``hepar plan`` and ``hepar dose`` end to end on synthetic images (no patient data)."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from hepar.cli import main
from hepar.imaging import Volume, affine_from_geometry
from hepar.io import read_nifti, read_rtdose, write_nifti

FRAME = "1.2.826.0.1.3680043.10.1.4"
SHAPE = (24, 24, 24)


def _volume(array: np.ndarray, unit: str, frame: str = FRAME) -> Volume:
    affine = affine_from_geometry(origin_lps_mm=(-50.0, -60.0, -40.0), spacing_mm=(4.0, 4.0, 4.0))
    return Volume(np.asarray(array, dtype=float), affine, unit, frame)


@pytest.fixture
def images(tmp_path):
    liver = np.zeros(SHAPE)
    liver[4:14, 4:18, 4:18] = 1.0
    tumour = np.zeros(SHAPE)
    tumour[6:9, 6:9, 6:9] = 1.0
    lungs = np.zeros(SHAPE)
    lungs[17:23, 4:18, 4:18] = 1.0
    spect = np.where(liver > 0, 2.0e4, 0.0)
    spect[tumour > 0] = 1.0e5
    spect[lungs > 0] = 1.0e3
    paths = {}
    for name, array, unit in (("spect", spect, "Bq/mL"), ("liver", liver, "1"),
                              ("tumour", tumour, "1"), ("lungs", lungs, "1")):
        paths[name] = write_nifti(_volume(array, unit), tmp_path / f"{name}.nii.gz")
    return paths, {"liver": liver, "tumour": tumour, "lungs": lungs, "spect": spect}


def test_quick_plan_json_contract(capsys):
    # 1 kg, 60 Gy -> 3781 MBq (REFERENCE.md); lung dose 3781 x 0.1 x 15.87 mJ / 1 kg = 6.0 Gy.
    assert main(["plan", "--treated-mass-kg", "1", "--lsf", "0.1", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["activity_mbq"] == pytest.approx(3781.0, abs=0.5)
    assert record["lung_dose_gy"] == pytest.approx(3780.7 * 0.1 * 0.01587, rel=1e-4)
    assert record["within_limits"] is True and record["failed_limits"] == []


def test_quick_plan_names_the_failed_limit(capsys):
    assert main(["plan", "--treated-mass-kg", "2", "--lsf", "0.3", "--lung-mass-kg", "1.0",
                 "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["within_limits"] is False
    assert [(f["name"], f["limit"]) for f in record["failed_limits"]] == [("lung_dose_gy", 30.0)]
    assert record["failed_limits"][0]["value"] == pytest.approx(36.0, rel=1e-3)


def test_quick_plan_plain_summary_and_decay_to_administration(capsys):
    assert main(["plan", "--treated-mass-kg", "1.5", "--target-dose-gy", "50",
                 "--calibration-time", "2025-03-03T08:00+01:00",
                 "--administration-time", "2025-03-04T10:48+01:00"]) == 0
    text = capsys.readouterr().out
    assert "Administer 4726 MBq" in text and "Within all limits." in text
    # 26.8 h of decay (one half-life): prepare twice the planned activity
    assert "Prepare 9452 MBq" in text


def test_plan_errors_are_one_line_with_status_2(capsys):
    assert main(["plan", "--treated-mass-kg", "0", "--json"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: treated_mass_kg = 0.0: expected a treated liver mass from 0.05 to 5 kg (setting "
        "plausibility.treated_mass_kg_min of protocol registry)"
    )
    assert main(["plan", "--json"]) == 2
    assert "--treated-mass-kg, or --spect" in capsys.readouterr().err
    assert main(["plan", "--treated-mass-kg", "1", "--administration-time", "2025-03-04 10:00",
                 "--calibration-time", "2025-03-04T09:00+00:00"]) == 2
    assert "administration_time = '2025-03-04 10:00'" in capsys.readouterr().err


def test_image_plan_from_scout_spect(images, capsys):
    paths, arrays = images
    assert main(["plan", "--spect", str(paths["spect"]), "--liver-mask", str(paths["liver"]),
                 "--lung-mask", str(paths["lungs"]), "--tumour-mask", str(paths["tumour"]),
                 "--lung-mass-kg", "1.0", "--scout-activity-mbq", "250", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    voxel_ml = 0.064
    scout_mbq = arrays["spect"].sum() * voxel_ml / 1e6
    rows = {row["voi"]: row for row in record["biodistribution"]}
    assert rows["not imaged"]["activity_mbq"] == pytest.approx(250.0 - scout_mbq)
    mass_kg = arrays["liver"].sum() * voxel_ml * 1.06 / 1000.0
    assert record["treated_mass_kg"] == pytest.approx(mass_kg)
    assert record["activity_mbq"] == pytest.approx(60.0 * mass_kg / 0.01587)
    lung = (arrays["spect"] * arrays["lungs"]).sum()
    liver = (arrays["spect"] * arrays["liver"]).sum()
    assert record["lung_shunt_fraction"] == pytest.approx(lung / (lung + liver))
    assert record["lung_dose_gy"] == pytest.approx(
        record["activity_mbq"] * record["lung_shunt_fraction"] * 0.01587)
    assert {v["kind"] for v in record["vois"]} == {"liver", "non-tumour liver", "tumour"}
    assert record["extrahepatic"] == [] and record["within_limits"] is True


def test_dose_holmium_local_deposition_writes_every_output(images, tmp_path, capsys):
    paths, _ = images
    out = tmp_path / "dose"
    assert main(["dose", "--spect", str(paths["spect"]), "--time-h", "26.8",
                 "--liver-mask", str(paths["liver"]), "--tumour-mask", str(paths["tumour"]),
                 "--lung-mask", str(paths["lungs"]), "--administered-activity-mbq", "2000",
                 "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    # scan one half-life after administration: activity at administration is twice the image;
    # local deposition with 15.87 mJ/MBq at 1.06 g/mL: D = 2 A_scan[MBq/g] x 15.87 J/kg... per mL
    expected_tumour = 2 * 1.0e5 / 1e6 * 15.87e-3 / (1.06e-3)
    lesion = summary["lesions"][0]
    assert lesion["mean_gy"] == pytest.approx(expected_tumour, rel=1e-6)
    assert lesion["tumour_to_non_tumour"] == pytest.approx(5.0, rel=1e-6)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["biodistribution.csv", "dose_gy.nii.gz", "dose_rtdose.dcm", "dvh.csv",
                     "lesions.csv", "summary.json", "voi_metrics.csv"]
    rtdose = read_rtdose(out / "dose_rtdose.dcm")
    assert rtdose.frame_of_reference_uid == FRAME
    assert rtdose.array.max() == pytest.approx(expected_tumour, rel=1e-6)
    nifti = read_nifti(out / "dose_gy.nii.gz")
    assert nifti.unit == "Gy"
    with (out / "voi_metrics.csv").open() as handle:
        rows = {row["name"]: row for row in csv.DictReader(handle)}
    assert float(rows["non-tumour liver"]["mean_gy"]) == pytest.approx(expected_tumour / 5.0)


def test_dose_lutetium_multi_time_point_kernel(tmp_path, capsys):
    lam = math.log(2) / 80.0  # effective half-life 80 h
    liver = np.zeros(SHAPE)
    liver[4:20, 4:20, 4:20] = 1.0
    paths = []
    for t in (4.0, 24.0, 96.0):
        paths += ["--spect", str(write_nifti(_volume(liver * 5.0e4 * math.exp(-lam * t), "Bq/mL"),
                                              tmp_path / f"lu_{t:g}.nii.gz")), "--time-h", f"{t}"]
    mask = write_nifti(_volume(liver, "1"), tmp_path / "liver.nii.gz")
    out = tmp_path / "lu"
    assert main(["dose", "--nuclide", "Lu-177", "--method", "kernel", *paths,
                 "--liver-mask", str(mask), "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["tia_method"].startswith("voxel time-activity fit")
    # the kernel the dose path uses, and what it was validated against, are in the summary
    assert summary["kernel"]["emissions"] == "all"
    assert "Lanconelli" in summary["kernel"]["validation"]
    (voi,) = summary["voi_time_activity"]
    assert voi["model"] == "mono" and voi["effective_half_life_h"] == pytest.approx(80.0)
    # centre of a large uniform region: kernel = local deposition; TIA = A0 / lambda (mono-exp)
    dose = read_nifti(out / "dose_gy.nii.gz").array
    energy_j = 0.1479 * 1.602176634e-13  # ICRP 107 177Lu electrons per decay
    expected = 5.0e4 / lam * 3600.0 * energy_j / 1.06e-3
    assert dose[12, 12, 12] == pytest.approx(expected, rel=0.01)


def test_dose_refuses_unknown_choices_with_one_line(images, tmp_path, capsys):
    paths, _ = images
    spect = ["--spect", str(paths["spect"]), "--time-h", "4", "--spect", str(paths["spect"]),
             "--time-h", "24"]
    assert main(["dose", "--nuclide", "Lu-177", *spect, "--tac-model", "cubic",
                 "--out", str(tmp_path / "x")]) == 2
    assert "model = 'cubic'" in capsys.readouterr().err
    assert main(["dose", "--spect", str(paths["spect"]), "--method", "monte-carlo",
                 "--out", str(tmp_path / "y")]) == 2
    assert "method = 'monte-carlo'" in capsys.readouterr().err


def test_dose_refuses_masks_on_another_frame(images, tmp_path, capsys):
    paths, arrays = images
    other = write_nifti(_volume(arrays["liver"], "1", frame="1.2.3.99"), tmp_path / "o.nii.gz")
    out = tmp_path / "never"
    assert main(["dose", "--spect", str(paths["spect"]), "--liver-mask", str(other),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "1.2.3.99" in err and "expected the SPECT's frame of reference" in err
    assert not out.exists()


def test_dose_combines_earlier_deliveries_per_voi_with_bed(images, tmp_path, capsys):
    paths, _ = images
    common = ["--liver-mask", str(paths["liver"]), "--tumour-mask", str(paths["tumour"])]
    first = tmp_path / "lu_cycle_1"
    assert main(["dose", "--nuclide", "Lu-177", "--spect", str(paths["spect"]), "--time-h", "96",
                 *common, "--out", str(first)]) == 0
    capsys.readouterr()
    second = tmp_path / "ho"
    assert main(["dose", "--spect", str(paths["spect"]), *common, "--combine-with", str(first),
                 "--out", str(second), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    lu = json.loads((first / "summary.json").read_text())
    rows = {row["voi"]: row for row in record["combined"]}
    tumour = rows["tumour 1"]
    lu_mean = next(r["mean_gy"] for r in lu["voi_metrics"] if r["name"] == "tumour 1")
    ho_mean = next(r["mean_gy"] for r in record["voi_metrics"] if r["name"] == "tumour 1")
    assert tumour["total_dose_gy"] == pytest.approx(lu_mean + ho_mean)
    # BED of each delivery (Dale 1985), tumour alpha/beta 10 Gy, repair 1.5 h; 177Lu single time
    # point at 96 h: effective half-life 96 h; 166Ho: physical 26.8 h
    def bed(d, t_eff, ab, t_rep):
        lam, mu = math.log(2) / t_eff, math.log(2) / t_rep
        return d * (1 + lam / (lam + mu) * d / ab)

    expected = bed(lu_mean, 96.0, 10.0, 1.5) + bed(ho_mean, 26.8, 10.0, 1.5)
    assert tumour["total_bed_gy"] == pytest.approx(expected, rel=1e-3)
    assert rows["non-tumour liver"]["alpha_beta_gy"] == 2.5
    assert (second / "combined.csv").exists()


HO_HALF_LIFE_S = 26.8 * 3600.0  # ICRP 107
J_PER_MEV = 1.602176634e-13


def _holmium_dose_by_hand(bq_per_ml, density_g_per_ml, absorbed_mj_per_mbq=15.87):
    """D = Ã E / (rho V) for one voxel of volume V scanned at administration (REFERENCE.md):
    Ã = A V T1/2 / ln 2 (permanent implant), E = absorbed energy per decay, the clinical
    15.87 mJ/MBq spread over the 10^6 T1/2 / ln 2 decays of 1 MBq."""
    volume_ml = 0.064
    tia_decays = bq_per_ml * volume_ml * HO_HALF_LIFE_S / math.log(2)
    energy_j = absorbed_mj_per_mbq * 1e-3 / (1e6 * HO_HALF_LIFE_S / math.log(2))
    return tia_decays * energy_j / (density_g_per_ml * 1e-3 * volume_ml)


def test_dose_without_ct_puts_the_lungs_at_inflated_lung_density(images, tmp_path, capsys):
    """Without --ct, lung voxels weigh 0.26 g/mL (ICRP 89 inflated lung, the density hepar plan
    uses for the lung mass), not 1.06: the lung dose is 1.06/0.26 = 4.1 times the old one."""
    paths, arrays = images
    common = ["--spect", str(paths["spect"]), "--time-h", "0", "--liver-mask", str(paths["liver"]),
              "--lung-mask", str(paths["lungs"])]
    assert main(["dose", *common, "--out", str(tmp_path / "local"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    rows = {row["name"]: row for row in summary["voi_metrics"]}
    expected_gy = _holmium_dose_by_hand(1.0e3, 0.26)
    assert expected_gy == pytest.approx(1.0e3 / 1e6 * 15.87 / 0.26)  # A[MBq/mL] E / rho
    assert rows["lungs"]["mean_gy"] == pytest.approx(expected_gy, rel=1e-9)
    assert rows["lungs"]["mass_g"] == pytest.approx(arrays["lungs"].sum() * 0.064 * 0.26)
    liver_voxels = 10 * 14 * 14  # 27 of them tumour
    assert rows["liver"]["mean_gy"] == pytest.approx(
        (_holmium_dose_by_hand(2.0e4, 1.06) * (liver_voxels - 27)
         + _holmium_dose_by_hand(1.0e5, 1.06) * 27) / liver_voxels, rel=1e-9)
    assert summary["region_density_g_per_ml"] == pytest.approx({"liver": 1.06, "lungs": 0.26})
    assert summary["density"].startswith("regions: lungs 0.26 g/mL")
    # kernel convolution divides the energy deposited in each voxel by its own mass, so deep in
    # the lungs (more than the 8.7 mm 166Ho range from their edge) it equals local deposition
    assert main(["dose", *common, "--method", "kernel", "--out", str(tmp_path / "kernel"),
                 "--json"]) == 0
    capsys.readouterr()
    dose = read_nifti(tmp_path / "kernel" / "dose_gy.nii.gz").array
    assert dose[19, 11, 11] == pytest.approx(expected_gy, rel=0.01)
    assert main(["dose", *common, "--out", str(tmp_path / "text")]) == 0
    assert "mean density: liver 1.06 g/mL, lungs 0.26 g/mL" in capsys.readouterr().out


def _site_protocol(tmp_path, **prescription):
    import yaml

    from hepar.io import load_protocol

    registry = load_protocol("registry").model_dump(mode="json")
    registry["version"] = "site variant"
    registry["prescription"].update(prescription)
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump(registry), encoding="utf-8")
    return site


def test_dose_reads_tissue_density_and_holmium_energy_from_the_protocol(images, tmp_path, capsys):
    paths, _ = images
    site = _site_protocol(tmp_path, tissue_density_g_per_ml=1.0, absorbed_energy_mj_per_mbq=16.5)
    common = ["--spect", str(paths["spect"]), "--liver-mask", str(paths["liver"]),
              "--tumour-mask", str(paths["tumour"]), "--lung-mask", str(paths["lungs"]), "--json"]
    assert main(["dose", *common, "--protocol", str(site), "--out", str(tmp_path / "ho")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["absorbed_energy_mj_per_mbq"] == 16.5
    assert summary["tissue_density_g_per_ml"] == 1.0
    assert "site variant" in summary["protocol"]
    tumour = summary["lesions"][0]["mean_gy"]
    assert tumour == pytest.approx(_holmium_dose_by_hand(1.0e5, 1.0, 16.5), rel=1e-9)
    lungs = next(r for r in summary["voi_metrics"] if r["name"] == "lungs")
    assert lungs["mean_gy"] == pytest.approx(_holmium_dose_by_hand(1.0e3, 0.26, 16.5), rel=1e-9)
    # 177Lu keeps its first-principles energy (ICRP 107 electrons, 147.9 keV per decay, EJNMMI
    # Phys 2020 Table 1); only the tissue density comes from the file
    assert main(["dose", *common, "--nuclide", "Lu-177", "--time-h", "96", "--protocol",
                 str(site), "--out", str(tmp_path / "lu")]) == 0
    lu = json.loads(capsys.readouterr().out)
    assert lu["energy_per_decay_mev"] == pytest.approx(0.1479, rel=1e-3)
    assert lu["tissue_density_g_per_ml"] == 1.0
    assert main(["dose", *common, "--protocol", "nowhere.yaml", "--out", str(tmp_path / "x")]) == 2
    assert "protocol = 'nowhere.yaml'" in capsys.readouterr().err


@pytest.fixture
def negative_spect(images, tmp_path):
    _, arrays = images
    spect = arrays["spect"].copy()
    spect[0, 0, 0] = -1234.5  # reconstruction noise below zero
    return write_nifti(_volume(spect, "Bq/mL"), tmp_path / "noisy_spect.nii.gz")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["plan", "--treated-mass-kg", "1", "--target-dose-gy", "-5"], "target_dose_gy = -5.0"),
        (["plan", "{spect}", "{liver}", "{lungs}", "--target-dose-gy", "-5"],
         "target_dose_gy = -5.0"),
        (["plan", "--treated-mass-kg", "1", "--lsf", "1.5"], "lsf = 1.5"),
        (["plan", "{spect}", "{liver}", "{lungs}", "--scout-activity-mbq", "-5"],
         "scout_activity_mbq = -5.0"),
        (["plan", "{spect}", "{liver}", "{lungs}", "--scout-activity-mbq", "250",
          "--scout-time-h", "-3"], "scout_time_h = -3.0"),
        (["plan", "{spect}", "{liver}", "{lungs}", "--scout-activity-mbq", "0.01"],
         "scout_activity_mbq = 0.01"),
        (["plan", "{spect}", "{liver}"], "lung_mask = None"),
        (["dose", "{spect}", "{liver}", "--administered-activity-mbq", "-3", "{out}"],
         "administered_activity_mbq = -3.0"),
        (["dose", "{spect}", "{liver}", "--administered-activity-mbq", "0.01", "{out}"],
         "administered_activity_mbq = 0.01"),
        (["dose", "{spect}", "--time-h", "2", "--time-h", "3", "{out}"], "time_h = [2.0, 3.0]"),
    ],
)
def test_errors_name_the_option_the_user_typed(images, tmp_path, capsys, args, expected):
    paths, _ = images
    options = {"{spect}": ["--spect", str(paths["spect"])],
               "{liver}": ["--liver-mask", str(paths["liver"])],
               "{lungs}": ["--lung-mask", str(paths["lungs"])],
               "{out}": ["--out", str(tmp_path / "never")]}
    argv = [part for arg in args for part in options.get(arg, [arg])]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert expected in err
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("command", ["plan", "dose"])
def test_a_negative_spect_voxel_is_reported_with_its_file_and_minimum(
    command, images, negative_spect, tmp_path, capsys
):
    paths, _ = images
    argv = [command, "--spect", str(negative_spect), "--liver-mask", str(paths["liver"]),
            "--lung-mask", str(paths["lungs"])]
    argv += ["--out", str(tmp_path / "never")] if command == "dose" else []
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{negative_spect}: spect = " in err
    assert "negative values (minimum -1234.5 Bq/mL, 1 voxel)" in err


def test_holmium_dose_without_time_says_what_it_assumed(images, tmp_path, capsys):
    paths, _ = images
    common = ["dose", "--spect", str(paths["spect"]), "--liver-mask", str(paths["liver"])]
    assert main([*common, "--out", str(tmp_path / "a"), "--json"]) == 0
    (assumed,) = json.loads(capsys.readouterr().out)["assumptions"]
    assert "no --time-h" in assumed and "(0 h)" in assumed
    assert main([*common, "--out", str(tmp_path / "b")]) == 0
    assert f"assumed: {assumed}" in capsys.readouterr().out
    assert main([*common, "--time-h", "20", "--out", str(tmp_path / "c"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["assumptions"] == []


def test_plan_splits_the_activity_over_injection_positions_by_perfused_mass(tmp_path, capsys):
    """Two territories of 0.6 and 0.4 kg share one planned activity 60/40 (split by perfused mass,
    so that both get the same mean dose). Voxels of 1 mL, occupancy 1/1.06 at 1.06 g/mL: 1 g each,
    so 600 and 400 voxels weigh 0.6 and 0.4 kg; the treated liver (both) 1 kg -> 60 Gy needs
    60 / 0.01587 = 3781 MBq (REFERENCE.md)."""
    affine = affine_from_geometry(origin_lps_mm=(0.0, 0.0, 0.0), spacing_mm=(10.0, 10.0, 10.0))
    occupancy = 1.0 / 1.06
    right = np.zeros((12, 12, 12))
    right[1:7, 1:11, 1:11] = occupancy
    left = np.zeros((12, 12, 12))
    left[7:11, 1:11, 1:11] = occupancy
    files = {}
    for name, array, unit in (("scout", (right + left) * 1.0e4, "Bq/mL"),
                              ("liver", right + left, "1"), ("right", right, "1"),
                              ("left", left, "1")):
        files[name] = str(write_nifti(Volume(array, affine, unit, FRAME),
                                      tmp_path / f"{name}.nii.gz"))
    assert main(["plan", "--spect", files["scout"], "--liver-mask", files["liver"], "--lsf", "0",
                 "--injection", f"right hepatic={files['right']}",
                 "--injection", f"left hepatic={files['left']}", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    planned = 60.0 / 0.01587
    assert record["activity_mbq"] == pytest.approx(planned, rel=1e-9)
    right_row, left_row = record["injection_positions"]
    assert (right_row["name"], left_row["name"]) == ("right hepatic", "left hepatic")
    assert right_row["mass_kg"] == pytest.approx(0.6, rel=1e-9)
    assert left_row["mass_kg"] == pytest.approx(0.4, rel=1e-9)
    assert right_row["activity_mbq"] == pytest.approx(0.6 * planned, rel=1e-9)
    assert left_row["activity_mbq"] == pytest.approx(0.4 * planned, rel=1e-9)
    assert right_row["mean_dose_gy"] == pytest.approx(60.0) == left_row["mean_dose_gy"]
    assert main(["plan", "--spect", files["scout"], "--liver-mask", files["liver"], "--lsf", "0",
                 "--injection", files["right"]]) == 2
    assert "injection = " in capsys.readouterr().err
    assert main(["plan", "--treated-mass-kg", "1", "--injection", f"a={files['right']}"]) == 2
    assert "injection = " in capsys.readouterr().err


@pytest.mark.parametrize(("lung_hu", "lung_density"), [(None, 0.26), (-800.0, 0.2)])
def test_plan_weighs_the_lungs_from_their_mask(images, tmp_path, capsys, lung_hu, lung_density):
    """Lung mass = lung voxels x voxel volume x density: inflated lung 0.26 g/mL (ICRP 89) without
    a CT; with a CT, 1 + HU/1000 below 0 HU (bilinear model, Kinahan et al. Med Phys 1998), 0.2
    g/mL at -800 HU. The lung dose then uses that mass (REFERENCE.md: A x LSF x E / m_lung)."""
    paths, arrays = images
    argv = ["plan", "--spect", str(paths["spect"]), "--liver-mask", str(paths["liver"]),
            "--lung-mask", str(paths["lungs"]), "--json"]
    if lung_hu is not None:
        ct = np.where(arrays["lungs"] > 0, lung_hu, 0.0)
        argv += ["--ct", str(write_nifti(_volume(ct, "HU"), tmp_path / "ct.nii.gz"))]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    lung_voxels = 6 * 14 * 14
    expected_kg = lung_voxels * 0.064 * lung_density / 1000.0
    assert record["lung_mass_kg"] == pytest.approx(expected_kg, rel=1e-9)
    assert record["lung_dose_gy"] == pytest.approx(
        record["activity_mbq"] * record["lung_shunt_fraction"] * 0.01587 / expected_kg, rel=1e-9)
