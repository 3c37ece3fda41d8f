"""Estimated glomerular filtration rate by the MDRD study equation (IDMS-traceable form)."""

from __future__ import annotations

import math

from hepar.errors import InvalidValueError

__all__ = ["body_surface_area_dubois_m2", "egfr_mdrd_ml_min_1_73m2"]

# Levey AS et al., Ann Intern Med 2006;145:247-254 (re-expressed MDRD equation for creatinine
# standardised to IDMS): 175 x Scr^-1.154 x age^-0.203 x 0.742 (female) x 1.212 (Black).
_MDRD_CONSTANT = 175.0
_MDRD_CREATININE_EXPONENT = -1.154
_MDRD_AGE_EXPONENT = -0.203
_MDRD_FEMALE = 0.742
_MDRD_BLACK = 1.212
_CREATININE_UMOL_L_PER_MG_DL = 88.4


def egfr_mdrd_ml_min_1_73m2(
    creatinine_umol_l: float, age_years: float, *, female: bool, black: bool = False
) -> float:
    """eGFR in mL/min per 1.73 m² by the 4-variable MDRD equation (IDMS-traceable).

    .. math:: \\mathrm{eGFR} = 175 \\, S_{cr}^{-1.154} \\, \\mathrm{age}^{-0.203}
              \\times 0.742 \\,[\\text{female}] \\times 1.212 \\,[\\text{Black}]

    with :math:`S_{cr}` in mg/dL (= µmol/L / 88.4). Source: Levey et al., Ann Intern Med
    2006;145:247.

    Parameters
    ----------
    creatinine_umol_l
        Serum creatinine in µmol/L (> 0).
    age_years
        Age in years (> 0; the equation was derived in adults).
    female
        Apply the 0.742 factor.
    black
        Apply the 1.212 factor (the site records whether it uses it).

    Examples
    --------
    >>> round(egfr_mdrd_ml_min_1_73m2(88.4, 60, female=False), 1)
    76.2
    """
    if not (math.isfinite(creatinine_umol_l) and creatinine_umol_l > 0):
        raise InvalidValueError(
            field="creatinine_umol_l", value=creatinine_umol_l, expected="a number > 0"
        )
    if not (math.isfinite(age_years) and age_years > 0):
        raise InvalidValueError(field="age_years", value=age_years, expected="a number > 0")
    scr_mg_dl = creatinine_umol_l / _CREATININE_UMOL_L_PER_MG_DL
    egfr = (
        _MDRD_CONSTANT
        * scr_mg_dl**_MDRD_CREATININE_EXPONENT
        * age_years**_MDRD_AGE_EXPONENT
    )
    if female:
        egfr *= _MDRD_FEMALE
    if black:
        egfr *= _MDRD_BLACK
    return egfr


def body_surface_area_dubois_m2(weight_kg: float, height_cm: float) -> float:
    """Body surface area by Du Bois & Du Bois (Arch Intern Med 1916;17:863).

    .. math:: \\mathrm{BSA} = 0.007184 \\, W^{0.425} \\, H^{0.725}

    Used to turn an MDRD eGFR per 1.73 m² into mL/min for the patient (eGFR x BSA / 1.73).

    Examples
    --------
    >>> round(body_surface_area_dubois_m2(70.0, 175.0), 2)
    1.85
    """
    for name, value in (("weight_kg", weight_kg), ("height_cm", height_cm)):
        if not (math.isfinite(value) and value > 0):
            raise InvalidValueError(field=name, value=value, expected="a number > 0")
    return 0.007184 * weight_kg**0.425 * height_cm**0.725
