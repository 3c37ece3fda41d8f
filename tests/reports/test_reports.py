"""Both reports rendered to PDF: pages, tables and a figure's data against its table."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

# the analysis tests' virtual-study helper builds the records (tests/analysis/virtual_study.py)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from virtual_study import build_virtual_study

from hepar.analysis import StudyAnalysis, analyse_study, waterfall_figure
from hepar.dosimetry import analyse_scout, dose_volume_histogram
from hepar.errors import InvalidValueError
from hepar.imaging import Mask, VolumeUnit
from hepar.io import load_protocol, load_study_questionnaires
from hepar.phantoms import generate_virtual_patient
from hepar.physics import BQ_PER_MBQ
from hepar.reports import (
    FusedSlice,
    PatientDosimetryReport,
    Provenance,
    sha256_bytes,
    write_patient_dosimetry_report,
    write_study_report,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analysis() -> StudyAnalysis:
    protocol = load_protocol("registry")
    study = build_virtual_study(6, protocol, seed=2)
    return analyse_study(study.screening, study.patients, protocol,
                         questionnaires=load_study_questionnaires(),
                         notes=["Doses come from the virtual patients' true activity maps."])


def _provenance() -> Provenance:
    return Provenance(protocol_label="registry", protocol_sha256=sha256_bytes(b"protocol"),
                      database_export_sha256=sha256_bytes(b"export"),
                      inputs={"records.json": sha256_bytes(b"records")})


def _text(pdf: Path) -> tuple[int, str]:
    reader = PdfReader(str(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_study_report_pdf_has_every_table_and_the_provenance(analysis: StudyAnalysis,
                                                            tmp_path: Path) -> None:
    paths = write_study_report(analysis, tmp_path / "report", _provenance())
    assert paths.pdf is not None and paths.pdf.is_file() and paths.html.is_file()
    pages, text = _text(paths.pdf)
    assert pages >= 6
    for number in range(1, 14):
        assert f"Table {number}:" in text
    for number in range(1, 9):
        assert f"Figure {number}:" in text
    assert analysis.primary.per_protocol.as_text() in " ".join(text.split())
    flat = re.sub(r"\s+", "", text)  # hashes wrap across lines in the PDF
    assert sha256_bytes(b"export") in flat and sha256_bytes(b"records") in flat
    assert set(paths.figures) >= {"consort", "waterfall", "swimmer", "km_pfs", "km_os", "qol",
                                  "dose_response", "bland_altman"}
    assert all(p.stat().st_size > 1000 for p in paths.figures.values())


def test_waterfall_bars_equal_the_response_table(analysis: StudyAnalysis, tmp_path: Path
                                                 ) -> None:
    paths = write_study_report(analysis, tmp_path / "report", _provenance(), pdf=False)
    html = paths.html.read_text(encoding="utf-8")
    table = html.split('id="responses"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>(HEPAR-V\d+)</td><td>[^<]*</td><td class=\"num\">([-\d.]+)</td>",
                      table)
    from_table = sorted(float(v) for _, v in rows)
    figure = waterfall_figure(analysis.responses)
    bars = sorted(round(p.get_height(), 1) for p in figure.axes[0].patches)
    assert len(rows) == len(analysis.responses)
    assert bars == from_table


def test_a_folder_not_written_by_a_report_is_not_replaced(analysis: StudyAnalysis,
                                                          tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "keep.txt").write_text("x")
    with pytest.raises(InvalidValueError, match="out_dir"):
        write_study_report(analysis, target, _provenance(), pdf=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


@pytest.fixture(scope="module")
def example() -> PatientDosimetryReport:
    """A tiny virtual patient's plan (scout analysed on its true activity), DVHs and a slice."""
    patient = generate_virtual_patient(7, "tiny")
    grid = patient.grid
    masks = {m.name: m for m in patient.masks(on_ct=False)}
    scan = next(s for s in patient.scans if s.name == "ho166_scout")
    scout = grid.with_array(scan.activity_mbq["Ho-166"] * BQ_PER_MBQ / grid.voxel_volume_ml,
                            VolumeUnit.BQ_PER_ML)
    lungs = Mask.on_grid_of("lungs", grid, np.clip(
        masks["lung right"].fraction + masks["lung left"].fraction, 0, 1))
    tumours = [masks[lesion.name] for lesion in patient.anatomy.lesions if lesion.treated]
    plan = analyse_scout(scout, masks["treated liver"], lungs=lungs, tumours=tumours,
                         treatment_activity_mbq=patient.treatment.administered_mbq)
    dose = grid.with_array(patient.dose_gy["ho166_treatment"], VolumeUnit.GY)
    dvhs = [dose_volume_histogram(dose, masks["treated liver"]),
            *(dose_volume_histogram(dose, m) for m in tumours[:2])]
    ct = patient.anatomy.ct_numbers(patient.labels).array
    z = int(np.argmax(patient.dose_gy["ho166_treatment"].sum(axis=(1, 2))))
    spacing = grid.spacing_mm
    return PatientDosimetryReport(
        patient_id=patient.patient_id, protocol_label="registry", scout=plan, dvhs=dvhs,
        slices=[FusedSlice("Post-treatment dose on CT", ct[z], dose.array[z],
                           (spacing[1], spacing[2]))],
        administered_activity_mbq=patient.treatment.administered_mbq)


