"""Laws as forms: capabilities declared by each form, constants checked, generic derivations against
closed forms, analytic gradients against finite differences, and a user's own law through every consumer."""

import json
import textwrap

import numpy as np
import pytest

import scalingviz as sv
from scalingviz.cli import main
from scalingviz.laws import FORMS, LawForm, get_form
from scalingviz.presets import PRESETS, FittedRange, Preset, get_preset, register

rng = np.random.default_rng(0)


def test_unknown_form_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown form 'gpt4'; valid forms are chinchilla|valid forms are .*chinchilla"):
        get_form("gpt4")


def test_constants_are_checked_against_the_form():
    p = get_preset("hoffmann2022")
    params = dict(p.params)
    with pytest.raises(ValueError, match="misses constant\\(s\\) beta"):
        Preset(p.name, p.title, p.form, p.citation, {k: v for k, v in params.items() if k != "beta"}, "total", "-",
               FittedRange())
    with pytest.raises(ValueError, match="'gamma' is not a constant of the chinchilla form"):
        Preset(p.name, p.title, p.form, p.citation, {**params, "gamma": params["E"]}, "total", "-", FittedRange())


def test_missing_capability_names_the_law_and_those_that_have_it():
    with pytest.raises(ValueError, match="'hoffmann2022' does not give a critical batch size; laws that do: kaplan2020"):
        get_preset("hoffmann2022").B_crit(3.0)
    with pytest.raises(ValueError, match="'li2025' does not give a loss"):
        get_preset("li2025").loss(1e9, 1e10)


def test_replace_keeps_every_field_and_drops_the_uncertainty():
    p = get_preset("besiroglu2024")
    q = p.replace(E=1.9)
    assert q.name == "besiroglu2024 (modified)" and q.modified and q.uncertainty is None
    assert (q.form, q.citation, q.fitted_range, q.loss_unit, q.N_convention) == (
        p.form, p.citation, p.fitted_range, p.loss_unit, p.N_convention)
    alt = get_preset("kaplan2020-alt")
    assert alt.secondary and alt.form.name == "kaplan"


# -- generic derivations against the closed forms -------------------------------------------------

EXACT = [p for p in PRESETS.values() if p.has("loss") and p.form.optimal_methods
         and next(iter(p.form.optimal_methods.values())).exact]


@pytest.mark.parametrize("preset", EXACT, ids=lambda p: p.name)
def test_closed_form_optimum_equals_the_generic_minimisation(preset):
    # The closed form (Hoffmann Eq. 4) and the bounded minimisation of loss(N, C/6N) must agree:
    # the loss to 1e-12 relative; N_opt to 1e-6 (the minimum is flat: a 1e-6 change in N moves L by ~1e-13).
    C = np.logspace(18, 27, 10)
    closed = preset.compute_optimal(C)
    generic = preset.compute_optimal(C, method="numerical")
    np.testing.assert_allclose(generic["loss"], closed["loss"], rtol=1e-12)
    np.testing.assert_allclose(generic["N_opt"], closed["N_opt"], rtol=1e-6)
    np.testing.assert_allclose(6 * generic["N_opt"] * generic["D_opt"], C, rtol=1e-12)
    # compute for a target loss: closed form against bisection on the generic frontier
    L = np.asarray(closed["loss"])[[2, 5, 8]]
    np.testing.assert_allclose(preset.form.compute_for_loss(preset.values, L), C[[2, 5, 8]], rtol=1e-9)
    generic_C = LawForm("generic-only", loss=preset.form.functions["loss"]).compute_for_loss(preset.values, L)
    np.testing.assert_allclose(generic_C, C[[2, 5, 8]], rtol=1e-6)


def test_kaplan_closed_delta_L_equals_the_generic_ratio():
    # Kaplan's Eq. 4.3 (closed, with expm1/log1p) against loss(N, D)/loss(N, inf) - 1 and the root-find.
    k = get_preset("kaplan2020")
    generic = LawForm("generic-kaplan", loss=k.form.functions["loss"])
    N, D = 10 ** rng.uniform(6, 11, 50), 10 ** rng.uniform(8, 13, 50)
    np.testing.assert_allclose(generic.delta_L(k.values, N, D), k.delta_L(N, D), rtol=1e-9)
    np.testing.assert_allclose(generic.data_for_delta_L(k.values, N, 0.02), k.data_for_delta_L(N), rtol=1e-9)


