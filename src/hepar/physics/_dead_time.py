"""Dead time of a dual-head gamma camera imaging 166Ho (paralysable model).

.. math:: C = \\alpha A\\, e^{-\\tau \\alpha A}

with the activity :math:`A` in the field of view (MBq), :math:`\\alpha` the count rate per MBq at
low activity (no losses) and :math:`\\tau` the paralysable dead time (Knoll, *Radiation Detection
and Measurement*, 4th ed., 2010, ch. 4, the paralysable model).

Sources and fit
---------------
* Stella et al., "Gamma camera characterization at high holmium-166 activity in liver
  radioembolization", EJNMMI Phys 2021;8:22 (PMC7925770), Results of the abstract: "a 20 % count
  loss due to dead time was observed around 0.7 GBq in the photopeak window" (81 keV, 15 %;
  Siemens Symbia T16, medium-energy collimator, liver compartment of an anthropomorphic phantom
  filled with 166Ho-chloride, up to 2.7 GBq).
* :math:`\\alpha` = 8.1 cps/MBq: the low-activity photopeak count rate of that set-up as quoted,
  with :math:`\\tau \\approx 3.1\\times10^{-5}` s, in Adv Radiother Nucl Med 3(3) 2020
  (REFERENCE.md). That pair keeps :math:`e^{-0.176} = 0.84` of the counts at 700 MBq, which
  contradicts the 20 % loss Stella et al. report (issue 14).

Fit: :math:`\\alpha` is held at 8.1 cps/MBq and :math:`\\tau` is solved from the one published
point, kept fraction 0.80 at 700 MBq: :math:`\\tau = \\ln(1/0.80) / (\\alpha \\cdot 700\\,
\\mathrm{MBq}) = 0.22314 / 5670\\ \\mathrm{s^{-1}} = 3.94\\times10^{-5}` s. The count-rate
curve's other points (Stella et al., figure of observed vs. expected rate) were not reachable
from here, so the fit rests on that one point; a site refits both numbers to its own camera
(they are parameters of :class:`hepar.phantoms.Camera`).
"""

from __future__ import annotations

__all__ = ["HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ", "HO166_DEAD_TIME_S"]

#: Photopeak (81 keV, 15 %) count rate per MBq of 166Ho at low activity, liver phantom on a
#: Siemens Symbia T16 with the medium-energy collimator (Stella et al., EJNMMI Phys 2021;8:22, as
#: quoted in Adv Radiother Nucl Med 3(3) 2020; the quote does not say whether per head or for both
#: heads, the simulator applies it per head).
HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ = 8.1
#: Paralysable dead time, s: ln(1/0.80) / (8.1 cps/MBq x 700 MBq), so that 80 % of the counts are
#: kept at 0.7 GBq (Stella et al., EJNMMI Phys 2021;8:22: "a 20 % count loss ... around 0.7 GBq in
#: the photopeak window"). Was 3.1e-5 s (84 % kept at 0.7 GBq).
HO166_DEAD_TIME_S = 3.94e-5
