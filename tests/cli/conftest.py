"""Fixtures of the bad-input tests: the synthetic images of :mod:`cli_images`."""

from __future__ import annotations

from cli_images import images  # noqa: F401  (the session fixture)
