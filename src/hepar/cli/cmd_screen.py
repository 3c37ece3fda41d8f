"""``hepar screen CANDIDATE.json [--protocol registry|paper-v6|FILE] [--json]``: eligibility."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hepar.cli._output import echo_json

_VERDICT_STYLE = {
    "met": "green",
    "not met": "green",
    "needs attestation": "yellow",
    "missing data": "yellow",
}


def register(app: typer.Typer) -> None:
    """Add the ``screen`` command to ``app``."""

    @app.command("screen")
    def screen_command(
        candidate: Annotated[Path, typer.Argument(help="Candidate record (JSON).")],
        protocol: str = typer.Option(
            "registry", "--protocol", help="Protocol: registry, paper-v6 or a protocol YAML file."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Evaluate every inclusion and exclusion criterion of the protocol on a candidate."""
        from hepar.services.clinical_screen import screen_candidate_file

        result = screen_candidate_file(candidate, protocol)
        if as_json:
            echo_json(result)
            return
        from rich.console import Console
        from rich.table import Table

        console = Console()
        title = f"screening {result['candidate']}"
        table = Table("id", "verdict", "value", "threshold", title=title)
        for row in result["criteria"]:
            failing = (row["type"] == "inclusion" and row["verdict"] == "not met") or (
                row["type"] == "exclusion" and row["verdict"] == "met"
            )
            style = "bold red" if failing else _VERDICT_STYLE[row["verdict"]]
            table.add_row(
                row["id"],
                f"[{style}]{row['verdict']}[/{style}]",
                row["value"] or "",
                row["threshold"],
            )
        console.print(table)
        console.print(f"protocol: {result['protocol']}")
        console.print(f"[bold]eligible: {result['eligible']}[/bold]")
        for reason in result["screen_failure_reasons"]:
            console.print(f"  screen failure: {reason}", markup=False)
        if result["missing_data"]:
            console.print(f"  missing data: {', '.join(result['missing_data'])}")
        if result["pending_attestation"]:
            console.print(f"  needs attestation: {', '.join(result['pending_attestation'])}")
