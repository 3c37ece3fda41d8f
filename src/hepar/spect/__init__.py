"""Quantitative SPECT: typed projections, system model, OSEM and calibration."""

from ._projections import EnergyWindow, Projections

__all__ = ["EnergyWindow", "Projections"]