def test_generic_optimum_by_brute_force_with_repeated_data():
    # Muennighoff's law has no closed form: the generic optimum must beat a dense grid over N.
    p = get_preset("muennighoff2023")
    for C, U in ((1e21, 1e10), (1e23, 3e11), (1e24, np.inf)):
        o = p.compute_optimal(C, U=None if not np.isfinite(U) else U)
        N = np.logspace(6, 13, 200001)
        grid = np.asarray(p.loss(N, C / (6 * N), None if not np.isfinite(U) else U))
        assert o["loss"] <= grid.min() * (1 + 1e-12)
        assert o["N_opt"] == pytest.approx(N[np.argmin(grid)], rel=1e-3)


def test_broadcasting_and_nan_through_the_generic_paths():
    p = get_preset("hoffmann2022")
    out = p.compute_optimal(np.full((3, 4), 1e22), method="numerical")
    assert np.shape(out["N_opt"]) == (3, 4)
    assert np.shape(p.data_for_delta_L(np.ones((2, 5)) * 1e9)) == (2, 5)
    assert np.isnan(p.data_for_delta_L(np.nan))
    assert np.isnan(p.compute_for_loss(np.nan)) and np.isinf(p.compute_for_loss(p["E"] * 0.99))


# -- analytic gradients against finite differences ------------------------------------------------

GRADIENTS = [(name, cap) for name, f in FORMS.items() for cap in f.gradient]


def _constants_for(form):
    for p in PRESETS.values():
        if p.form is form:
            return dict(p.values)
    # forms without a preset (kaplan_nd, kaplan_ns, the power laws): plausible constants
    defaults = {"N_c": 6.4e13, "D_c": 1.8e13, "C_c": 1.6e7 * 8.64e19, "S_c": 2.1e3, "alpha_N": 0.076,
                "alpha_D": 0.103, "alpha_S": 0.76, "alpha_C": 0.05, "E": 1.7}
    return {k: defaults[k] for k in form.constants}


@pytest.mark.parametrize(("name", "cap"), GRADIENTS, ids=[f"{n}.{c}" for n, c in GRADIENTS])
def test_analytic_gradient_matches_finite_differences(name, cap):
    form = FORMS[name]
    values = _constants_for(form)
    from scalingviz.schedules import Schedule

    var = {"N": 10 ** rng.uniform(7, 11, 20), "D": 10 ** rng.uniform(9, 13, 20), "S": 10 ** rng.uniform(2, 6, 20),
           "C": 10 ** rng.uniform(18, 24, 20),
           # a curve law: query steps of a WSD run (warmup, plateau, cooldown)
           "step": np.arange(100, 12000, 97), "lr": Schedule("wsd", 12000, 3e-4, 1000, 3e-5, cooldown=0.3).lrs()}
    args = [var[v] for v in form.variables(cap)]
    used = {k: values[k] for k in form.constants_of(cap)}
    g = form.gradient[cap](*args, **used)
    assert set(g) == set(used)
    for k, v in used.items():
        h = 1e-6 * abs(v)
        up = np.asarray(form.functions[cap](*args, **{**used, k: v + h}))
        down = np.asarray(form.functions[cap](*args, **{**used, k: v - h}))
        # Compared as elasticities c dL/dc, so that every constant is checked at the scale of the loss
        # (dL/dD_c is ~1e-12 per token; an absolute tolerance would pass any error in it).
        L = np.abs(np.asarray(form.functions[cap](*args, **used))).max()
        np.testing.assert_allclose(g[k] * v, (up - down) / (2 * h) * v, rtol=1e-6, atol=1e-9 * L,
                                   err_msg=f"{name}.{cap} d/d{k}")


# -- fits built from the laws -------------------------------------------------------------------------


def test_fit_to_preset_round_trip_for_every_fittable_form():
    for name in sv.fit.fittable_forms():
        form = FORMS[name]
        if form.starts is None:  # user-style forms without starts are covered below
            continue
        values = _constants_for(form)
        cols = {"N": 10 ** rng.uniform(7, 10, 60), "D": 10 ** rng.uniform(9, 12, 60), "S": 10 ** rng.uniform(2, 6, 60)}
        cols["C"] = 6 * cols["N"] * cols["D"]
        L = np.asarray(form.call(form.fit_target, values, *(cols[v] for v in form.variables(form.fit_target))))
        runs = {"N": cols["N"], "D": cols["D"], "loss": L}
        if "S" in form.variables(form.fit_target):
            runs["S"] = cols["S"]
        res = sv.fit.fit_law(runs, form, fixed={k: v for k, v in values.items()
                                                if k not in form.constants_of(form.fit_target)})
        p = res.to_preset(f"rt-{name}")
        assert p.form is form and p.fitted
        for k in form.constants_of(form.fit_target):
            assert p[k] == pytest.approx(values[k], rel=1e-3), (name, k)


