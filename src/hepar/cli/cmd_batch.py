"""``hepar batch STUDIES_DIR``: the per-patient imaging pipeline (ingest -> reconstruct -> plan
-> dose) over a folder of patient studies, on a Dask ``LocalCluster`` or any scheduler, with the
results in the study database (:mod:`hepar.pipeline`, README "hepar batch")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

#: exit status when at least one patient failed (the others are done); README.
EXIT_PATIENT_FAILED = 3


def _print_summary(summary: dict[str, Any]) -> None:
    failed = len(summary["failed"])
    print(f"{summary['patients']} patients: {summary['done']} done, {summary['skipped']} "
          f"skipped (already done), {failed} failed")
    for result in summary["results"]:
        tumour = result["tumour_gy"]
        print(f"  {result['patient_id']} ({result['status']}): planned "
              f"{result['planned_activity_mbq']:.0f} MBq, LSF "
              f"{100 * result['lung_shunt_fraction']:.1f} %, treated liver "
              f"{result['treated_liver_mean_gy'] or 0:.1f} Gy, tumour "
              + ("-" if tumour is None else f"{tumour:.1f} Gy"))
    print(f"results: {summary['out']}; database: {summary['database']} "
          f"({summary['recorded']} processing run(s) recorded now)")


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command to ``app``."""

    @app.command("batch")
    def batch_command(
        studies_dir: Annotated[Path, typer.Argument(
            metavar="STUDIES_DIR", help="Folder with one sub-folder per patient study (the "
            "layout of hepar phantom: nm/, ct/, seg/); the sub-folder's name is the study ID.")],
        scheduler: Annotated[str | None, typer.Option(
            "--scheduler", help="Address tcp://HOST:PORT of a running Dask scheduler (default: "
            "a LocalCluster on this machine).")] = None,
        workers: Annotated[int | None, typer.Option(
            "--workers", help="LocalCluster worker processes, one thread each (default: the "
            "CPU count; 1: in this process).")] = None,
        out: Annotated[Path, typer.Option(
            "--out", help="Folder of the per-patient outputs (new, empty or an earlier batch's "
            "to resume).")] = Path("batch-output"),
        camera: Annotated[Path | None, typer.Option(
            "--camera", help="Camera calibration file of hepar calibrate (default: "
            "STUDIES_DIR/camera.json).")] = None,
        user: Annotated[str, typer.Option(
            "--user", help="Study database user who records the runs (a physicist).")
                        ] = "virtual.physicist",
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")
                           ] = False,
    ) -> None:
        """Reconstruct, plan and dose every patient study of STUDIES_DIR on Dask; record the
        results in the study database ($HEPAR_DATABASE_URL, default sqlite:///hepar.db).
        Exit status 0: every patient done or skipped; 3: at least one patient failed (each
        printed on stderr); 2: bad input, nothing computed."""
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from hepar.cli._output import echo_json
        from hepar.pipeline import check_batch, run_batch

        plan = check_batch(studies_dir, out=out, camera=camera, workers=workers,
                           scheduler=scheduler, user=user)
        console = Console(stderr=True)
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn(
                "{task.completed}/{task.total}"), TimeElapsedColumn(), console=console,
                disable=not console.is_terminal) as bar:
            task = bar.add_task("patients", total=len(plan.jobs))

            def say(text: str) -> None:
                bar.console.print(text, markup=False, highlight=False)

            summary = run_batch(
                plan, progress=lambda done, total: bar.update(task, completed=done, total=total),
                on_start=say, on_failure=lambda f: say(
                    f"patient {f.patient_id} failed: {f.error}: {f.message}"))
        if as_json:
            echo_json(summary)
        else:
            _print_summary(summary)
        if summary["failed"]:
            raise typer.Exit(EXIT_PATIENT_FAILED)
