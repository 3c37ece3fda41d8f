"""``hepar serve [--host 127.0.0.1] [--port 8000]``: the web application and REST API on the
database of ``HEPAR_DATABASE_URL`` (the embedded SQLite file ``./hepar.db`` by default).

The host, the port and the database are checked before the server starts: a host that is not an
address of this machine, a port outside 1-65535 or already taken, or a missing database is one
``error:`` line (exit status 2), never uvicorn's log and traceback after start-up.
"""

from __future__ import annotations

import errno
import ipaddress
import re
import socket
from typing import Annotated

import typer

from hepar.errors import InvalidValueError

#: A host name (RFC 1123 labels); an IP address is checked by :mod:`ipaddress`.
_HOST_NAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


def _check_host(host: str) -> None:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOST_NAME.match(host) or re.fullmatch(r"[0-9.]+", host):
            raise InvalidValueError(field="--host", value=host,
                                    expected="an IP address or host name of this machine "
                                    "(e.g. 127.0.0.1, 0.0.0.0, localhost)") from None


def check_listen_address(host: str, port: int) -> None:
    """Refuse a host and port that the server could not listen on, by binding them once.

    Raises
    ------
    InvalidValueError
        Naming ``--host`` (not an address of this machine, a name that does not resolve) or
        ``--port`` (taken, or not allowed).
    """
    _check_host(host)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise InvalidValueError(field="--host", value=host,
                                expected=f"a host name that resolves on this machine ({error})"
                                ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as error:
            reason = error.strerror or str(error)
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                raise InvalidValueError(field="--port", value=port,
                                        expected=f"a free port this user may listen on "
                                        f"({reason})") from None
            raise InvalidValueError(field="--host", value=host,
                                    expected=f"an address of this machine ({reason})") from None


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""

    @app.command("serve")
    def serve_command(
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    ) -> None:
        """Serve the pages and the API (OpenAPI at /docs) until stopped (Ctrl-C)."""
        from hepar.cli._database import open_store

        check_listen_address(host, port)
        with open_store(None, write=False, option=None) as store:
            import uvicorn

            from hepar.app import create_app
            from hepar.services.web_users import check_schema

            check_schema(store)
            typer.echo(f"hepar serving on http://{host}:{port} (API docs at /docs)", err=True)
            uvicorn.run(create_app(store), host=host, port=port, log_level="warning",
                        proxy_headers=True)
