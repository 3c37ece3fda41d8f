"""Physics: nuclide decay data, decay, absorbed energy per decay, photon attenuation (body
tissues and the gamma camera's lead and NaI(Tl)).

Pure functions over numbers and arrays (numpy, scipy); no file formats (DESIGN.md).
"""

from ._attenuation import (
    DEFAULT_CT_EFFECTIVE_ENERGY_KEV,
    MAX_ATTENUATION_ENERGY_KEV,
    MAX_DETECTOR_ENERGY_KEV,
    MIN_ATTENUATION_ENERGY_KEV,
    MIN_DETECTOR_ENERGY_KEV,
    DetectorMaterial,
    Material,
    MaterialComposition,
    composition_attenuation_per_cm,
    detector_attenuation_per_cm,
    detector_material_composition,
    hu_to_mu_per_cm,
    linear_attenuation_per_cm,
    material_composition,
)
from ._constants import (
    BQ_PER_MBQ,
    EV_PER_KEV,
    J_PER_MEV,
    KEV_PER_MEV,
    MJ_PER_J,
    ML_PER_L,
    MM_PER_CM,
    S_PER_H,
    SOFT_TISSUE_DENSITY_G_PER_ML,
)
from ._dead_time import HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ, HO166_DEAD_TIME_S
from ._decay import (
    decay_constant_per_h,
    decay_factor,
    decay_factor_over_h,
    elapsed_h,
    number_of_decays,
    time_integrated_activity_mbq_h,
)
from ._nuclide import (
    HO166_CLINICAL_ABSORBED_ENERGY_MJ_PER_MBQ,
    Nuclide,
    PhotonLine,
    beta_spectrum,
    canonical_nuclide_name,
    electron_lines,
    nuclide,
)
from ._planning import activity_for_mean_dose_mbq, mean_dose_gy

__all__ = [
    "BQ_PER_MBQ",
    "DEFAULT_CT_EFFECTIVE_ENERGY_KEV",
    "EV_PER_KEV",
    "HO166_CLINICAL_ABSORBED_ENERGY_MJ_PER_MBQ",
    "HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ",
    "HO166_DEAD_TIME_S",
    "J_PER_MEV",
    "KEV_PER_MEV",
    "MAX_ATTENUATION_ENERGY_KEV",
    "MAX_DETECTOR_ENERGY_KEV",
    "MIN_ATTENUATION_ENERGY_KEV",
    "MIN_DETECTOR_ENERGY_KEV",
    "MJ_PER_J",
    "ML_PER_L",
    "MM_PER_CM",
    "SOFT_TISSUE_DENSITY_G_PER_ML",
    "S_PER_H",
    "DetectorMaterial",
    "Material",
    "MaterialComposition",
    "Nuclide",
    "PhotonLine",
    "activity_for_mean_dose_mbq",
    "beta_spectrum",
    "canonical_nuclide_name",
    "composition_attenuation_per_cm",
    "decay_constant_per_h",
    "decay_factor",
    "decay_factor_over_h",
    "detector_attenuation_per_cm",
    "detector_material_composition",
    "elapsed_h",
    "electron_lines",
    "hu_to_mu_per_cm",
    "linear_attenuation_per_cm",
    "material_composition",
    "mean_dose_gy",
    "nuclide",
    "number_of_decays",
    "time_integrated_activity_mbq_h",
]