def test_fitting_a_preset_carries_its_other_constants():
    k = get_preset("kaplan2020")
    N, D = 10 ** rng.uniform(7, 10, 80), 10 ** rng.uniform(9, 12, 80)
    res = sv.fit.fit_law({"N": N, "D": D, "loss": np.asarray(k.loss(N, D))}, "kaplan2020")
    assert set(res.params) == {"ND_N_c", "ND_D_c", "ND_alpha_N", "ND_alpha_D"}
    p = res.to_preset("kaplan-refit")
    assert p.B_crit(3.0) == k.B_crit(3.0)  # carried over unchanged
    assert p["ND_alpha_D"] == pytest.approx(k["ND_alpha_D"], rel=1e-4)


def test_to_preset_says_which_constants_a_fit_left_open():
    su = FORMS["su"]
    N, S = 10 ** rng.uniform(7, 9, 40), 10 ** rng.uniform(3, 5, 40)
    L = su.functions["learning_curve"](N, S, N_c=6.5e13, alpha_N=0.077, S_c=2.1e3, alpha_S=0.76)
    res = sv.fit.fit_law({"N": N, "D": S * 1e6, "S": S, "loss": L}, su, starts=[dict(
        N_c=1e13, alpha_N=0.08, S_c=1e3, alpha_S=0.7)])
    with pytest.raises(ValueError, match="B_star, alpha_B of the su form were not fitted"):
        res.to_preset("su-refit")
    p = res.to_preset("su-refit", B_star=2.1e8, alpha_B=0.21)
    assert p.trajectory(1e9, 1e5, 2**19) == pytest.approx(get_preset("kaplan2020").trajectory(1e9, 1e5, 2**19), rel=1e-3)


def test_pinned_constant_stays_and_bounds_apply_to_E():
    h = get_preset("hoffmann2022")
    N, D = 10 ** rng.uniform(8, 10, 80), 10 ** rng.uniform(9, 12, 80)
    runs = {"N": N, "D": D, "loss": np.asarray(h.loss(N, D))}
    res = sv.fit.fit_law(runs, "chinchilla", fixed={"E": 1.8})
    assert res.fixed["E"] == 1.8 and "E" not in res.params and res.to_preset()["E"] == 1.8
    res = sv.fit.fit_law(runs, "chinchilla", bounds={"E": (1.75, 2.0)})
    assert res.status == "degenerate" and res.params["E"] == pytest.approx(1.75) and "E = 1.75 ended on" in res.message


# -- a user's own law through every consumer ----------------------------------------------------------

