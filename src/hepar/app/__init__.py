"""hepar.app: the study team's web application and REST API (FastAPI, Jinja2 pages).

:func:`create_app` builds the app over a :class:`hepar.store.Store`; ``hepar serve`` runs it with
uvicorn. Routes are thin: each is one call into :mod:`hepar.services`. OpenAPI at ``/docs``.
"""

from ._factory import SECRET_ENV_VAR, create_app

__all__ = ["SECRET_ENV_VAR", "create_app"]
