"""``hepar audit verify [--json]``: recompute the audit chain and replay it against the tables.

Exit status 0 when the trail verifies, 1 when it does not (the first broken row is named).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

_DATABASE_HELP = "SQLAlchemy URL of the study database (default: $HEPAR_DATABASE_URL or " \
                 "sqlite:///hepar.db)."


def register(app: typer.Typer) -> None:
    """Add the ``audit`` command group to ``app``."""
    audit = typer.Typer(help="The study's audit trail.", no_args_is_help=True)

    @audit.command("verify")
    def verify_command(
        database: Annotated[str | None, typer.Option("--database", help=_DATABASE_HELP)] = None,
        as_json: bool = typer.Option(False, "--json", help="Print JSON (ok, rows, "
                                                           "first_broken_row, record, problem)."),
    ) -> None:
        """Check that no audit row and no data row was changed outside the audited path."""
        from hepar.cli._database import open_store
        from hepar.services.study_data import verify_audit_trail

        with open_store(database, write=False) as store:
            report = verify_audit_trail(store)
        if as_json:
            typer.echo(json.dumps(report.to_json()))
        elif report.ok:
            typer.echo(f"audit trail verifies: {report.rows} rows")
        else:
            typer.echo(f"audit trail BROKEN at row {report.first_broken_row} "
                       f"({report.record}): {report.problem}")
        if not report.ok:
            raise typer.Exit(1)

    app.add_typer(audit, name="audit")
