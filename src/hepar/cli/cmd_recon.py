"""``hepar recon``: quantitative SPECT (Bq/mL) from NM projections and the session's CT.

    hepar recon nm/ho166_treatment.dcm --ct ct/treatment --camera camera.json --out recon
    hepar recon bed1.dcm bed2.dcm --ct ct/ --normalise-to-mbq 2400 --out recon
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``recon`` command to ``app``."""

    @app.command("recon")
    def recon_command(
        projections: Annotated[list[Path], typer.Argument(
            help="NM TOMO file; several files are the bed positions of one SPECT.")],
        ct: Annotated[Path, typer.Option("--ct", help="CT of the session (DICOM folder or "
                                         "NIfTI in HU).")],
        out: Annotated[Path, typer.Option("--out", help="Output folder (new).")],
        camera: Annotated[Path | None, typer.Option(
            "--camera", help="camera.json from hepar calibrate (absolute quantification).")
        ] = None,
        normalise_to_mbq: Annotated[float | None, typer.Option(
            "--normalise-to-mbq", help="Without --camera: scale to this activity (MBq) in the "
            "field of view at acquisition start.")] = None,
        isotope: Annotated[str | None, typer.Option(
            "--isotope", help="Ho-166 or Lu-177 (default: the one the file names).")] = None,
        iterations: Annotated[int, typer.Option("--iterations", help="OSEM iterations.")] = 4,
        subsets: Annotated[int, typer.Option("--subsets", help="OSEM subsets.")] = 8,
        collimator: Annotated[str | None, typer.Option(
            "--collimator", help="LEHR, ME, MELP or MEGP (default: the camera file's, else the "
            "projections', else ME).")] = None,
        post_filter_fwhm_mm: Annotated[float | None, typer.Option(
            "--post-filter-fwhm-mm", help="Gaussian post-filter FWHM (mm).")] = None,
        overwrite: Annotated[bool, typer.Option(
            "--overwrite", help="Replace a folder that hepar recon wrote.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print recon.json.")] = False,
    ) -> None:
        """Reconstruct quantitative SPECT and write DICOM, NIfTI and recon.json to --out."""
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from hepar.services.reconstruction import reconstruct_files

        console = Console(stderr=True)
        with Progress(TextColumn("[bold]OSEM"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("iterations"), TimeElapsedColumn(), console=console,
                      transient=True, disable=not console.is_terminal) as bar:
            task = bar.add_task("osem", total=iterations)

            def advance(done: int, total: int) -> None:
                # reconstruct reports every subset update; the bar counts iterations
                bar.update(task, completed=iterations * done / max(total, 1))

            record = reconstruct_files(
                projections, ct=ct, out=out, camera=camera, normalise_to_mbq=normalise_to_mbq,
                isotope=isotope, iterations=iterations, subsets=subsets, collimator=collimator,
                post_filter_fwhm_mm=post_filter_fwhm_mm, overwrite=overwrite, progress=advance,
            )
        if as_json:
            typer.echo(json.dumps(record, indent=2, default=str))
            return
        typer.echo(f"{record['isotope']}: {record['total_activity_mbq']:.1f} MBq in the field of "
                   f"view at {record['acquisition_start']} ({record['iterations']} iterations x "
                   f"{record['subsets']} subsets)")
        typer.echo(f"  calibration: {record['calibration']} ({record['calibration_detail']})")
        for note in record["notes"]:
            typer.echo(f"  note: {note}")
        typer.echo(f"written to {out}: " + ", ".join(record["files"].values()))
