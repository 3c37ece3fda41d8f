"""``hepar calibrate``: camera sensitivity and dead time from a known source, to camera.json.

    hepar calibrate source.dcm --activity-mbq 100 --reference-time 2024-05-03T09:30:00+02:00 \\
        --out camera.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``calibrate`` command to ``app``."""

    @app.command("calibrate")
    def calibrate_command(
        acquisition: Annotated[Path, typer.Argument(
            help="NM STATIC (planar) or NM TOMO (SPECT) file of the calibration source.")],
        activity_mbq: Annotated[float, typer.Option(
            "--activity-mbq", help="Source activity at --reference-time (dose calibrator).")],
        reference_time: Annotated[str, typer.Option(
            "--reference-time", help="ISO 8601 time with UTC offset of that activity.")],
        out: Annotated[Path, typer.Option("--out", help="camera.json to write.")],
        isotope: Annotated[str | None, typer.Option(
            "--isotope", help="Source radionuclide (default: the one the file names).")] = None,
        collimator: Annotated[str | None, typer.Option(
            "--collimator", help="LEHR, ME, MELP or MEGP (default: the file's, else ME).")] = None,
        combine_with: Annotated[list[Path] | None, typer.Option(
            "--combine-with", help="Camera file of another single-isotope source of this "
            "camera to merge in (repeat).")] = None,
        overwrite: Annotated[bool, typer.Option(
            "--overwrite", help="Replace an existing --out file.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")
                           ] = False,
    ) -> None:
        """Calibrate the camera from an acquisition of a source of known activity."""
        from hepar.services.calibration import calibrate_file

        summary = calibrate_file(acquisition, activity_mbq=activity_mbq,
                                 reference_time=reference_time, out=out, isotope=isotope,
                                 collimator=collimator, combine_with=combine_with or [],
                                 overwrite=overwrite)
        if as_json:
            typer.echo(json.dumps(summary, indent=2, default=str))
            return
        typer.echo(f"Camera calibrated from {acquisition}: source "
                   f"{summary['source_activity_mbq']:.4g} MBq, acquired "
                   f"{summary['acquisition_start']}; collimator {summary['collimator']} "
                   f"({summary['collimator_source']}).")
        for row in summary["sensitivities"]:
            typer.echo(f"  {row['isotope']} {row['window']}: "
                       f"{row['sensitivity_cps_per_mbq']:.4g} cps/MBq")
        typer.echo(f"  dead time: tau {summary['dead_time_s']:.3g} s, alpha "
                   f"{summary['dead_time_alpha_cps_per_mbq']:.4g} cps/MBq (paralysable)")
        for note in summary["notes"]:
            typer.echo(f"  note: {note}")
        typer.echo(f"written to {out}")
