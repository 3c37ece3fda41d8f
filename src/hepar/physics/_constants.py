"""Physical constants and unit conversions, in one place (STYLE.md habit 3)."""

from __future__ import annotations

__all__ = [
    "BQ_PER_KBQ",
    "BQ_PER_MBQ",
    "EV_PER_KEV",
    "G_PER_KG",
    "HU_SCALE",
    "J_PER_MEV",
    "KEV_PER_MEV",
    "MGY_PER_GY",
    "MJ_PER_J",
    "ML_PER_L",
    "MM3_PER_ML",
    "MM_PER_CM",
    "MS_PER_S",
    "SOFT_TISSUE_DENSITY_G_PER_ML",
    "S_PER_H",
    "S_PER_MIN",
]

#: Joule per MeV (CODATA 2018: 1 eV = 1.602176634e-19 J, exact since the 2019 SI).
J_PER_MEV = 1.602176634e-13
#: keV per MeV.
KEV_PER_MEV = 1000.0
#: mJ per J.
MJ_PER_J = 1000.0
#: Bq per MBq.
BQ_PER_MBQ = 1.0e6
#: Bq per kBq.
BQ_PER_KBQ = 1.0e3
#: Seconds per hour.
S_PER_H = 3600.0
#: Seconds per minute.
S_PER_MIN = 60.0
#: Milliseconds per second (DICOM ActualFrameDuration is in ms).
MS_PER_S = 1000.0
#: mGy per Gy (voxel S-values are tabulated in mGy/(MBq s)).
MGY_PER_GY = 1000.0
#: Grams per kilogram.
G_PER_KG = 1000.0
#: Cubic millimetres per millilitre (1 mL = 1 cm^3; image geometry is in mm).
MM3_PER_ML = 1000.0
#: eV per keV (xraydb takes energies in eV).
EV_PER_KEV = 1000.0
#: mm per cm (attenuation coefficients are per cm; image geometry is in mm).
MM_PER_CM = 10.0
#: mL per L.
ML_PER_L = 1000.0
#: Scale of the Hounsfield unit: HU = HU_SCALE (mu - mu_water) / mu_water, so water is 0 HU and
#: air -1000 HU (Hounsfield 1973; the DICOM CT definition, PS3.3 C.8.2.1).
HU_SCALE = 1000.0
#: Density of soft tissue and liver in g/mL used for 166Ho dosimetry (ICRU Report 44 soft tissue
#: 1.06 g/cm^3; the Utrecht convention, J Nucl Med 2016;57(S2):199, REFERENCE.md).
SOFT_TISSUE_DENSITY_G_PER_ML = 1.06
