"""``hepar dose``: absorbed-dose map and tables from quantitative SPECT, written to a folder.

    hepar dose --spect post.nii.gz --time-h 20 --liver-mask liver.nii.gz --out OUT
    hepar dose --nuclide Lu-177 --spect d1.nii.gz --time-h 4 --spect d2.nii.gz --time-h 24 ...
    hepar dose ... --protocol site.yaml   (tissue density, 166Ho absorbed energy per MBq)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hepar.cli._output import echo_json


def register(app: typer.Typer) -> None:
    """Add the ``dose`` command to ``app``."""

    @app.command("dose")
    def dose_command(
        spect: Annotated[list[Path], typer.Option(
            help="SPECT in Bq/mL (NIfTI or NM RECON TOMO); repeat for several time points.")],
        out: Annotated[Path, typer.Option(help="Output folder.")],
        time_h: Annotated[list[float] | None, typer.Option(
            help="Hours after administration of each SPECT (166Ho: of the one scan).")] = None,
        nuclide: Annotated[str, typer.Option(help="Ho-166 or Lu-177.")] = "Ho-166",
        method: Annotated[str, typer.Option(
            help="local (deposition, EANM SOP) or kernel (voxel-kernel convolution).")] = "local",
        liver_mask: Annotated[Path | None, typer.Option(help="Liver mask (NIfTI).")] = None,
        lung_mask: Annotated[Path | None, typer.Option(help="Lung mask (NIfTI).")] = None,
        tumour_mask: Annotated[list[Path] | None, typer.Option(
            help="Tumour mask (NIfTI); repeat for each tumour.")] = None,
        body_mask: Annotated[Path | None, typer.Option(help="Body outline mask (NIfTI).")] = None,
        structures: Annotated[Path | None, typer.Option(
            help="RT Structure Set or SEG: 'liver', 'lungs', 'body', other regions = tumours.")]
        = None,
        ct: Annotated[Path | None, typer.Option(
            help="CT (DICOM folder or NIfTI, HU) for density scaling.")] = None,
        tac_model: Annotated[str, typer.Option(
            help="177Lu voxel fit: auto, mono, bi or trapezoid.")] = "auto",
        effective_half_life_h: Annotated[float | None, typer.Option(
            help="177Lu single time point: assumed effective half-life (default: Hänscheid).")]
        = None,
        administered_activity_mbq: Annotated[float | None, typer.Option(
            help="Administered activity at administration (for the biodistribution table).")]
        = None,
        combine_with: Annotated[list[Path] | None, typer.Option(
            help="Earlier hepar dose output (folder or summary.json) to add per VOI, with BED; "
            "repeat for each (e.g. the 177Lu cycles).")] = None,
        protocol: Annotated[str, typer.Option(
            help="Protocol version (registry, paper-v6) or file: tissue density and the 166Ho "
            "absorbed energy per MBq.")] = "registry",
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
        overwrite: Annotated[bool, typer.Option(
            "--overwrite", help="Replace an existing, non-empty --out folder whole.")] = False,
        unit: Annotated[str | None, typer.Option(
            help="Unit of a NIfTI SPECT that does not store one (Bq/mL); refused otherwise.")
        ] = None,
        frame_of_reference: Annotated[str | None, typer.Option(
            "--frame-of-reference", help="FrameOfReferenceUID of a NIfTI SPECT that stores none "
            "(to use it with a DICOM CT).")] = None,
        like: Annotated[Path | None, typer.Option(
            help="A DICOM image or series (the CT) whose frame of reference a NIfTI SPECT that "
            "stores none lies in.")] = None,
    ) -> None:
        """Compute the absorbed dose and write RT Dose, NIfTI, JSON and CSV tables to --out."""
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from hepar.services.dose_calculation import DOSE_STEPS, compute_dose

        console = Console(stderr=True)
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(),
            console=console, transient=True, disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("dose", total=len(DOSE_STEPS))

            def advance(step: str) -> None:
                index = DOSE_STEPS.index(step)
                progress.update(task, completed=index, description=step)

            summary = compute_dose(
                spect=spect, out=out, times_h=time_h or [], nuclide_name=nuclide, method=method,
                liver_mask=liver_mask, lung_mask=lung_mask, tumour_masks=tumour_mask or [],
                body_mask=body_mask, structures=structures, ct=ct, tac_model=tac_model,
                effective_half_life_h=effective_half_life_h,
                administered_activity_mbq=administered_activity_mbq,
                combine_with=combine_with or [], protocol=protocol, progress=advance,
                overwrite=overwrite, unit=unit, frame_of_reference_uid=frame_of_reference,
                like=like,
            )
            progress.update(task, completed=len(DOSE_STEPS), description="done")
        if as_json:
            echo_json(summary)
            return
        typer.echo(f"{summary['nuclide']} dose ({summary['method']}, {summary['tia_method']}): "
                   f"maximum {summary['max_dose_gy']:.1f} Gy")
        typer.echo(f"  protocol {summary['protocol']}: {summary['absorbed_energy_mj_per_mbq']:.4g} "
                   f"mJ/MBq; density {summary['density']}")
        if summary["region_density_g_per_ml"]:
            typer.echo("  mean density: " + ", ".join(
                f"{name} {value:.3g} g/mL"
                for name, value in summary["region_density_g_per_ml"].items()))
        for row in summary["voi_metrics"]:
            typer.echo(f"  {row['name']}: mean {row['mean_gy']:.1f} Gy, D70 {row['D70_gy']:.1f} "
                       f"Gy, mass {row['mass_g']:.0f} g")
        for row in summary["combined"]:
            typer.echo(f"  {row['voi']} all deliveries: {row['total_dose_gy']:.1f} Gy, BED "
                       f"{row['total_bed_gy']:.1f} Gy (alpha/beta {row['alpha_beta_gy']:g} Gy)")
        if summary["tumour_to_non_tumour"] is not None:
            typer.echo(f"  tumour-to-non-tumour ratio {summary['tumour_to_non_tumour']:.2f}")
        for text in summary["assumptions"]:
            typer.echo(f"  assumed: {text}")
        typer.echo(f"written to {out}: " + ", ".join(sorted(Path(p).name for p in
                                                          summary["files"].values())))
