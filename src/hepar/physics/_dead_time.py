"""Count-rate losses of a gamma camera imaging 166Ho: the paralysable dead-time model.

The observed count rate :math:`C` of a head whose input rate is :math:`R = \\alpha A` is
:math:`C = R\\,e^{-\\tau R}` (paralysable model; Cherry, Sorenson & Phelps, *Physics in Nuclear
Medicine*, 4th ed., ch. 11). For a dual-head camera imaging 166Ho the values below reproduce a
20 % count loss near 0.7-0.9 GBq (Stella et al., EJNMMI Phys 2021;8:22, PMC7925770: 20 % loss
around 0.7 GBq in the 81 keV window; Adv Radiother Nucl Med 3(3) 2020; REFERENCE.md). They are
system dependent: a site measures its own with ``hepar calibrate``.
"""

from __future__ import annotations

__all__ = ["HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ", "HO166_DEAD_TIME_S"]

#: Dead time tau (s) of the paralysable model for 166Ho (Adv Radiother Nucl Med 3(3) 2020;
#: consistent with the 20 % loss near 0.7 GBq of Stella et al. 2021).
HO166_DEAD_TIME_S = 3.1e-5
#: Input count rate per MBq of 166Ho, all energies, one head (same sources).
HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ = 8.1
