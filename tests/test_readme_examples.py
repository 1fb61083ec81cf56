"""Every ``$ scalingviz ...`` example in the README runs as written, from the repository root, and prints
what the README shows.

An example is a ```text block whose first line is ``$ scalingviz ...``; the lines after it are the
output the README quotes, where a line ``...`` stands for any number of lines the README leaves out.
The command runs through the package's CLI with the data sets resolved as a
user's would be (shipped under ``data/``, or a local copy / the cache for fetched ones); an example
whose data set is not on this machine and cannot be fetched skips with the reason. Outputs are compared
line by line after trailing spaces are dropped; nothing else is normalised (no example prints a path or
a timing), except in examples that bootstrap: there every number may differ from the README's by
``BOOTSTRAP_RTOL``, since the refits' optima (above all the far end of a constant's interval when the
runs do not identify it) move with numpy's and scipy's versions. Measured: B's upper 95% bound in the
Epoch example moved from 4.497e5 to 4.604e5 (2.4%) when the venv was rebuilt with numpy 2.4.6 and
scipy 1.17.1, with the package's code unchanged. The words, and every number of an example without a
bootstrap, still have to match exactly.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from scalingviz import catalog

REPO = Path(__file__).resolve().parents[1]
BOOTSTRAP_RTOL = 0.05
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
_BLOCK = re.compile(r"^```text\n(\$ scalingviz [^\n]*)\n(.*?)^```", re.M | re.S)


def examples() -> list[tuple[str, list[str]]]:
    found = [(m.group(1)[2:], m.group(2).rstrip("\n").split("\n")) for m in _BLOCK.finditer((REPO / "README.md").read_text())]
    assert len(found) >= 8, "README examples not found: has their format changed?"
    return [pytest.param(*f, marks=pytest.mark.slow) if "--bootstrap 1000" in f[0] else f for f in found]


def _same(want: str, got: str, rtol: float) -> bool:
    """The lines are equal, or (``rtol`` > 0) equal in their words with every number within ``rtol``."""
    if want == got or rtol == 0:
        return want == got
    w, g = _NUMBER.split(want), _NUMBER.split(got)
    if w != g:
        return False
    return all(abs(float(a) - float(b)) <= rtol * max(abs(float(a)), abs(float(b)))
               for a, b in zip(_NUMBER.findall(want), _NUMBER.findall(got), strict=True))


def _data_sets(argv: list[str]) -> list[str]:
    return [a.split("/")[0] for a in argv if len(a.split("/")) == 2 and a.split("/")[0] in catalog.CATALOG]


@pytest.mark.parametrize("command, expected", examples(), ids=lambda x: x if isinstance(x, str) else "")
def test_readme_example_runs_as_written(command, expected):
    argv = shlex.split(command)[1:]
    for name in _data_sets(argv):
        try:
            catalog.fetch(name, timeout=10)
        except catalog.DataUnavailable as exc:
            pytest.skip(f"data set {name} is not on this machine and could not be fetched: {exc}")
    r = subprocess.run([sys.executable, "-m", "scalingviz.cli", *argv], cwd=REPO, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    got = [line.rstrip() for line in r.stdout.rstrip("\n").split("\n")]
    want = [line.rstrip() for line in expected]
    if "..." in want:
        pattern = "".join(r"(?:.*\n)*?" if w == "..." else re.escape(w) + r"\n" for w in want)
        assert re.fullmatch(pattern, "\n".join(got) + "\n"), (
            "the README's lines (with ... for any lines) are not the output:\n" + "\n".join(got))
        return
    rtol = BOOTSTRAP_RTOL if "--bootstrap" in argv else 0.0
    assert len(got) == len(want) and all(_same(w, g, rtol) for w, g in zip(want, got, strict=True)), "\n".join(
        f"README: {w}\n   got: {g}" for w, g in zip(want, got, strict=False) if not _same(w, g, rtol)) or (
        f"{len(want)} lines in the README, {len(got)} printed")


def _update() -> None:
    """Rewrite each example's output in README.md with what the command prints now (review the diff)."""
    path = REPO / "README.md"
    text = path.read_text()

    def run(m: re.Match) -> str:
        if "\n...\n" in m.group(0):
            return m.group(0)  # an elided example is kept; the test still checks it
        argv = shlex.split(m.group(1)[2:])[1:]
        r = subprocess.run([sys.executable, "-m", "scalingviz.cli", *argv], cwd=REPO, capture_output=True, text=True,
                           timeout=600)
        if r.returncode != 0:
            print(f"kept (exit {r.returncode}): {m.group(1)}\n{r.stderr}", file=sys.stderr)
            return m.group(0)
        out = "\n".join(line.rstrip() for line in r.stdout.rstrip("\n").split("\n"))
        return f"```text\n{m.group(1)}\n{out}\n```"

    path.write_text(_BLOCK.sub(run, text))


if __name__ == "__main__":  # python tests/test_readme_examples.py --update
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_readme_examples.py --update")
    _update()


def test_the_readme_s_scripts_end_offline_with_one_line(tmp_path):
    # No local copy, an empty cache and an origin that refuses: a message naming the data set, no traceback.
    import os

    scripts = sorted(set(re.findall(r"python (data/[a-z0-9_]+\.py)", (REPO / "README.md").read_text())))
    assert scripts, "the README names no script"
    env = {k: v for k, v in os.environ.items() if k != "SCALINGVIZ_EXTERNAL_DATA"}
    env.update(SCALINGVIZ_CACHE=str(tmp_path / "cache"), SCALINGVIZ_DATA_ORIGIN="http://127.0.0.1:9")
    for script in scripts:
        r = subprocess.run([sys.executable, script], cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
        if r.returncode == 0:
            continue  # it reads shipped data only
        assert r.returncode == 2 and "Traceback" not in r.stderr, (script, r.stderr[-2000:])
        assert len(r.stderr.strip().splitlines()) == 1 and "could not be downloaded" in r.stderr, (script, r.stderr)


def test_bootstrap_examples_allow_only_their_numbers_to_move():
    a = "  B                   33022.4   95% CI [3999, 4.497e+05]"
    assert _same(a, a.replace("4.497e+05", "4.604e+05"), BOOTSTRAP_RTOL)  # 2.4%: a scipy upgrade
    assert not _same(a, a.replace("4.497e+05", "4.604e+05"), 0.0)  # an example without a bootstrap
    assert not _same(a, a.replace("4.497e+05", "4.097e+05"), BOOTSTRAP_RTOL)  # 11%: a change in the fit
    assert not _same("spans 112x: not identified", "spans 115x: identified", BOOTSTRAP_RTOL)
