"""Every ``$ scalingviz ...`` example in the README runs as written, from the repository root, and prints
what the README shows.

An example is a ```text block whose first line is ``$ scalingviz ...``; the lines after it are the
output the README quotes, where a line ``...`` stands for any number of lines the README leaves out.
The command runs through the package's CLI with the data sets resolved as a
user's would be (shipped under ``data/``, or a local copy / the cache for fetched ones); an example
whose data set is not on this machine and cannot be fetched skips with the reason. Outputs are compared
line by line after trailing spaces are dropped; nothing else is normalised (no example prints a path or
a timing).
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
_BLOCK = re.compile(r"^```text\n(\$ scalingviz [^\n]*)\n(.*?)^```", re.M | re.S)


def examples() -> list[tuple[str, list[str]]]:
    found = [(m.group(1)[2:], m.group(2).rstrip("\n").split("\n")) for m in _BLOCK.finditer((REPO / "README.md").read_text())]
    assert len(found) >= 8, "README examples not found: has their format changed?"
    return [pytest.param(*f, marks=pytest.mark.slow) if "--bootstrap 1000" in f[0] else f for f in found]


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
    assert got == want, "\n".join(f"README: {w}\n   got: {g}" for w, g in zip(want, got, strict=False) if w != g) or (
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
