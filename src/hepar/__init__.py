"""hepar: an auditable platform for the HEPAR PLUS 166Ho radioembolization study.

The package is layered (see DESIGN.md): ``hepar.physics``, ``hepar.imaging``, ``hepar.spect``,
``hepar.dosimetry``, ``hepar.clinical`` and ``hepar.analysis`` hold the science and never
touch a file format; ``hepar.io`` turns files into typed records; ``hepar.cli`` is a thin
command layer.
Importing ``hepar`` has no side effects.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hepar")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
