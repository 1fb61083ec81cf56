"""Property tests over the whole registry: finite, positive, monotone, identities.

Ranges: N 1e3..1e15 params, D 1e6..1e16 tokens, C 1e12..1e30 FLOP (the foundation issue)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalingviz.laws.forms import LawForm
from scalingviz.presets import DELTA_L_NOISE, PRESETS, FittedRange, Preset, register


def _gamma_loss(N, D, *, E, A, B, alpha, beta, gamma):
    """A user's own form (the README's example): Chinchilla with the reducible terms raised to gamma."""
    return E + (A / np.asarray(N, dtype=float) ** alpha + B / np.asarray(D, dtype=float) ** beta) ** gamma


# A law defined only here and registered like a user's: every property below runs over it too.
USER_LAW = Preset.from_values(
    "test-gamma-law", LawForm("test-gamma", loss=_gamma_loss),
    dict(E=1.7, A=400.0, B=1500.0, alpha=0.34, beta=0.28, gamma=1.1), title="Test law",
    fitted_range=FittedRange(N=(1e8, 1e11), D=(1e9, 1e13)))


@pytest.fixture(scope="module", autouse=True)
def _registered_user_law():
    register(USER_LAW, overwrite=True)
    yield
    PRESETS.pop("test-gamma-law", None)


def _exact_default(p):
    # The default allocation is the exact optimum of the law's loss on C = 6ND (a closed form
    # derived from it, or the numerical minimisation), not a separate empirical fit.
    methods = p.form.optimal_methods
    return p.has("loss") and (not methods or next(iter(methods.values())).exact)


logN = st.floats(3, 15)
logD = st.floats(6, 16)
logC = st.floats(12, 30)
SETTINGS = settings(max_examples=60, deadline=None)

ALL = [*PRESETS.values(), USER_LAW]
LOSS = [p for p in ALL if p.has("loss")]
OPT = [p for p in ALL if p.has("optimal")]
TRAJ = [p for p in ALL if p.has("trajectory")]


@pytest.mark.parametrize("preset", LOSS, ids=lambda p: p.name)
@SETTINGS
@given(n=logN, d=logD, dn=st.floats(0.01, 1), dd=st.floats(0.01, 1))
def test_loss_finite_positive_monotone(preset, n, d, dn, dd):
    L = preset.loss(10**n, 10**d)
    assert np.isfinite(L) and L > 0
    assert preset.loss(10 ** (n + dn), 10**d) <= L
    assert preset.loss(10**n, 10 ** (d + dd)) <= L
    assert preset.loss_converged(10**n) <= L


@pytest.mark.parametrize("preset", OPT, ids=lambda p: p.name)
@SETTINGS
@given(c=logC, dc=st.floats(0.05, 2))
def test_optimal_finite_and_growing(preset, c, dc):
    lo, hi = preset.compute_optimal(10**c), preset.compute_optimal(10 ** (c + dc))
    for key in ("N_opt", "D_opt"):
        assert np.isfinite(lo[key]) and lo[key] > 0
        assert hi[key] > lo[key]
    if lo["loss"] is not None:
        assert np.isfinite(lo["loss"]) and 0 < hi["loss"] <= lo["loss"]
    if _exact_default(preset):
        assert 6 * lo["N_opt"] * lo["D_opt"] == pytest.approx(10**c, rel=1e-9)


@pytest.mark.parametrize("preset", TRAJ, ids=lambda p: p.name)
@SETTINGS
@given(n=logN, s=st.floats(0, 9), b=st.floats(3, 9), ds=st.floats(0.01, 1))
def test_trajectory_finite_monotone_and_inverts(preset, n, s, b, ds):
    L = preset.trajectory(10**n, 10**s, 10**b)
    assert np.isfinite(L) and L > preset.min_loss(10**n)
    assert preset.trajectory(10**n, 10 ** (s + ds), 10**b) < L
    S_back = preset.steps_to_loss(10**n, L, 10**b)
    assert S_back == pytest.approx(10**s, rel=1e-6)


@pytest.mark.parametrize("preset", [p for p in PRESETS.values() if p.has("lr")], ids=lambda p: p.name)
@SETTINGS
@given(n=st.floats(3, 10), d=logD)
def test_lr_finite_positive_inside_domain(preset, n, d):
    # Kaplan's Eq. D.1 turns negative near N = 1.2e10, so the range stops at 1e10 here.
    out = preset.hparams(N=10**n, D=10**d)
    assert np.isfinite(out["lr"]) and out["lr"] > 0
    if out["batch_tokens"] is not None:
        assert np.isfinite(out["batch_tokens"]) and out["batch_tokens"] > 0


@pytest.mark.parametrize("preset", [p for p in ALL if p.has("delta_L")], ids=lambda p: p.name)
@SETTINGS
@given(n=logN, d=logD)
def test_delta_L_and_data_needed_finite_over_the_whole_range(preset, n, d):
    dl = preset.delta_L(10**n, 10**d)
    assert np.isfinite(dl) and dl >= 0
    need = preset.data_for_delta_L(10**n)
    assert np.isfinite(need) and need > 0
    assert preset.delta_L(10**n, need) == pytest.approx(DELTA_L_NOISE.value, rel=1e-6)


@pytest.mark.parametrize("preset", [p for p in PRESETS.values() if p.has("B_crit")], ids=lambda p: p.name)
@SETTINGS
@given(loss=st.floats(0.5, 12))
def test_B_crit_finite_and_falls_with_loss(preset, loss):
    b = preset.B_crit(loss)
    assert np.isfinite(b) and b > 0 and preset.B_crit(loss * 1.1) < b


def _affine_forms():
    from scalingviz.laws.forms import FORMS

    return sorted(n for n, f in FORMS.items() if f.affine)


@pytest.mark.parametrize("name", _affine_forms())
def test_declared_affine_constants_enter_the_fit_target_affinely(name):
    # Variable projection (issue 22) solves the constants a form declares ``affine`` exactly, as a linear
    # least-squares problem: a wrong declaration would give a wrong fit without an error. So, at random
    # constants and inputs, the target (on the form's affine_scale) must equal f0 + sum_k theta_k g_k:
    # evaluated at theta and at theta + e_k, the differences g_k must add up.
    from scalingviz.laws.forms import FORMS

    form = FORMS[name]
    target = form.fit_target
    rng = np.random.default_rng(0)
    variables = form.variables(target)
    # inputs above 1 where a form raises them to powers or takes logs; shares in (0, 1) for a mixture law
    xs = [rng.uniform(0.05, 0.3, 5) if v in ("p", "q1", "q2", "q3", "q4") else 10 ** rng.uniform(1, 4, 5)
          for v in variables]
    consts = {k: float(rng.uniform(0.05, 0.3)) for k in form.constants_of(target)}

    def g(values):
        y = np.asarray(form.call(target, values, *xs), dtype=float)
        return np.log(y) if form.affine_scale == "log" else y

    base = g(consts)
    zero = g({**consts, **dict.fromkeys(form.affine, 0.0)})
    parts = [g({**consts, **dict.fromkeys(form.affine, 0.0), k: 1.0}) - zero for k in form.affine]
    rebuilt = zero + sum(consts[k] * p for k, p in zip(form.affine, parts, strict=True))
    np.testing.assert_allclose(base, rebuilt, rtol=1e-9, atol=1e-12, err_msg=f"{name}: affine={form.affine}")
