"""Writing a dose calculation's results: RT Dose, NIfTI, JSON and CSV tables, all or nothing."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hepar.dosimetry import DoseVolumeHistogram
from hepar.imaging import Volume
from hepar.io import atomic_output_folder, write_nifti, write_rtdose

__all__ = ["DoseOutputs", "dvh_rows", "write_outputs"]

#: File names in the output folder (the ``hepar dose --out`` contract).
DoseOutputs = {
    "rt_dose": "dose_rtdose.dcm",
    "nifti": "dose_gy.nii.gz",
    "summary": "summary.json",
    "dvh": "dvh.csv",
    "voi_metrics": "voi_metrics.csv",
    "lesions": "lesions.csv",
    "biodistribution": "biodistribution.csv",
    "combined": "combined.csv",
}


def dvh_rows(dvhs: Iterable[DoseVolumeHistogram]) -> list[dict[str, Any]]:
    """Long-format DVH table: one row per VOI and dose bin edge."""
    rows: list[dict[str, Any]] = []
    for dvh in dvhs:
        for i, edge in enumerate(dvh.bin_edges_gy):
            rows.append({
                "voi": dvh.name,
                "dose_gy": float(edge),
                "cumulative_percent": 100.0 * float(dvh.cumulative[i]),
                "differential_percent": (
                    100.0 * float(dvh.differential[i]) if i < dvh.differential.size else 0.0
                ),
            })
    return rows


def _write_csv(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return "" if value is None else value


def write_outputs(
    out: str | Path,
    *,
    dose: Volume,
    summary: Mapping[str, Any],
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    dose_comment: str,
    overwrite: bool = False,
) -> dict[str, str]:
    """Write everything into a staging folder beside ``out``, then move it in place
    (:func:`hepar.io.atomic_output_folder`): a failure leaves ``out`` as it was, and with
    ``overwrite`` an existing ``out`` is replaced whole. Returns the written files by role."""
    target = Path(out)
    with atomic_output_folder(target, overwrite=overwrite) as staging:
        write_rtdose(dose, staging / DoseOutputs["rt_dose"], dose_comment=dose_comment[:10240])
        write_nifti(dose, staging / DoseOutputs["nifti"])
        written = {"rt_dose": DoseOutputs["rt_dose"], "nifti": DoseOutputs["nifti"]}
        for role, rows in tables.items():
            if rows:
                _write_csv(staging / DoseOutputs[role], rows)
                written[role] = DoseOutputs[role]
        written["summary"] = DoseOutputs["summary"]
        record = {**summary, "files": dict(written)}
        (staging / DoseOutputs["summary"]).write_text(
            json.dumps(record, indent=2, default=str, allow_nan=False), encoding="utf-8"
        )
    return {role: str(target / name) for role, name in written.items()}
