"""Image geometry: :class:`Volume`, :class:`Mask`, and the one resampling function.

Arrays are indexed ``(z, y, x)``; every volume carries a 4x4 affine from index to DICOM patient
coordinates (LPS, mm), its unit and its frame of reference UID (DESIGN.md, Conventions).
"""

from ._mask import Mask, mask_mass_g, mask_volume_ml
from ._recovery import MIN_RELIABLE_RECOVERY, RecoveryCurve, sphere_equivalent_diameter_mm
from ._resample import ResampleMethod, resample_to, to_sitk_image
from ._units import VolumeUnit
from ._volume import Volume, affine_from_geometry, new_frame_of_reference_uid

__all__ = [
    "MIN_RELIABLE_RECOVERY",
    "Mask",
    "RecoveryCurve",
    "ResampleMethod",
    "Volume",
    "VolumeUnit",
    "affine_from_geometry",
    "mask_mass_g",
    "mask_volume_ml",
    "new_frame_of_reference_uid",
    "resample_to",
    "sphere_equivalent_diameter_mm",
    "to_sitk_image",
]
