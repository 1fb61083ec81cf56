"""Hostile values through every public API entry point: each call returns, or raises the package's
InputError (a fit may also end in FitError, which carries its reason). No raw TypeError, KeyError,
IndexError, OverflowError or MemoryError, and no call runs past its time limit (issue 23)."""

from __future__ import annotations

import math
import signal
import time
import warnings

import numpy as np
import pytest

import scalingviz as sv
from scalingviz import advice, compute, datasets, fit, plan, schedules, uncertainty, units
from scalingviz.errors import InputError
from scalingviz.fit import FitError

#: The values each argument slot is given: wrong types, empty and odd shapes, edges of float.
HOSTILE = [None, "abc", "", [], {}, [1, 2], np.array([]), np.array([[1.0, 2.0], [3.0, 4.0]]), -1, 0, math.nan,
           math.inf, 1e308, True, object(), "7B", 10**400, -1e-300, np.array([1e9, math.nan]), "x" * 30_000]

_RUNS = {"N": [1e8, 2e8, 4e8, 8e8, 1e9, 2e9], "D": [1e9, 2e9, 4e9, 8e9, 3e10, 6e10],
         "loss": [3.5, 3.2, 3.0, 2.8, 2.6, 2.5]}
_LAW = sv.get_preset("hoffmann2022")
_KAPLAN = sv.get_preset("kaplan2020")
_LUO = sv.get_preset("luo2025-25m")
_LRS = np.full(100, 3e-4)
_PINNED = {"E": 1.7, "A": 400.0, "B": 400.0}  # two constants left: a fit of a second, not of minutes
_PLAN_FIELDS = ("N", "D", "batch_tokens", "seq_len", "lr", "n_gpus", "gpu", "mfu", "schedule", "cooldown",
                "unique_tokens", "inference_tokens", "active_params", "price_per_gpu_hour", "laws")

