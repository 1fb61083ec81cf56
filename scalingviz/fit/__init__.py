"""Fit scaling laws to your own runs.

The default method is Hoffmann et al.'s (2022, Sec. 3.3 and Appendix D.2), as Besiroglu et
al. (2024) replicated it: minimise the **sum** of Huber losses (delta = 1e-3) between the
predicted and observed **log** loss, by L-BFGS-B from several starts. The objective is built from
the form's own function (:class:`~scalingviz.laws.forms.LawForm`): its constants' names come from
the function's signature, its analytic gradient is used where the form gives one, and a
vectorised finite difference otherwise. Scales are searched in log space, exponents linearly.

The starts are cheap and good: for a law that is linear in its scales once its exponents are
fixed (``E + A/N^alpha + B/D^beta`` is linear in E, A, B), a grid over the exponents with a
non-negative least-squares solve inside ranks the candidates, and only the best few are
polished with L-BFGS-B. The objective is scaled by 1/delta^2 inside the optimiser so that its
stopping rule is not fooled by the tiny absolute values -- the cause of the early stop in the
original Chinchilla fit (Besiroglu et al. 2024).

Hard failures raise :class:`FitError`; soft ones (iteration cap, a bound hit) are reported in
:attr:`FitResult.status`.
"""

from __future__ import annotations

from ..datasets import runs_from_arrays  # noqa: F401 (fit.runs_from_arrays, as before the split)
from .constrained import (  # noqa: F401
    DC_PROFILE_GRID,
    DataConstrainedFit,
    _profile_stage2,
    fit_data_constrained,
)
from .constraints import parse_constraints, parse_fit_constants, prior_weight  # noqa: F401
from .core import (  # noqa: F401
    CHUNK_ELEMENTS,
    COLLAPSE_LIMIT,
    CONDITION_LIMIT,
    DELTA,
    MAX_BOOTSTRAP,
    MAX_FIT_ROWS,
    MAX_STARTS,
    RUN_COLUMNS,
    SCREEN_ROWS,
    FitError,
    FitResult,
    _candidates,
    _check_fixed,
    _check_starts,
    _Constants,
    _diagnose,
    _huber,
    _lookup,
    _optimise,
    _polish,
    _positive_array,
    _Problem,
    _run_columns,
    _start_theta,
    as_fit_table,
    condition_number,
    fit_law,
    fittable_forms,
    huber_objective,
    resolve_law,
    table_forms,
)
from .curves import (  # noqa: F401
    _CURVE_FITS,
    CURVE_WEIGHTS,
    MAX_CURVE_POINTS,
    CurveFit,
    _curve_fit_key,
    _curve_identification,
    _curve_problem,
    _curve_table,
    _curve_weights,
    bootstrap_curve,
    curve_metrics,
    fit_curve,
)
from .hparams import (  # noqa: F401
    BatchFit,
    HparamFit,
    _ols,
    fit_batch,
    fit_hparams,
)
from .isoflop import (  # noqa: F401
    ISOFLOP_CAVEAT,
    ISOFLOP_METHODS,
    ISOFLOP_OUTLIER_EXCESS,
    IsoflopFit,
    _isoflop_minimum,
    _isoflop_outliers,
    _isoflop_sensitivity,
    _polyfit_exponents,
    fit_isoflop,
    group_budgets,
)
from .scores import (  # noqa: F401
    MAX_RESAMPLES,
    BootstrapResult,
    HeldOut,
    _pct_errors,
    _picklable,
    _refit_chunk,
    bootstrap,
    heldout_check,
    identified_by_bootstrap,
    leave_largest_out,
    prediction_interval,
    with_bootstrap_check,
)
from .su2024 import (  # noqa: F401
    SuProcedure,
    su2024_procedure,
)

__all__ = [
    "BatchFit",
    "BootstrapResult",
    "CurveFit",
    "FitError",
    "FitResult",
    "as_fit_table",
    "HeldOut",
    "HparamFit",
    "IsoflopFit",
    "SuProcedure",
    "bootstrap",
    "bootstrap_curve",
    "curve_metrics",
    "fit_batch",
    "fit_curve",
    "fit_data_constrained",
    "fit_hparams",
    "fit_isoflop",
    "fit_law",
    "condition_number",
    "fittable_forms",
    "table_forms",
    "heldout_check",
    "group_budgets",
    "huber_objective",
    "identified_by_bootstrap",
    "leave_largest_out",
    "parse_constraints",
    "parse_fit_constants",
    "prior_weight",
    "prediction_interval",
    "resolve_law",
    "su2024_procedure",
    "with_bootstrap_check",
]

