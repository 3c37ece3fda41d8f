"""``hepar ctcae grade --term ... --value ... --unit ... [--uln] [--lln] [--baseline] [--json]``
and ``hepar ctcae events AES.json``: CTCAE v4.03."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from hepar.cli._output import echo_json
from hepar.errors import InvalidValueError


def register(app: typer.Typer) -> None:
    """Add the ``ctcae`` command group to ``app``."""
    ctcae = typer.Typer(help="CTCAE v4.03 grading and adverse events.", no_args_is_help=True)

    @ctcae.command("grade")
    def grade_command(
        term: str = typer.Option(
            ..., "--term", help='CTCAE term, e.g. "Blood bilirubin increased".'
        ),
        value: float = typer.Option(..., "--value", help="Lab value."),
        unit: str = typer.Option(
            ..., "--unit", help="Unit of the value (umol/L, mg/dL, g/dL ...)."
        ),
        uln: float | None = typer.Option(None, "--uln", help="Upper limit of normal, same unit."),
        lln: float | None = typer.Option(None, "--lln", help="Lower limit of normal, same unit."),
        baseline: float | None = typer.Option(
            None, "--baseline", help="Patient's baseline value, same unit (creatinine)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
    ) -> None:
        """Grade a laboratory value (0-4) by CTCAE v4.03."""
        from hepar.services.clinical_ctcae import grade_lab_value

        result = grade_lab_value(term, value, unit, uln=uln, lln=lln, baseline=baseline)
        if as_json:
            echo_json(result)
            return
        from rich.console import Console

        console = Console()
        console.print(f"[bold]{result['term']}: grade {result['grade']}[/bold]")
        console.print(result["reason"], markup=False)

    @ctcae.command("events")
    def events_command(
        events: Annotated[Path, typer.Argument(help="Adverse-event records (JSON list).")],
        now: str | None = typer.Option(
            None, "--now", help="Evaluate SAE deadlines at this ISO time (default: now)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Worst grade per patient and term; serious adverse events and overdue reports."""
        from hepar.services.clinical_ctcae import adverse_event_summary_file

        moment = None
        if now is not None:
            try:
                moment = datetime.fromisoformat(now)
            except ValueError:
                moment = None
            if moment is None or moment.tzinfo is None:
                raise InvalidValueError(
                    field="--now", value=now, expected="an ISO 8601 time with a UTC offset"
                )
        result = adverse_event_summary_file(events, now=moment)
        if as_json:
            echo_json(result)
            return
        from rich.console import Console
        from rich.table import Table

        console = Console()
        worst = Table("patient", "term", "worst grade", "events", title="worst grades")
        for row in result["worst_grades"]:
            worst.add_row(
                row["patient_id"], row["term"], str(row["grade"]), ", ".join(row["events"])
            )
        console.print(worst)
        sae = Table(
            "event", "patient", "term", "deadline", "status", title="serious adverse events"
        )
        for row in result["serious_adverse_events"]:
            status = "[bold red]OVERDUE[/bold red]" if row["overdue"] else "ok"
            sae.add_row(row["event_id"], row["patient_id"], row["term"], row["deadline"], status)
        console.print(sae)

    app.add_typer(ctcae, name="ctcae")
