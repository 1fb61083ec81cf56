"""How far a curve law's schedule answers have been right on real curves, as intervals.

A schedule comparison (WSD against cosine, a cooldown against another) is only as good as the law's
end-of-run error on runs it did not see. ``data/schedule_calibration.json`` (recipe:
``data/make_schedule_calibration.py``) holds that error for the Multi-Power Law on Luo et al.'s 25M, 100M
and 400M curves: every schedule's final loss predicted by the law refitted without it (leave one schedule
out; 25M and 100M) and by the published constants (all three), against the observed final loss. From it:

* :func:`final_loss_interval`: a predicted final loss times ``1 -/+ q``, ``q`` the largest relative
  error of any predicted final loss in the table (observed / predicted - 1);
* :func:`difference_interval`: a predicted difference between two schedules of the same length times
  the range ``[k_lo, k_hi]`` of observed/predicted over every pair whose predicted difference is at least
  :data:`MIN_DIFFERENCE`, widened on each side by the largest error on the pairs predicted closer than
  that (where a ratio means nothing): errors of large differences scale with them, small ones do not.

Both cover every row of the table by construction: they say "the law has been right to within this on
these curves", not more. They are calibrated on two small models trained at one peak LR; outside that
(other sizes, other peaks) they are the best statement available, not a guarantee.

>>> lo, hi = difference_interval(-0.1)      # the law says this schedule ends 0.1 nats lower
>>> lo < -0.1 < hi < 0                       # the interval: lower by 0.01 to 0.2 nats on real curves
True
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from .catalog import PACKAGE_DATA

__all__ = ["MIN_DIFFERENCE", "covers", "difference_interval", "final_loss_interval", "leave_one_size_out",
           "schedule_calibration", "table"]

FILE = "schedule_calibration.json"
#: Differences predicted smaller than this [nats] carry no usable ratio (the two-stage runs end 0.002-0.02
#: apart and the law gets some of them the wrong way round); their errors set the band's additive part.
MIN_DIFFERENCE = 0.02


@lru_cache(maxsize=1)
def schedule_calibration() -> dict[str, Any]:
    """The calibration table and the numbers drawn from it (``q``, ``k_lo``, ``k_hi``, ``floor``, ``text``)."""
    raw = json.loads((PACKAGE_DATA / FILE).read_text())
    curves, pairs = [], []
    for size, block in raw["sizes"].items():
        for name, c in block["curves"].items():
            for source in ("published", "leave_one_out"):
                if source not in c:
                    continue
                curves.append({"size": size, "schedule": name, "source": source, "predicted": c[source],
                               "observed": c["observed"], "rel_error": c["observed"] / c[source] - 1.0,
                               "in_sample": source == "published" and c["in_published_fit"]})
        for p in block["differences"]:
            for source in ("published", "leave_one_out"):
                if source not in p:
                    continue
                pairs.append({"size": size, "a": p["a"], "b": p["b"], "steps": p["steps"], "source": source,
                              "predicted": p[source], "observed": p["observed"]})
    q, k_lo, k_hi, floor = _band(curves, pairs)
    names = list(raw["sizes"])
    sizes = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    refit = sorted({p["size"] for p in pairs if p["source"] == "leave_one_out"}, key=names.index)
    text = (f"calibrated on Luo et al.'s {sizes} curves ({len(pairs)} predicted differences between schedules of "
            f"equal length: the published constants at every size, the law refitted without each schedule at "
            f"{' and '.join(refit)}): observed differences "
            f"were {k_lo:.2g} to {k_hi:.2g}x the predicted ones (+/- {floor:.3f} nats where the law predicted under "
            f"{MIN_DIFFERENCE} nats), and final losses within {100 * q:.2g}% (data/schedule_calibration.json)")
    return {"q": q, "k_lo": k_lo, "k_hi": k_hi, "floor": floor, "text": text, "curves": curves, "pairs": pairs,
            "sizes": tuple(raw["sizes"])}


def _band(curves: list[dict[str, Any]], pairs: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    """(q, k_lo, k_hi, floor) covering every row given."""
    q = max(abs(c["rel_error"]) for c in curves)
    ratios = [p["observed"] / p["predicted"] for p in pairs if abs(p["predicted"]) >= MIN_DIFFERENCE]
    small = [abs(p["observed"] - p["predicted"]) for p in pairs if abs(p["predicted"]) < MIN_DIFFERENCE]
    return q, min(ratios), max(ratios), max(small, default=0.0)


def leave_one_size_out() -> dict[str, dict[str, int]]:
    """How the band would have fared on each model size had that size been left out of the calibration:
    per size, the differences and final losses inside intervals built from the other sizes alone."""
    c = schedule_calibration()
    out = {}
    for size in c["sizes"]:
        q, k_lo, k_hi, floor = _band([x for x in c["curves"] if x["size"] != size],
                                     [x for x in c["pairs"] if x["size"] != size])
        held = [x for x in c["pairs"] if x["size"] == size]
        inside = 0
        for x in held:
            a, b = x["predicted"] * k_lo, x["predicted"] * k_hi
            inside += min(a, b) - floor <= x["observed"] <= max(a, b) + floor
        curves = [x for x in c["curves"] if x["size"] == size]
        out[size] = {"differences": len(held), "differences_inside": int(inside), "final_losses": len(curves),
                     "final_losses_inside": int(sum(abs(x["rel_error"]) <= q for x in curves)),
                     "k_lo": k_lo, "k_hi": k_hi}
    return out


def final_loss_interval(loss: float) -> list[float]:
    """[low, high] around a predicted final loss [nats/token], from the law's worst relative error."""
    q = schedule_calibration()["q"]
    return [float(loss) * (1 - q), float(loss) * (1 + q)]


def difference_interval(difference: float) -> list[float]:
    """[low, high] around a predicted difference of two schedules' final losses [nats/token]."""
    c = schedule_calibration()
    a, b = difference * c["k_lo"], difference * c["k_hi"]
    return [float(min(a, b) - c["floor"]), float(max(a, b) + c["floor"])]


def covers(row: dict[str, Any]) -> bool:
    """Whether the stated interval of a calibration pair contains its observed difference."""
    lo, hi = difference_interval(row["predicted"])
    return bool(lo <= row["observed"] <= hi)


def table() -> list[dict[str, Any]]:
    """Every pair with its stated interval and whether it holds the observed difference (for BENCHMARKS.md)."""
    return [{**p, "interval": difference_interval(p["predicted"]), "covered": covers(p)}
            for p in schedule_calibration()["pairs"]]
