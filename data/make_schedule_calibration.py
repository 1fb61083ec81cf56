"""Recipe for data/schedule_calibration.json: how far the Multi-Power Law's final losses and schedule
differences land from real curves it did not see.

For each of Luo et al.'s model sizes (25M and 100M shipped in data/multipower_luo2025; 400M from a local copy
of the origin's loss_curve_repo/csv_400 at 8da9f19 (MIT, not shipped), checked against the sha256s below;
nine schedules each):
- ``published``: the paper's constants (presets luo2025-25m / -100m) evaluated on all nine curves. Three of
  the nine (cosine_24000, constant_24000, wsdcon_9) are the curves those constants were fitted on;
- ``leave_one_out`` (25M and 100M): for each schedule, the law refitted (scalingviz.fit.fit_curve, from the
  published constants) to the other eight curves, then the left-out curve's final loss predicted. At 400M
  only the published constants are used (their six test curves are held out from them; nine refits there
  would take another hour).
Each curve's final loss is its last logged point. Differences are taken between schedules of the same
length (24,000 steps: cosine, constant, WSD, WSD with linear decay; 72,000: cosine, constant; 16,000:
the three two-stage runs), each schedule predicted by the fit that did not see it.

Usage: python data/make_schedule_calibration.py --dir-400m PATH [--only SIZE]   (about 40 minutes on 2 cores;
PATH holds the nine csv_400 files of github.com/thu-yao-01-luo/MultiPowerLaw at 8da9f19; --only recomputes one
size and merges it into the existing file)
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "schedule_calibration.json"


SIZES = (("25M", "luo2025-25m", True), ("100M", "luo2025-100m", True), ("400M", "luo2025-400m", False))
#: sha256 of the origin's loss_curve_repo/csv_400 files at 8da9f1902602f3391b971a811e3cc51604541769.
SHA256_400M = {
    "constant_24000.csv": "5d91536675592acdc40ea56f71ca24ee9026243e51a0a791ac25b631381c45ee",
    "constant_72000.csv": "a453ef82f549470cc8250723917668801436dd835fd17bbf71e1fd77d00a3b6c",
    "cosine_24000.csv": "aa18c9dbad66610d2037249bbcbf08fdce0983aa486b876ba95c2e3fb6fc0dce",
    "cosine_72000.csv": "347acbdc80042cb7cfe0dcb28580a2780718ccbad23443d4de76821f0a1ab41e",
    "wsd_20000_24000.csv": "8a56dbd8f6b553b42ca8b3f4be9822cf5b7458a6c1b7ae0ddc6ac57b2893dea7",
    "wsdcon_18.csv": "998aaf3fd14de43fe754c7250885d7f72e20e7a210b1ea205a8af37ea8b22951",
    "wsdcon_3.csv": "e1a896755ea1e1a6a4648a503be6a19eb62fc7ef12fbab3440a66f7a94197ac6",
    "wsdcon_9.csv": "497aa4a60df8f520e11e212a990dcf70e8bfd89e814f295dc5476af630aac768",
    "wsdld_20000_24000.csv": "7c5d5141d917955491732606e8817e7fdbd4bc2036e508e1610ab8bd252267dc",
}


def _checked_folder(path: str) -> Path:
    import hashlib

    folder = Path(path)
    for name, digest in SHA256_400M.items():
        f = folder / name
        if not f.is_file() or hashlib.sha256(f.read_bytes()).hexdigest() != digest:
            sys.exit(f"{f}: missing or not the origin's file at 8da9f19 (sha256 {digest[:12]}...)")
    return folder


def size_block(size: str, preset: str, leave_one_out: bool, folder: Path | None = None) -> dict:
    from scalingviz import datasets, fit, get_preset

    law = get_preset(preset)
    curves = datasets.multipower_curves(size, folder=folder)
    rows = {}
    for name, c in curves.items():
        t0 = time.time()
        last = int(c["step"][-1])
        rows[name] = {"steps": int(c["lr"].size), "last_logged_step": last, "observed": float(c["loss"][-1]),
                      "published": float(law.curve(last, c["lr"])),
                      "in_published_fit": name in datasets.MULTIPOWER_FIT_SET}
        if leave_one_out:
            refit = fit.fit_curve({k: v for k, v in curves.items() if k != name}, law, starts=2)
            rows[name].update(leave_one_out=float(refit.predict(last, c["lr"])), refit_status=refit.status,
                              refit_condition=refit.condition)
        print(f"{size} {name}: observed {rows[name]['observed']:.4f}, published {rows[name]['published']:.4f}"
              + (f", left out {rows[name]['leave_one_out']:.4f}" if leave_one_out else "")
              + f" ({time.time() - t0:.0f} s)", file=sys.stderr)
    sources = ("published", "leave_one_out") if leave_one_out else ("published",)
    pairs = []
    for a, b in itertools.combinations(rows, 2):
        if rows[a]["steps"] != rows[b]["steps"]:
            continue
        pairs.append({"a": a, "b": b, "steps": rows[a]["steps"], "observed": rows[a]["observed"] - rows[b]["observed"],
                      **{src: rows[a][src] - rows[b][src] for src in sources}})
    return {"preset": preset, "curves": rows, "differences": pairs}


def main(argv: list[str]) -> None:
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    out = (json.loads(OUT.read_text()) if only and OUT.exists() else
           {"recipe": "data/make_schedule_calibration.py", "law": "multipower (Luo et al. 2025)", "sizes": {}})
    dir_400m = argv[argv.index("--dir-400m") + 1] if "--dir-400m" in argv else None
    for size, preset, loo in SIZES:
        if only is None or size == only:
            if size == "400M" and dir_400m is None:
                sys.exit("--dir-400m PATH: the 400M curves are not shipped; give a copy of the origin's csv_400")
            out["sizes"][size] = size_block(size, preset, loo, _checked_folder(dir_400m) if size == "400M" else None)
    out["sizes"] = {s: out["sizes"][s] for s, _p, _l in SIZES if s in out["sizes"]}
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"-> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
