"""Kechuang (科创): a city's science-and-technology innovation service platform."""

__version__ = "0.1.0"
