"""``hepar recist READS.json [--json]``: RECIST 1.1 responses per time point and best response."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hepar.cli._output import echo_json


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f} %"


def register(app: typer.Typer) -> None:
    """Add the ``recist`` command to ``app``."""

    @app.command("recist")
    def recist_command(
        reads: Annotated[
            Path, typer.Argument(help="Reads: settings, lesions, time points (JSON).")
        ],
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Assess RECIST 1.1 responses of one patient's reads (first time point = baseline)."""
        from hepar.services.clinical_recist import assess_reads_file

        result = assess_reads_file(reads)
        if as_json:
            echo_json(result)
            return
        from rich.console import Console
        from rich.table import Table

        console = Console()
        table = Table(title="RECIST 1.1")
        for header in ("date", "sum mm", "vs base", "vs nadir", "target", "non-target", "overall"):
            table.add_column(header, no_wrap=True)
        for row in result["timepoints"]:
            table.add_row(
                row["date"],
                "" if row["sum_mm"] is None else f"{row['sum_mm']:g}",
                _pct(row["change_from_baseline_pct"]),
                _pct(row["change_from_nadir_pct"]),
                row["target"] or "",
                row["non_target"] or "",
                f"[bold]{row['overall'] or 'baseline'}[/bold]",
            )
        console.print(table)
        for row in result["timepoints"]:
            console.print(f"{row['date']}: {row['reason']}", markup=False)
        console.print(
            f"[bold]best overall response: {result['best_overall_response']}[/bold] "
            f"({result['best_overall_response_reason']})"
        )
        progression = result["date_of_progression"] or "none"
        console.print(f"date of progression: {progression}")
        if result["duration_of_response_days"] is not None:
            censored = " (censored)" if result["duration_of_response_censored"] else ""
            days = result["duration_of_response_days"]
            console.print(f"duration of response: {days} days{censored} (from the first CR/PR)")
            cr_days = result["duration_of_complete_response_days"]
            if cr_days is not None:
                console.print(
                    f"duration of complete response: {cr_days} days{censored} (from the first CR)"
                )
