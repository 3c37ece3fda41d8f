"""``hepar user add USERNAME --full-name NAME --role ROLE [--site CODE] [--by ADMIN]
[--password-file FILE] [--json]``: a user of the web application, with a password.

The password is read from ``--password-file`` (its first line) or asked for twice at a prompt;
never from an argument (it would stay in the shell history and the process list). The first user
of an empty database must be ``--role admin``: it creates the schema and the study.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hepar.cli._output import echo_json
from hepar.errors import InvalidValueError


def _password(path: Path | None) -> str:
    if path is None and sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    if path is None:  # piped: the password twice, as typed at the prompt (no echo warnings)
        lines = sys.stdin.read().splitlines()
        if len(lines) < 2 or not lines[0]:
            raise InvalidValueError(field="password", value="<withheld>",
                                    expected="the password twice on standard input, one line "
                                    "each (or --password-file FILE)")
        if lines[0] != lines[1]:
            raise InvalidValueError(field="password", value="<withheld>",
                                    expected="the same password on both lines")
        return lines[0]
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidValueError(field="--password-file", value=str(path),
                                expected=f"a readable UTF-8 text file ({error})") from None
    if not lines or not lines[0]:
        raise InvalidValueError(field="--password-file", value=str(path),
                                expected="a file whose first line is the password")
    return lines[0]


def register(app: typer.Typer) -> None:
    """Add the ``user`` command group to ``app``."""
    user = typer.Typer(help="Users of the web application.", no_args_is_help=True)

    @user.command("add")
    def add_command(
        username: Annotated[str, typer.Argument(help="User name (sign-in name).")],
        full_name: Annotated[str, typer.Option("--full-name", help="The person's name.")],
        role: Annotated[str, typer.Option(
            "--role", help="admin, investigator, research_nurse, physicist, radiologist, "
                           "statistician or monitor.")],
        site: Annotated[str | None, typer.Option(
            "--site", help="Site code (none: study-wide).")] = None,
        by: Annotated[str | None, typer.Option(
            "--by", help="The admin adding this user (not for the first admin).")] = None,
        password_file: Annotated[Path | None, typer.Option(
            "--password-file", help="File whose first line is the password (else a prompt).")
        ] = None,
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Register a user with a password (argon2id); the first one creates the study."""
        from dataclasses import asdict

        from hepar.cli._database import open_store
        from hepar.services.web_users import add_web_user

        password = _password(password_file)
        with open_store(None, write=True, option=None) as store:
            new = add_web_user(store, username=username, full_name=full_name, role=role,
                               site_code=site, by=by, password=password)
        if as_json:
            echo_json(asdict(new))
        else:
            where = new.site or "every site"
            typer.echo(f"{new.username}: {new.role} at {where}"
                       + (" (first admin; study created)" if new.first_admin else ""))

    app.add_typer(user, name="user")
