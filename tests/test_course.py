"""The course: exercise checks, the pilot-study exercise, and the notebooks' shape."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from scalingviz import course, get_preset

NB = Path(__file__).resolve().parents[1] / "notebooks"
COURSE = sorted(NB.glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("ex", list(course.EXERCISES))  # 09b's answer is stored (tests/test_luo2025.py checks it)
def test_each_exercise_accepts_its_solution_and_refuses_a_wrong_answer(ex, capsys):
    sol = course.solution(ex)
    assert course.check(ex, sol) and "correct" in capsys.readouterr().out
    assert not course.check(ex, sol * 1.5)
    out = capsys.readouterr().out
    assert "not yet" in out and "1.5x the expected value" in out and "Hint" in out
    assert not course.check(ex, None) and "is not a number" in capsys.readouterr().out


def test_a_stored_answer_is_used_only_for_the_inputs_it_was_made_from(monkeypatch, tmp_path):
    monkeypatch.setattr(course, "_SOLVED", {})
    assert course._stored("09b") is not None  # shipped, and its inputs unchanged
    other = tmp_path / "x.csv"
    other.write_text("step,lr,loss\n")
    monkeypatch.setitem(course._INPUTS, "09b", lambda: [other])
    assert course._stored("09b") is None  # other inputs: computed, not read


def test_solutions_come_from_the_presets():
    kap = get_preset("kaplan2020")
    assert course.solution("01a") == pytest.approx(10 ** -0.076)
    assert course.solution("02b") == pytest.approx(5e3 * 1e9**0.74)
    assert course.solution("03a") == pytest.approx(kap["B_star"] / 3.0 ** (1 / kap["alpha_B"]))
    assert course.solution("06a") == pytest.approx(1.79 * 1e9**-0.713 * 1e11**0.307, rel=1e-9)
    with pytest.raises(ValueError, match="exercise: 'zz' is not known"):
        course.check("zz", 1)


def test_pilot_runs_enforce_the_budget_and_the_grade_is_honest(capsys):
    N = np.array([1e7, 3e7, 1e8])
    loss = course.run_pilots(N, 20 * N)
    assert loss.shape == (3,) and np.all(np.diff(loss) < 0)
    with pytest.raises(ValueError, match="budget: these runs need .* the budget is 1e\\+20"):
        course.run_pilots([1e9], [1e11])
    with pytest.raises(ValueError, match="N: pilot runs must have 1M to 1B"):
        course.run_pilots([1e10], [1e9])
    true = course.score_prediction(2.0)["true_loss"]
    assert course.score_prediction(true * 1.004)["grade"] == "A"
    assert course.score_prediction(true * 1.03)["grade"] == "C"
    assert course.score_prediction(true * 1.2)["grade"] == "try again"


def test_course_notebooks_are_complete():
    assert [p.stem[:2] for p in COURSE] == [f"{i:02d}" for i in range(1, 11)]
    readme = (NB / "README.md").read_text()
    for p in COURSE:
        nb = json.loads(p.read_text())
        assert p.name in readme
        text = "".join("".join(c["source"]) for c in nb["cells"])
        assert "**Recreates:**" in text, p.name
        assert "from scalingviz.ui" in text, p.name  # a live widget
        assert "check(" in text or "score_prediction(" in text, p.name  # exercises with feedback
        assert "widgets" not in nb["metadata"], f"{p.name} stores widget state"


def test_no_notebook_saves_plotly_s_bundle_with_its_figures():
    # A LiveFigure outside Voila carries plotly's 5 MB bundle in its widget state, saved once per figure
    # when a teacher saves the executed notebook (5-31 MB each). Course figures are StaticFigures.
    for nb in sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9]*.ipynb")):
        assert "LiveFigure(" not in nb.read_text(), nb.name


def test_an_executed_and_saved_course_notebook_stays_small(tmp_path):
    nbclient = pytest.importorskip("nbclient")
    import nbformat

    # 10 shows two figures and no interactive widget (01, 02, 07 and 08 embed a dashboard tab, whose
    # figures are widgets and carry plotly's bundle outside Voila: see notebooks/README.md).
    src = Path(__file__).resolve().parents[1] / "notebooks" / "10_inference.ipynb"
    nb = nbformat.read(src, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(src.parent)}}).execute()
    out = tmp_path / src.name
    nbformat.write(nb, out)
    figures = [o for c in nb.cells for o in c.get("outputs", []) if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) >= 2  # the figures are there, as plotly JSON
    assert out.stat().st_size < 300_000, out.stat().st_size  # it was about 10 MB with two LiveFigures


def test_a_solution_is_computed_once_per_process(monkeypatch):
    calls = []
    ex = course.EXERCISES["09b"]
    monkeypatch.setitem(course.EXERCISES, "09b", dataclasses.replace(ex, solution=lambda: calls.append(1) or 3.0))
    monkeypatch.setattr(course, "_SOLVED", {})
    monkeypatch.setattr(course, "_INPUTS", {})  # no stored answer: computed
    assert course.check("09b", 3.0, quiet=True) and course.check("09b", 3.001, quiet=True)
    assert not course.check("09b", 4.0, quiet=True)
    assert calls == [1]
