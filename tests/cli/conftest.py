"""Fixtures of the bad-input tests: the synthetic images of :mod:`cli_images`, the study
database of :mod:`cli_database`, the scanner files of :mod:`cli_nm`."""

from __future__ import annotations

from cli_database import study_database  # noqa: F401  (the session fixture)
from cli_images import images  # noqa: F401  (the session fixture)
from cli_nm import nm_files  # noqa: F401  (the session fixture)
