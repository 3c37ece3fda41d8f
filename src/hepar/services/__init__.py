"""hepar.services: the use cases, one module each (DESIGN.md, layer table).

Each public module is a use case (``planning``, ``dose_calculation``, ``clinical_screen``, ...);
the helpers they share are private modules (``_dose_inputs``, ``_dose_outputs``, ...). A service
holds no physical constant and no formula of its own: the science is in the layers below.
"""

from ._json import to_json

__all__ = ["to_json"]
