"""Package-level checks: light import, doctests, no user-text eval, the README and CI agree."""

import doctest
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import scalingviz

REPO = Path(__file__).resolve().parents[1]
CORE_MODULES = sorted(
    m.name for m in pkgutil.walk_packages(scalingviz.__path__, "scalingviz.") if not m.name.startswith("scalingviz.ui")
)


def test_import_is_light():
    code = "import sys, scalingviz; print(sorted(m for m in ('pandas', 'plotly', 'ipywidgets', 'scipy.optimize') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"


@pytest.mark.parametrize("name", CORE_MODULES)
def test_doctests(name):
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_core_never_imports_ui():
    for path in (REPO / "scalingviz").rglob("*.py"):
        if "ui" in path.relative_to(REPO / "scalingviz").parts:
            continue
        text = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+(ipywidgets|plotly)", text, re.M), path
        assert not re.search(r"from\s+\.+ui\b|import\s+scalingviz\.ui", text), path


def test_no_eval_or_exec_in_package():
    for path in (REPO / "scalingviz").rglob("*.py"):
        assert not re.search(r"\b(eval|exec)\s*\(", path.read_text()), path


def test_no_global_warning_silencing():
    for path in list((REPO / "scalingviz").rglob("*.py")) + list((REPO / "tests").rglob("*.py")):
        text = path.read_text()
        assert "np.seterr(" not in text.replace('"np.seterr("', ""), path
        assert "simplefilter(\"ignore\")" not in text and "filterwarnings(\"ignore\")" not in text, path


def test_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    m = re.search(r"<!-- test-command -->\s*```(?:bash|sh)?\n(.+?)\n```", readme, re.S)
    assert m, "README.md must mark its test command with <!-- test-command -->"
    cmd = m.group(1)
    assert "pytest" in cmd and "pip uninstall -y rfc3987-syntax" in cmd
    ci = (REPO / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in ci  # .ci/run extracts and runs that block, it does not copy it
    extracted = subprocess.run(
        ["awk", '/<!-- test-command -->/{m=1; next} m && /^```/{ if (open) exit; open=1; next } m && open {print}',
         str(REPO / "README.md")], capture_output=True, text=True, check=True).stdout.strip()
    assert extracted == cmd.strip()
    assert extracted in ci or "awk" in ci
    # the long soak is not in the command a contributor runs often, and CI runs it after that command
    assert '-m "not soak"' in cmd and "pytest -m soak" in ci