PLUGIN = textwrap.dedent('''
    """A law defined only in this test: Chinchilla with its reducible terms raised to gamma."""
    import numpy as np
    import scalingviz as sv


    def loss(N, D, *, E, A, B, alpha, beta, gamma):
        """L = E + (A/N^alpha + B/D^beta)^gamma"""
        return E + (A / np.asarray(N, dtype=float) ** alpha + B / np.asarray(D, dtype=float) ** beta) ** gamma


    FORM = sv.LawForm("test-plugin-form", loss=loss, linear=("alpha", "beta", "gamma"))
    LAWS = [sv.Preset.from_values(
        "test-plugin-law", FORM, dict(E=1.7, A=400.0, B=1500.0, alpha=0.34, beta=0.28, gamma=1.1),
        title="Plugin law", N_convention="total", fitted_range=sv.FittedRange(N=(1e8, 1e11), D=(1e9, 1e13)))]
''')


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    (tmp_path / "sv_test_plugin.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "sv_test_plugin"
    PRESETS.pop("test-plugin-law", None)
    FORMS.pop("test-plugin-form", None)


def test_a_plugin_law_flows_through_the_cli_and_the_plan(plugin, capsys):
    assert main(["optimal", "--plugin", plugin, "--law", "test-plugin-law", "--C", "1e23", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["law"] == "test-plugin-law" and d["method"].startswith("numerical")
    assert 6 * d["N_opt"] * d["D_opt"] == pytest.approx(1e23)
    assert main(["plan", "--plugin", plugin, "--N", "7B", "--D", "1.4T", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    law = PRESETS["test-plugin-law"]
    assert d["loss"]["test-plugin-law"]["value"] == pytest.approx(law.loss(7e9, 1.4e12))
    assert "test-plugin-law" in d["compute_optimal"]
    assert main(["predict", "--plugin", "no_such_module_here", "--N", "1B"]) == 2
    assert "--plugin: cannot import 'no_such_module_here'" in capsys.readouterr().err


def test_a_registered_law_appears_in_every_tab(plugin):
    pytest.importorskip("ipywidgets")
    import importlib

    mod = importlib.import_module(plugin)
    register(mod.LAWS[0], overwrite=True)
    from scalingviz.ui.compare import Compare as CompareTab
    from scalingviz.ui.explorer import Explorer
    from scalingviz.ui.fitter import fit_choices
    from scalingviz.ui.planner import PlanTab

    ex = Explorer(law="test-plugin-law")
    assert ex.predictions()["loss"] == pytest.approx(mod.LAWS[0].loss(ex.law_N(), ex.controls["D"].value))
    assert "test-plugin-law" in dict((v, k) for k, v in ex.law_picker.options)
    assert "test-plugin-law" in [v for _, v in CompareTab().laws.options]
    assert "test-plugin-law" in [v for _, v in PlanTab().laws.options]
    assert "test-plugin-law" in [v for _, v in fit_choices()]


def test_cli_internal_errors_are_not_reported_as_bad_input(monkeypatch):
    # A bug (here: an AttributeError inside a command) must surface, not exit 2 as "bad input".
    import scalingviz.cli as cli
    import scalingviz.cli.laws  # noqa: F401 (the module the command runs from)

    def broken(_args):
        raise AttributeError("a bug")

    monkeypatch.setattr(cli.laws, "_cmd_presets", broken)
    with pytest.raises(AttributeError, match="a bug"):
        main(["presets"])


def test_a_plugin_file_by_path_registers_its_laws(tmp_path, capsys):
    (tmp_path / "mylaws.py").write_text(PLUGIN)
    try:
        assert main(["optimal", "--plugin", str(tmp_path / "mylaws.py"), "--law", "test-plugin-law", "--C", "1e23",
                     "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["law"] == "test-plugin-law"
    finally:
        PRESETS.pop("test-plugin-law", None)
        FORMS.pop("test-plugin-form", None)


@pytest.mark.parametrize(("text", "needle"), [
    ("def broken(:\n", "failed while loading: SyntaxError"),
    ("raise RuntimeError('boom')\n", "failed while loading: RuntimeError: boom"),
])
def test_a_broken_plugin_file_is_one_line(tmp_path, capsys, text, needle):
    (tmp_path / "bad.py").write_text(text)
    assert main(["presets", "--plugin", str(tmp_path / "bad.py")]) == 2
    assert needle in capsys.readouterr().err
    assert main(["presets", "--plugin", ""]) == 2
    assert "--plugin: '' is empty" in capsys.readouterr().err
    assert main(["presets", "--plugin", str(tmp_path / "missing.py")]) == 2
    assert "is not a file" in capsys.readouterr().err


def test_no_module_runs_from_the_working_directory(tmp_path):
    # issue 23: every command used to put the current folder first on the import path, so a csv.py (or
    # string.py, random.py, ...) lying there ran on `scalingviz presets`. The console script, as users run it.
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "scalingviz"
    if not script.exists():
        script = shutil.which("scalingviz")
    if script is None:
        pytest.skip("the scalingviz console script is not installed (pip install -e .)")
    for stdlib in ("csv", "string", "random", "email", "zipfile", "json", "argparse", "importlib"):
        (tmp_path / f"{stdlib}.py").write_text(f"open({str(tmp_path / 'PWNED')!r}, 'a').write('{stdlib} ran\\n')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for args in (["presets"], ["data", "list"], ["plan", "--N", "7B", "--D", "1T", "--json"],
                 ["predict", "--law", "hoffmann2022", "--N", "1B", "--D", "20B"]):
        r = subprocess.run([str(script), *args], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
        assert r.returncode == 0, (args, r.stderr[-500:])
        assert not (tmp_path / "PWNED").exists(), (args, (tmp_path / "PWNED").read_text())
