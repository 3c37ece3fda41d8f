"""Dosimetry: planning of 166Ho, time–activity fits, dose kernels and maps, DVH, BED.

Pure functions over :class:`hepar.imaging.Volume`/:class:`~hepar.imaging.Mask` and numbers
(physics, imaging, numpy, scipy only; no file formats). Limits come in as typed parameters
(:class:`PlanningLimits`); the services fill them from the protocol file.
"""

from ._administration import (
    ActivityMeasurement,
    AdministeredActivity,
    activity_at_mbq,
    administered_activity,
)
from ._bed import NORMAL_LIVER, TUMOUR, DoseComponent, Radiobiology, bed_gy, combined_bed_gy
from ._biodistribution import BiodistributionRow, biodistribution
from ._combined import CombinedVoiDose, combine_voi_doses
from ._convolution import fft_convolve_same
from ._density import LUNG_DENSITY_G_PER_ML, density_from_ct, density_from_regions
from ._dose_maps import (
    energy_per_decay_mev,
    kernel_convolution_dose,
    local_deposition_dose,
    permanent_implant_tia,
)
from ._dvh import DoseVolumeHistogram, dose_volume_histogram
from ._electron_transport import ElectronEmissions, RadialKernel, radial_kernel
from ._lesions import DoseReport, dose_report, tumour_to_non_tumour_ratio
from ._planning import (
    LimitCheck,
    PlanningLimits,
    QuickPlan,
    check_limits,
    lung_dose_gy,
    plan_activity,
    split_activity_by_mass,
)
from ._regions import (
    activity_in_mbq,
    non_tumour_liver,
    outside_of,
    region_mass_g,
    region_mean_density_g_per_ml,
)
from ._roles import RegionRole, Regions, region_role, resolve_regions
from ._scout import (
    ExtrahepaticDeposition,
    ScoutAnalysis,
    VoiPrediction,
    analyse_scout,
    lung_shunt_fraction,
)
from ._single_time_point import single_time_point_tia_mbq_h
from ._stopping_power import (
    collision_stopping_power_mev_cm2_per_g,
    csda_range_g_per_cm2,
    transport_mean_free_path_g_per_cm2,
)
from ._tac import TacFit, TacModel, check_time_points, fit_time_activity, trapezoid_tia_mbq_h
from ._tac_voxel import VoxelTacResult, fit_voxel_time_activity
from ._voxel_kernel import VoxelKernel, voxel_kernel

__all__ = [
    "LUNG_DENSITY_G_PER_ML",
    "NORMAL_LIVER",
    "TUMOUR",
    "ActivityMeasurement",
    "AdministeredActivity",
    "BiodistributionRow",
    "CombinedVoiDose",
    "DoseComponent",
    "DoseReport",
    "DoseVolumeHistogram",
    "ElectronEmissions",
    "ExtrahepaticDeposition",
    "LimitCheck",
    "PlanningLimits",
    "QuickPlan",
    "RadialKernel",
    "Radiobiology",
    "RegionRole",
    "Regions",
    "ScoutAnalysis",
    "TacFit",
    "TacModel",
    "VoiPrediction",
    "VoxelKernel",
    "VoxelTacResult",
    "activity_at_mbq",
    "activity_in_mbq",
    "administered_activity",
    "analyse_scout",
    "bed_gy",
    "biodistribution",
    "check_limits",
    "check_time_points",
    "collision_stopping_power_mev_cm2_per_g",
    "combine_voi_doses",
    "combined_bed_gy",
    "csda_range_g_per_cm2",
    "density_from_ct",
    "density_from_regions",
    "dose_report",
    "dose_volume_histogram",
    "energy_per_decay_mev",
    "fft_convolve_same",
    "fit_time_activity",
    "fit_voxel_time_activity",
    "kernel_convolution_dose",
    "local_deposition_dose",
    "lung_dose_gy",
    "lung_shunt_fraction",
    "non_tumour_liver",
    "outside_of",
    "permanent_implant_tia",
    "plan_activity",
    "radial_kernel",
    "region_mass_g",
    "region_mean_density_g_per_ml",
    "region_role",
    "resolve_regions",
    "single_time_point_tia_mbq_h",
    "split_activity_by_mass",
    "transport_mean_free_path_g_per_cm2",
    "trapezoid_tia_mbq_h",
    "tumour_to_non_tumour_ratio",
    "voxel_kernel",
]
