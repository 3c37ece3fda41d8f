"""``hepar db upgrade | export | import | load-virtual``: the study database.

The database is ``--database URL``, else ``$HEPAR_DATABASE_URL``, else the SQLite file
``./hepar.db``. SQLAlchemy and the services are imported inside the commands (``hepar --version``
stays fast).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

_DATABASE_HELP = "SQLAlchemy URL of the study database (default: $HEPAR_DATABASE_URL or " \
                 "sqlite:///hepar.db)."
DatabaseOption = Annotated[str | None, typer.Option("--database", help=_DATABASE_HELP)]


def register(app: typer.Typer) -> None:
    """Add the ``db`` command group to ``app``."""
    db = typer.Typer(help="The study database (SQLite by default, PostgreSQL for a multi-site "
                          "study).", no_args_is_help=True)

    @db.command("upgrade")
    def upgrade_command(database: DatabaseOption = None) -> None:
        """Create the database or upgrade its schema to this version of hepar."""
        from hepar.services.study_data import upgrade_database
        from hepar.store import Store

        store = Store(database)
        result = upgrade_database(store)
        typer.echo(f"{result['database']}: schema at revision {result['revision']}")

    @db.command("export")
    def export_command(
        format: Annotated[str, typer.Option("--format", help="odm or csv.")],
        out: Annotated[Path, typer.Option("--out", help="Folder to create (must not exist "
                                                         "or be empty).")],
        database: DatabaseOption = None,
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace a non-empty --out."),
    ) -> None:
        """Export the study: CDISC ODM 1.3.2 with audit records, or CSV (one file per form)."""
        from hepar.services.study_data import export_study
        from hepar.store import Store

        counts = export_study(Store(database), out, format=format, overwrite=overwrite)
        typer.echo(f"{out}: {len(counts)} file(s) written")

    @db.command("import")
    def import_command(
        file: Annotated[Path, typer.Argument(help="An ODM file written by hepar db export.")],
        database: DatabaseOption = None,
    ) -> None:
        """Rebuild an EMPTY database from an ODM export (its audit chain is checked first)."""
        from hepar.services.study_data import import_study
        from hepar.store import Store

        counts = import_study(Store(database), file)
        records = sum(v for k, v in counts.items() if k != "audit_log")
        typer.echo(f"imported {records} records and {counts['audit_log']} audit rows")

    @db.command("load-virtual")
    def load_virtual_command(
        patients: Annotated[int, typer.Option("--patients", help="Enrolled virtual patients.")],
        seed: int = typer.Option(0, "--seed", help="Cohort seed."),
        database: DatabaseOption = None,
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Load N virtual patients (hepar.phantoms) and the cohort's screen failures, through
        the same audited use cases as a site's staff."""
        from dataclasses import asdict

        from hepar.services.study_data import upgrade_database
        from hepar.services.study_virtual import load_virtual_patients
        from hepar.store import Store

        store = Store(database)
        upgrade_database(store)
        if sys.stderr.isatty():  # a progress bar only for a person watching
            from rich.console import Console
            from rich.progress import Progress

            from hepar.phantoms import cohort_plan

            total = len(cohort_plan(patients, seed=seed))
            with Progress(console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("loading virtual patients", total=total)
                report = load_virtual_patients(
                    store, n_patients=patients, seed=seed,
                    progress=lambda message: bar.update(task, advance=1, description=message))
        else:
            report = load_virtual_patients(store, n_patients=patients, seed=seed)
        if as_json:
            typer.echo(json.dumps(asdict(report)))
            return
        typer.echo(f"loaded {report.enrolled} enrolled patients and {report.screen_failures} "
                   f"screen failures ({report.skipped} already there); "
                   f"{report.audit_rows} audit rows")

    app.add_typer(db, name="db")
