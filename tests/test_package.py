"""Package-level checks: light import, doctests, no user-text eval, the README and CI agree."""

import ast
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
    # the long soak and the slow end-to-end runs are not in the command a contributor runs often, and CI
    # runs them after that command
    assert '-m "not soak and not slow"' in cmd and "pytest -m soak" in ci and 'pytest -m "slow and not soak"' in ci


# -- no import cycle (issue 24): every relative import, at any depth, between the package's modules ------

def _module_graph(root: Path) -> dict[str, set[str]]:
    """module -> the package's modules it imports (relative imports anywhere in it, lazy ones too)."""
    mods = {}
    for f in root.rglob("*.py"):
        parts = f.relative_to(root.parent).with_suffix("").parts
        mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    graph = {}
    for mod, f in mods.items():
        pkg = mod if f.name == "__init__.py" else mod.rsplit(".", 1)[0]
        deps = set()
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = pkg.split(".")
                target = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
                subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in mods]
                deps.update(subs if len(subs) == len(node.names) else [target, *subs])
        # an import from a parent package is not an edge back to it (the package imports its modules)
        graph[mod] = {d for d in deps if d in mods and d != mod and not mod.startswith(d + ".")}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    out: list[list[str]] = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_between_modules():
    graph = _module_graph(REPO / "scalingviz")
    assert len(graph) > 30 and {"scalingviz.laws.su2024", "scalingviz.catalog"} <= set(graph)
    assert _cycles(graph) == []
    # the checker sees a cycle when there is one (the kind issue 24 found: a lazy import back)
    graph["scalingviz.units"] = graph["scalingviz.units"] | {"scalingviz.presets"}
    assert any({"scalingviz.units", "scalingviz.presets"} <= set(c) for c in _cycles(graph))


def test_docs_architecture_names_every_module_and_the_formulas_reference_is_in_the_repository():
    text = (REPO / "docs" / "architecture.md").read_text()
    for path in sorted((REPO / "scalingviz").rglob("*.py")):
        rel = path.relative_to(REPO / "scalingviz")
        # named by its file name, in the tree under its folder (laws/, ui/), or by its path
        assert f" {rel.name} " in text.replace("\n", " ") or str(rel) in text, f"docs/architecture.md does not name {rel}"
    cited = [p for p in (REPO / "scalingviz").rglob("*.py") if "formulas.md" in p.read_text()]
    assert cited and (REPO / "docs" / "formulas.md").is_file()


#: Modules over 700 lines: presets alone (data). The list may only shrink.
LONG_MODULES = {"presets.py"}


def test_no_module_over_700_lines_but_the_listed_ones():
    long = {str(p.relative_to(REPO / "scalingviz")) for p in (REPO / "scalingviz").rglob("*.py")
            if len(p.read_text().splitlines()) > 700}
    assert long <= LONG_MODULES, f"over 700 lines: {sorted(long - LONG_MODULES)}"


def test_every_public_law_function_has_parameters_and_an_example():
    # issue 24: a Parameters section and an example (run as a doctest above) in the docstring of every
    # public function of every law module (its __all__, where it is defined).
    import importlib
    import inspect
    import pkgutil

    import scalingviz.laws as laws

    missing, seen = [], 0
    for info in pkgutil.iter_modules(laws.__path__):
        mod = importlib.import_module(f"scalingviz.laws.{info.name}")
        for name in getattr(mod, "__all__", ()):
            fn = getattr(mod, name)
            if inspect.isfunction(fn) and fn.__module__ == mod.__name__:
                seen += 1
                doc = inspect.getdoc(fn) or ""
                missing += [f"{info.name}.{name}: {s}" for s in ("Parameters\n---", "Examples\n---") if s not in doc]
    assert seen >= 50 and missing == []
