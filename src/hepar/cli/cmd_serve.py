"""``hepar serve [--host 127.0.0.1] [--port 8000]``: the web application and REST API on the
database of ``HEPAR_DATABASE_URL`` (the embedded SQLite file ``./hepar.db`` by default)."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""

    @app.command("serve")
    def serve_command(
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    ) -> None:
        """Serve the pages and the API (OpenAPI at /docs) until stopped (Ctrl-C)."""
        import uvicorn

        from hepar.app import create_app
        from hepar.services.web_users import check_schema
        from hepar.store import Store

        store = Store()
        check_schema(store)
        typer.echo(f"hepar serving on http://{host}:{port} (API docs at /docs)", err=True)
        uvicorn.run(create_app(store), host=host, port=port, log_level="warning",
                    proxy_headers=True)
