"""The task runner of the pipeline: independent tasks in this process, on a Dask
``LocalCluster`` of N worker processes (one thread each), or on any Dask scheduler by address.

Used by ``hepar demo --patients N`` (:func:`hepar.pipeline.run_jobs`) and ``hepar batch``
(:func:`hepar.pipeline.run_batch`). A task returns its result (a patient's failure is a result
too: the task catches it); results come back to the calling process as they complete, so that
one process (the caller) is the only writer of the study database.

A worker that dies during a task (killed, out of memory) is replaced by its nanny and the task is
rescheduled on another worker (Dask's ``distributed.scheduler.allowed-failures``, 3 by
default); a task is written so that a second run of it is harmless (its folder is built
beside the target and renamed when complete).
"""

from __future__ import annotations

import importlib.util
import logging
import re
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["check_scheduler_address", "dashboard_note", "run_tasks"]

Item = TypeVar("Item")
Result = TypeVar("Result")

#: ``tcp://HOST:PORT`` or ``tls://HOST:PORT`` (HOST a name, an IPv4 address or ``[IPv6]``).
_ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")
_MAX_PORT = 65535
#: seconds to wait for the scheduler's TCP port before refusing the address
CONNECT_TIMEOUT_S = 5.0


def check_scheduler_address(address: str, *, option: str = "--scheduler",
                            reachable: bool = True) -> str:
    """Check a Dask scheduler address before any computation: its form ``tcp://HOST:PORT``
    (or ``tls://``), a port in 1..65535 and, with ``reachable``, that something listens there
    (a TCP connection within :data:`CONNECT_TIMEOUT_S`).

    Raises
    ------
    InvalidValueError
        Naming ``option``.
    """
    from hepar.errors import InvalidValueError

    match = _ADDRESS.match(address)
    if match is None:
        raise InvalidValueError(field=option, value=address,
                                expected="a Dask scheduler address tcp://HOST:PORT")
    host, port = match.group(2).strip("[]"), int(match.group(3))
    if not 1 <= port <= _MAX_PORT:
        raise InvalidValueError(field=option, value=address,
                                expected=f"a port between 1 and {_MAX_PORT}")
    if reachable:
        try:
            with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
                pass
        except OSError as error:
            raise InvalidValueError(
                field=option, value=address,
                expected=f"a running Dask scheduler (connecting failed: "
                f"{error.strerror or type(error).__name__})") from None
    return address


def _bokeh_installed() -> bool:
    return importlib.util.find_spec("bokeh") is not None


def dashboard_note(client: Any, *, local: bool) -> str:
    """The Dask dashboard's address, or why there is none (whether bokeh is installed where
    the scheduler runs: here when ``local``, else asked of the scheduler)."""
    bokeh = _bokeh_installed() if local else bool(client.run_on_scheduler(_bokeh_installed))
    if not bokeh:
        return "no dashboard (bokeh not installed)"
    if "dashboard" in client.scheduler_info().get("services", {}):
        return f"Dask dashboard: {client.dashboard_link}"
    return "no dashboard (the scheduler runs none)"


@contextmanager
def _client(workers: int, scheduler: str | None) -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler, timeout=CONNECT_TIMEOUT_S * 2) as client:
            yield client
        return
    # a free port (the scheduler's HTTP server runs even without bokeh; 8787 may be taken)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        yield client


def run_tasks(function: Callable[[Item], Result], items: Sequence[Item], *,
              keys: Sequence[str], workers: int = 1, scheduler: str | None = None,
              on_result: Callable[[int, Result], None] | None = None,
              on_start: Callable[[str], None] | None = None) -> list[Result]:
    """``function(item)`` for every item, in the order of ``items``.

    In this process when ``workers`` is 1 and no ``scheduler`` is given; else one Dask task per
    item (task key ``keys[i]``, which must be unique) on a ``LocalCluster`` of ``workers``
    processes or on the scheduler at ``scheduler``. ``on_result(i, result)`` is called in this
    process as each task completes; ``on_start(note)`` once the cluster is up, with
    :func:`dashboard_note` (or ``"in this process"``).
    """
    if len(keys) != len(items) or len(set(keys)) != len(keys):
        from hepar.errors import InvalidValueError

        raise InvalidValueError(field="keys", value=len(set(keys)),
                                expected=f"one unique task key per item ({len(items)})")
    found: dict[int, Result] = {}

    def collect(index: int, result: Result) -> None:
        found[index] = result
        if on_result is not None:
            on_result(index, result)

    if workers <= 1 and scheduler is None:
        if on_start is not None:
            on_start("in this process")
        for index, item in enumerate(items):
            collect(index, function(item))
        return [found[i] for i in range(len(items))]
    from dask.distributed import as_completed

    with _client(workers, scheduler) as client:
        if on_start is not None:
            on_start(dashboard_note(client, local=scheduler is None))
        futures = {client.submit(function, item, key=key, pure=False, retries=1): index
                   for index, (item, key) in enumerate(zip(items, keys, strict=True))}
        for future in as_completed(list(futures)):
            collect(futures[future], future.result())
    return [found[i] for i in range(len(items))]
