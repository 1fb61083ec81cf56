"""Commands about the real data sets and the dashboard: data list/fetch/path, dashboard."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from .common import (
    _emit,
)
from .parser import UsageError


def _data_payload(name: str) -> dict[str, Any]:
    from .. import catalog

    ds = catalog.get(name)
    where = {"shipped": "the package's data/ folder", "local copy": "$SCALINGVIZ_EXTERNAL_DATA",
             "cached": str(catalog._cached(ds))}
    st = catalog.status(name)
    return {"name": ds.name, "title": ds.title, "licence": ds.licence, "citation": ds.citation,
            "origin": f"github.com/{ds.repo} @ {ds.commit}", "size_bytes": ds.size, "status": st,
            "location": where.get(st), "note": ds.note,
            "files": [{"name": f.name, "size_bytes": f.size,
                       **({"url": catalog.url(ds, f), "sha256": f.sha256} if not ds.shipped else
                          {"origin_path": f.path})} for f in ds.files]}


def _cmd_data_list(args: argparse.Namespace) -> None:
    from .. import catalog
    from .._cache import cache_dir

    payload = {"data_sets": [_data_payload(k) for k in catalog.CATALOG], "cache": str(cache_dir() / "data"),
               "origin": catalog.origin()}

    def render(d: dict[str, Any]) -> str:
        lines = []
        for x in d["data_sets"]:
            lines.append(f"{x['name']:<30} {x['status']:<13} {x['size_bytes'] / 1e3:>7,.0f} kB  {x['title']}")
            lines.append(f"{'':<30} licence: {x['licence']}")
        lines.append("")
        lines.append(f"fetched data sets are downloaded from {d['origin']} (pinned commits, sha256-checked) into "
                     f"{d['cache']}; `scalingviz data fetch NAME` or `--all`")
        return "\n".join(lines)

    _emit(payload, args.json, render)


def _cmd_data_fetch(args: argparse.Namespace) -> None:
    from .. import catalog

    names = [n for n, ds in catalog.CATALOG.items() if ds.in_all] if args.all else args.names
    if not names:
        raise UsageError("data fetch: name a data set (see `scalingviz data list`) or give --all")
    for name in names:
        catalog.get(name)  # an unknown name fails before anything is downloaded
    done, failed = [], []
    for name in names:
        try:
            folder = catalog.fetch(name, timeout=args.timeout, deadline=args.deadline)
        except catalog.DataUnavailable as exc:
            failed.append({"name": name, "error": str(exc)})
            if not args.json:
                print(f"scalingviz: {exc}", file=sys.stderr)
            continue
        done.append({"name": name, "status": catalog.status(name), "location": str(folder)})
        if not args.json:
            print(f"{name:<30} {done[-1]['status']:<13} {folder}")
    if args.json:
        _emit({"fetched": done, "failed": failed}, True, str)
    if failed:
        raise UsageError(f"data fetch: {len(failed)} of {len(names)} data sets could not be fetched"
                         + ("" if args.json else " (see above)"))


def _cmd_data_path(args: argparse.Namespace) -> None:
    from .. import catalog

    name, _, file = args.ref.partition("/")
    ds = catalog.get(name)
    files = [ds.file(file).name] if file else [f.name for f in ds.files]
    folder = catalog.fetch(name, timeout=args.timeout)
    payload = {"name": name, "status": catalog.status(name), "files": {f: str(folder / f) for f in files}}
    _emit(payload, args.json, lambda d: "\n".join(d["files"].values()))


def _cmd_dashboard(args: argparse.Namespace) -> None:
    """Hand over to :mod:`scalingviz.ui.launch` in a process of its own (the core never imports the UI)."""
    import importlib.util
    import subprocess

    if importlib.util.find_spec("voila") is None or importlib.util.find_spec("ipywidgets") is None:
        raise UsageError('the dashboard needs the ui extra: pip install -e ".[ui]"')
    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port: {args.port} is out of range; expected 1 to 65535")
    if not 1 <= args.max_pages <= 1000:
        raise UsageError(f"--max-pages: {args.max_pages} is out of range; expected 1 to 1000")
    argv = [sys.executable, "-m", "scalingviz.ui.launch", f"--port={args.port}", f"--max-pages={args.max_pages}"]
    argv += ["--no-browser"] * args.no_browser + ["--configure-jupyter"] * args.configure_jupyter
    argv += [f"--base-url={args.base_url}"] * (args.base_url is not None)
    argv += [f"--ready-file={args.ready_file}"] * (args.ready_file is not None)
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, argv)  # signals reach the launcher directly
    raise SystemExit(subprocess.call(argv))
