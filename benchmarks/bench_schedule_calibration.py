"""The schedule intervals and how they hold (issue 19): the calibration table behind
:mod:`scalingviz.calibration`, and how a band built without one model size fared on that size.

Run:  python benchmarks/bench_schedule_calibration.py        (prints Markdown tables for BENCHMARKS.md)
"""

from __future__ import annotations

import _shared  # noqa: F401  (points $SCALINGVIZ_EXTERNAL_DATA at ../shared/data when present)

from scalingviz import calibration


def _short(name: str) -> str:
    return name.replace("_20000_24000", "").replace("_24000", " 24k").replace("_72000", " 72k")


def calibration_table() -> None:
    c = calibration.schedule_calibration()
    print(f"Band: observed/predicted difference in [{c['k_lo']:.3f}, {c['k_hi']:.3f}], +/- {c['floor']:.4f} nats "
          f"where |predicted| < {calibration.MIN_DIFFERENCE}; final losses within {100 * c['q']:.2f}%\n")
    print("| size | a - b | constants | predicted | observed | stated interval | holds |")
    print("|---|---|---|---|---|---|---|")
    rows = calibration.table()
    for r in rows:
        lo, hi = r["interval"]
        print(f"| {r['size']} | {_short(r['a'])} - {_short(r['b'])} | {r['source'].replace('_', ' ')} | "
              f"{r['predicted']:+.4f} | {r['observed']:+.4f} | [{lo:+.4f}, {hi:+.4f}] | {'yes' if r['covered'] else 'NO'} |")
    wc = [r for r in rows if "cosine_24000" in (r["a"], r["b"]) and any(x.startswith("wsd") and "con" not in x
                                                                          for x in (r["a"], r["b"]))]
    print(f"\nWSD against cosine: {sum(r['covered'] for r in wc)} of {len(wc)} stated intervals hold the observed "
          f"gap; all pairs: {sum(r['covered'] for r in rows)} of {len(rows)}.\n")


def leave_one_size_out() -> None:
    print("| size left out | band from the others | differences inside | final losses inside |")
    print("|---|---|---|---|")
    for size, r in calibration.leave_one_size_out().items():
        print(f"| {size} | [{r['k_lo']:.2f}, {r['k_hi']:.2f}] | {r['differences_inside']} of {r['differences']} | "
              f"{r['final_losses_inside']} of {r['final_losses']} |")


if __name__ == "__main__":
    calibration_table()
    leave_one_size_out()