def test_patient_dosimetry_report_pdf(example: PatientDosimetryReport, tmp_path: Path) -> None:
    paths = write_patient_dosimetry_report(example, tmp_path / "dosimetry", _provenance())
    pages, text = _text(paths.pdf)
    assert pages >= 2
    for title in ("Table 1: Treatment plan", "Table 3: Scout-predicted dose per VOI",
                  "Table 5: Dose per VOI", "Figure 1: Post-treatment dose on CT",
                  "Figure 2: Cumulative DVHs"):
        assert title in " ".join(text.split())
    # the dose table shows each DVH's mean (1 decimal), the numbers the DVH figure draws
    for dvh in example.dvhs:
        assert f"{dvh.mean_gy:.1f}" in text
    assert f"{example.administered_activity_mbq:.1f}" in text


def test_study_report_shows_example_dvhs_and_fused_slice(analysis: StudyAnalysis,
                                                         example: PatientDosimetryReport,
                                                         tmp_path: Path) -> None:
    paths = write_study_report(analysis, tmp_path / "report", _provenance(), examples=[example])
    assert paths.pdf is not None
    _, text = _text(paths.pdf)
    flat = " ".join(text.split())
    assert f"Figure 9: Post-treatment DVHs of {example.patient_id}" in flat
    assert f"Figure 10: Fused SPECT/CT slice of {example.patient_id}" in flat


def test_patient_dvh_figure_agrees_with_the_dose_table(example: PatientDosimetryReport,
                                                       tmp_path: Path) -> None:
    # The table's V100 and V150 lie between the DVH figure's curve at the bin edges around
    # 100 and 150 Gy (a cumulative DVH falls monotonically), and each legend's mean is the
    # table's mean; the table is read back from the rendered HTML.
    from hepar.analysis import dvh_figure

    paths = write_patient_dosimetry_report(example, tmp_path / "dosimetry", _provenance())
    table = paths.html.read_text(encoding="utf-8").split('id="dose"')[1].split("</table>")[0]
    rows = {cells[0]: [float(c) for c in cells[1:]] for cells in (
        re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in table.split("<tr>")[2:])}
    figure = dvh_figure(example.dvhs)
    lines = figure.axes[0].get_lines()
    assert len(lines) == len(example.dvhs) == len(rows)
    for line, dvh in zip(lines, example.dvhs, strict=True):
        mass_g, mean_gy, _, _, v100, v150, _ = rows[dvh.name]
        legend_mean_gy = float(str(line.get_label()).split("mean ")[1].split(" Gy")[0])
        assert legend_mean_gy == pytest.approx(mean_gy, abs=0.55)  # 0 vs 1 decimal shown
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        for level, shown in ((100.0, v100), (150.0, v150)):
            below, above = x <= level, x >= level
            high = float(y[below][-1]) if below.any() else 100.0
            low = float(y[above][0]) if above.any() else 0.0
            assert low - 0.05 <= shown <= high + 0.05  # the table rounds to 0.1 %
        assert mass_g == pytest.approx(dvh.mass_g, abs=0.05)
