"""One module per publication; pure, vectorised functions with keyword-only constants.

The constants themselves live in :mod:`scalingviz.presets`.
"""

from . import bi2024, hoffmann2022, kaplan2020, li2025, muennighoff2023, su2024

__all__ = ["bi2024", "hoffmann2022", "kaplan2020", "li2025", "muennighoff2023", "su2024"]