#: (name, call with the hostile value in one argument)
ENTRY_POINTS = [
    ("get_preset", lambda v: sv.get_preset(v)),
    ("parse_quantity", lambda v: units.parse_quantity(v)),
    ("format_quantity", lambda v: units.format_quantity(v)),
    ("loss(N)", lambda v: _LAW.loss(v, 1e12)),
    ("loss(D)", lambda v: _LAW.loss(7e9, v)),
    ("kaplan.loss(N)", lambda v: _KAPLAN.loss(v, 1e12)),
    ("compute_optimal(C)", lambda v: _LAW.compute_optimal(v)),
    ("compute_optimal(method)", lambda v: _LAW.compute_optimal(1e22, method=v)),
    ("inference_optimal(L)", lambda v: _LAW.inference_optimal(v, 1e12)),
    ("inference_optimal(weight)", lambda v: _LAW.inference_optimal(2.2, 1e12, weight=v)),
    ("trajectory(S)", lambda v: _KAPLAN.trajectory(1e9, v, 1e6)),
    ("B_crit(L)", lambda v: _KAPLAN.B_crit(v)),
    ("hparams(N)", lambda v: sv.get_preset("li2025").hparams(N=v, D=1e11)),
    ("replace(alpha)", lambda v: _LAW.replace(alpha=v)),
    ("curve(step)", lambda v: _LUO.curve(v, _LRS)),
    ("curve(lr)", lambda v: _LUO.curve(99, v)),
    ("Schedule(kind)", lambda v: schedules.Schedule(v, 1000, 3e-4)),
    ("Schedule(steps)", lambda v: schedules.Schedule("wsd", v, 3e-4)),
    ("Schedule(peak_lr)", lambda v: schedules.Schedule("wsd", 1000, v)),
    ("Schedule(cooldown)", lambda v: schedules.Schedule("wsd", 1000, 3e-4, cooldown=v)),
    ("Schedule(drops)", lambda v: schedules.Schedule("multi-step", 1000, 3e-4, drops=v)),
    ("from_log(step)", lambda v: schedules.from_log(v, [3e-4, 3e-4])),
    *[(f"TrainingPlan({f})", lambda v, f=f: plan.check(plan.TrainingPlan(**{"N": "7B", "D": "1T", f: v})))
      for f in _PLAN_FIELDS],
    ("check(plan)", lambda v: plan.check(v)),
    ("fit_law(runs)", lambda v: fit.fit_law(v, "hoffmann2022")),
    ("fit_law(law)", lambda v: fit.fit_law(_RUNS, v)),
    ("fit_law(fixed)", lambda v: fit.fit_law(_RUNS, "hoffmann2022", fixed={"E": v})),
    ("fit_law(starts)", lambda v: fit.fit_law(_RUNS, "hoffmann2022", starts=v, fixed=_PINNED)),
    ("bootstrap(n)", lambda v: fit.bootstrap(_RUNS, "hoffmann2022", n=v)),
    ("fit_curve(curves)", lambda v: fit.fit_curve(v)),
    ("fit_hparams(lr)", lambda v: fit.fit_hparams([1e8] * 4, [1e10] * 4, v, [1e6] * 4, [3.0] * 4, n_boot=0)),
    ("fit_hparams(threshold)", lambda v: fit.fit_hparams([1e8] * 4, [1e10] * 4, [1e-3] * 4, [1e6] * 4, [3.0] * 4,
                                                         threshold=v, n_boot=0)),
    ("fit_isoflop(C)", lambda v: fit.fit_isoflop(v, [1e8, 2e8, 4e8], [3.0, 2.9, 3.1], n_boot=0)),
    ("fit_batch(B)", lambda v: fit.fit_batch([3.0, 3.0, 3.0], v, [1e4, 6e3, 4e3])),
    ("fit_data_constrained(runs)", lambda v: fit.fit_data_constrained(v)),
    ("read_table", lambda v: datasets.read_table(v)),
    ("read_runs", lambda v: datasets.read_runs(v)),
    ("runs_from_arrays(N)", lambda v: datasets.runs_from_arrays(N=v, D=[1e9, 2e9], loss=[3, 2.9])),
    ("datasets.load", lambda v: datasets.load(v)),
    ("prediction_band(n)", lambda v: uncertainty.prediction_band(_LAW, lambda s: s.loss(7e9, 1e12), n=v)),
    ("parameter_samples(n)", lambda v: uncertainty.parameter_samples(_LAW, v)),
    ("training_flops(N)", lambda v: compute.training_flops(v, 1e12)),
    ("gpu_hours(mfu)", lambda v: compute.gpu_hours(1e22, 989e12, v)),
    ("get_gpu", lambda v: compute.get_gpu(v)),
    ("schedule_advice(steps)", lambda v: advice.schedule_advice(_LUO, steps=v, optimise=False)),
    ("best_cooldown(steps)", lambda v: advice.best_cooldown(_LUO, v)),
    ("final_loss(schedule)", lambda v: advice.final_loss(_LUO, v)),
    ("register", lambda v: sv.register(v)),
]

LIMIT_S = 10


def _call(fn, value) -> str | None:
    """None when the call returned or raised InputError/FitError; else what it raised."""
    def on_alarm(*_a):
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(LIMIT_S)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            # 1e308 through 6ND or an mfu of 0 in the numpy helpers (compute.*) overflows to inf with
            # numpy's RuntimeWarning, as numpy does; this test is about exceptions.
            warnings.simplefilter("ignore", RuntimeWarning)
            fn(value)
    except (InputError, FitError):
        pass
    except TimeoutError:
        return f"ran past {LIMIT_S} s"
    except Exception as exc:  # noqa: BLE001 - the point of the test
        return f"{type(exc).__name__}: {str(exc)[:120]}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    if time.perf_counter() - t0 > LIMIT_S:
        return f"took {time.perf_counter() - t0:.0f} s"
    return None


@pytest.mark.parametrize(("name", "fn"), ENTRY_POINTS, ids=[n for n, _ in ENTRY_POINTS])
def test_hostile_values_give_input_errors_not_tracebacks(name, fn):
    failures = []
    for value in HOSTILE:
        got = _call(fn, value)
        if got is not None:
            failures.append(f"{name}({repr(value)[:30]}): {got}")
    assert not failures, "\n".join(failures)


def test_an_input_error_names_a_long_value_without_echoing_it():
    with pytest.raises(InputError) as err:
        units.parse_quantity("9" * 30_000, "N")
    msg = str(err.value)
    assert len(msg) < 200 and "(30,000 characters)" in msg and msg.startswith("N: '9999")
    with pytest.raises(InputError) as err:  # a message built elsewhere is cut the same way
        raise InputError("steps: " + repr("x" * 30_000) + " is not a number")
    assert len(str(err.value)) < 200 and "(30,002 characters)" in str(err.value)  # with its quotes
