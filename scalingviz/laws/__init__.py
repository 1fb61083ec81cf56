"""One module per publication; pure, vectorised functions with keyword-only constants, and the
:class:`~scalingviz.laws.forms.LawForm` objects that declare what each form computes.

The constants themselves live in :mod:`scalingviz.presets`.
"""

from . import forms  # noqa: I001 -- the registry first; each module below registers its forms
from . import (bi2024, clark2022, generic, hoffmann2022, kaplan2020, krajewski2024, kumar2024, li2025, li2026, luo2025,
               muennighoff2023, su2024, tao2024)
from .forms import CAPABILITIES, FORMS, LawForm, OptimalMethod, form_names, get_form, register_form

__all__ = ["CAPABILITIES", "FORMS", "LawForm", "OptimalMethod", "bi2024", "clark2022", "form_names", "forms", "generic",
           "get_form", "hoffmann2022", "kaplan2020", "krajewski2024", "kumar2024", "li2025", "li2026", "luo2025", "muennighoff2023", "register_form", "su2024", "tao2024"]
