"""Learning-rate schedules as per-step arrays, built from a spec or from a log.

A :class:`Schedule` is a validated spec; :meth:`Schedule.lrs` gives the learning rate of every
optimizer step ``0 .. steps-1``. Every kind starts with a linear warmup from 0 to the peak over
``warmup`` steps (``np.linspace(0, peak, warmup)``, as Luo et al.'s reference code builds them), so
a schedule of this module reproduces the Multi-Power Law paper's schedules exactly:

* ``constant``: the peak until the end;
* ``cosine``: ``floor + (peak - floor)(1 + cos(pi t'/T'))/2`` from the end of warmup to the last step;
* ``linear``: a straight line from the peak to the floor;
* ``wsd`` (warmup-stable-decay): the peak, then a cooldown over the last ``cooldown`` fraction of
  the steps, shaped ``linear``, ``cosine``, ``exp`` (geometric, the paper's ``wsd``) or ``sqrt``
  (``1 - sqrt``);
* ``two-stage``: the peak until step ``switch``, then ``lr2`` (the paper's ``wsdcon``);
* :func:`from_log`: a logged (step, lr) table, interpolated between logged steps; before the first
  logged step the first logged rate (or a linear warmup, when its length is given).

>>> s = Schedule("wsd", steps=24_000, peak_lr=3e-4, warmup=2160, floor=3e-5, cooldown=1/6, decay_shape="exp")
>>> lr = s.lrs()
>>> lr.size, float(lr[2159]), float(lr[19_999]), round(float(lr[-1]), 7)
(24000, 0.0003, 0.0003, 3e-05)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import InputError, shown
from .names import DECAY_SHAPES, SCHEDULE_KINDS
from .presets import DEEPSEEK_LR_DROPS

__all__ = ["DECAY_SHAPES", "DEEPSEEK_DROPS", "KINDS", "Schedule", "from_log", "unlogged_assumption"]

KINDS = SCHEDULE_KINDS
#: The multi-step kind's default drops: DeepSeek LLM's (a published setting, kept in presets.py with its source).
DEEPSEEK_DROPS = DEEPSEEK_LR_DROPS
#: The most steps a schedule may have (the curve law's cost grows with them).
MAX_STEPS = 10_000_000


def _positive(name: str, value: Any, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}: {shown(value)} is not a number; expected {what}") from None
    except OverflowError:
        v = math.inf
    if not (math.isfinite(v) and v > 0):
        raise InputError(f"{name}: {shown(value)} is out of range; expected {what} > 0")
    return v


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule, validated at construction.

    Parameters
    ----------
    kind : {"constant", "cosine", "linear", "wsd", "two-stage"}
    steps : int
        Total optimizer steps T.
    peak_lr : float
        The learning rate after warmup.
    warmup : int
        Steps of linear warmup from 0 (0 for none); must be below ``steps``.
    floor : float
        The final learning rate of ``cosine``, ``linear`` and ``wsd`` (default peak/10); <= peak.
    cooldown : float
        ``wsd`` only: the fraction of all steps spent decaying, in (0, 1].
    decay_shape : {"linear", "cosine", "exp", "sqrt"}
        ``wsd`` only: the cooldown's shape.
    switch : int
        ``two-stage`` only: the step at which the learning rate drops to ``lr2``.
    lr2 : float
        ``two-stage`` only: the second stage's learning rate.
    drops : tuple of (fraction, factor)
        ``multi-step`` only: from ``fraction`` of the steps on, the learning rate is ``factor`` x the
        peak (default DeepSeek LLM's, :data:`DEEPSEEK_DROPS`).
    """

    kind: str
    steps: int
    peak_lr: float = 3e-4
    warmup: int = 0
    floor: float | None = None
    cooldown: float = 0.2
    decay_shape: str = "linear"
    switch: int | None = None
    lr2: float | None = None
    drops: tuple[tuple[float, float], ...] = DEEPSEEK_DROPS

    def __post_init__(self) -> None:
        s = object.__setattr__
        if not isinstance(self.kind, str) or self.kind not in KINDS:
            raise InputError(f"kind: {shown(self.kind)} is not a schedule kind; valid: {', '.join(KINDS)}")
        steps = _positive("steps", self.steps, "a number of optimizer steps")
        if steps != int(steps) or steps < 2 or steps > MAX_STEPS:
            raise InputError(f"steps: {self.steps!r} is out of range; expected a whole number from 2 to {MAX_STEPS:,}")
        s(self, "steps", int(steps))
        s(self, "peak_lr", _positive("peak_lr", self.peak_lr, "a peak learning rate"))
        try:
            warmup = float(self.warmup)
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"warmup: {self.warmup!r} is not a number; expected whole steps, 0 to steps - 1") from None
        if warmup != int(warmup) or not 0 <= warmup < self.steps:
            raise InputError(f"warmup: {self.warmup!r} is out of range; expected whole steps from 0 to "
                             f"{self.steps - 1} (below steps = {self.steps})")
        s(self, "warmup", int(warmup))
        floor = self.peak_lr / 10 if self.floor is None else _positive("floor", self.floor, "a final learning rate")
        if floor > self.peak_lr:
            raise InputError(f"floor: {self.floor!r} is out of range; expected a final learning rate <= peak_lr "
                             f"({self.peak_lr:g})")
        s(self, "floor", floor)
        if self.kind == "wsd":
            try:
                frac = float(self.cooldown)
            except (TypeError, ValueError, OverflowError):
                raise InputError(f"cooldown: {self.cooldown!r} is not a number; expected a fraction in (0, 1]") from None
            if not 0 < frac <= 1:
                raise InputError(f"cooldown: {self.cooldown!r} is out of range; expected a fraction of the steps "
                                 "in (0, 1]")
            s(self, "cooldown", frac)
            if self.decay_shape not in DECAY_SHAPES:
                raise InputError(f"decay_shape: {self.decay_shape!r} is not valid; valid: {', '.join(DECAY_SHAPES)}")
            if self.decay_start < self.warmup:
                raise InputError(f"cooldown: {frac:g} of {self.steps} steps starts at step {self.decay_start}, inside "
                                 f"the {self.warmup}-step warmup; expected at most {1 - self.warmup / self.steps:.4g}")
        if self.kind == "two-stage":
            if self.switch is None or self.lr2 is None:
                raise InputError("two-stage: give switch (the step of the drop) and lr2 (the second learning rate)")
            sw = _positive("switch", self.switch, "the step of the drop")
            if sw != int(sw) or not self.warmup <= sw < self.steps:
                raise InputError(f"switch: {self.switch!r} is out of range; expected a whole step from warmup "
                                 f"({self.warmup}) to {self.steps - 1}")
            s(self, "switch", int(sw))
            s(self, "lr2", _positive("lr2", self.lr2, "the second stage's learning rate"))

        if self.kind == "multi-step":
            try:
                drops = tuple((float(f), float(k)) for f, k in self.drops)
            except (TypeError, ValueError):
                raise InputError(f"drops: {self.drops!r} is not a list of (fraction, factor) pairs") from None
            fr = [f for f, _ in drops]
            if not drops or any(not 0 < f < 1 for f in fr) or fr != sorted(set(fr)):
                raise InputError(f"drops: fractions {fr} are out of range; expected increasing fractions of the "
                                 "steps in (0, 1)")
            if any(not 0 < k <= 1 for _, k in drops):
                raise InputError(f"drops: factors {[k for _, k in drops]} are out of range; expected fractions of the "
                                 "peak in (0, 1]")
            if round(fr[0] * self.steps) < self.warmup:
                raise InputError(f"drops: the first drop at {fr[0]:g} of {self.steps} steps falls inside the "
                                 f"{self.warmup}-step warmup")
            s(self, "drops", drops)

    @property
    def decay_start(self) -> int:
        """``wsd``: the first step of the cooldown, ``steps - round(cooldown * steps)``."""
        return self.steps - int(round(self.cooldown * self.steps))

    def lrs(self) -> NDArray:
        """The learning rate of every step ``0 .. steps-1``."""
        T, w, peak, floor = self.steps, self.warmup, self.peak_lr, self.floor
        t = np.arange(T, dtype=float)
        out = np.full(T, peak)
        if self.kind == "cosine":
            out = floor + 0.5 * (peak - floor) * (1 + np.cos(np.pi * (t - w) / (T - w)))
        elif self.kind == "linear":
            out = peak + (floor - peak) * (t - w) / (T - 1 - w if T - 1 > w else 1)
        elif self.kind == "wsd":
            d = self.decay_start
            x = np.clip((t - d) / (T - d), 0.0, None)  # 0 at the cooldown's start, (T-1-d)/(T-d) at the end
            shape = self.decay_shape
            if shape == "exp":  # peak^(1-x) floor^x, the paper's wsd_lrs
                decay = peak ** (1 - x) * floor**x
            elif shape == "linear":  # the paper's wsdld_lrs
                decay = peak * (1 - x) + floor * x
            elif shape == "cosine":
                decay = floor + 0.5 * (peak - floor) * (1 + np.cos(np.pi * x))
            else:  # 1 - sqrt
                decay = floor + (peak - floor) * (1 - np.sqrt(x))
            out = np.where(t >= d, decay, peak)
        elif self.kind == "two-stage":
            out = np.where(t >= self.switch, self.lr2, peak)
        elif self.kind == "multi-step":
            for frac, factor in self.drops:
                out = np.where(t >= round(frac * T), factor * peak, out)
        if w:
            out[:w] = np.linspace(0.0, peak, w)
        return out

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.kind != "wsd":
            d.pop("cooldown"), d.pop("decay_shape")
        if self.kind != "two-stage":
            d.pop("switch"), d.pop("lr2")
        if self.kind != "multi-step" or self.drops == DEEPSEEK_DROPS:
            d.pop("drops")
        else:
            d["drops"] = [list(x) for x in self.drops]
        if self.kind in ("constant", "two-stage", "multi-step"):
            d.pop("floor")
        return d

    def describe(self) -> str:
        """One line for legends and reports."""
        wu = f", {self.warmup:,} warmup" if self.warmup else ""
        if self.kind == "constant":
            body = f"constant {self.peak_lr:g}"
        elif self.kind == "two-stage":
            body = f"{self.peak_lr:g} then {self.lr2:g} from step {self.switch:,}"
        elif self.kind == "multi-step":
            body = f"multi-step {self.peak_lr:g}, " + ", ".join(f"x{k:g} from {100 * f:g}%" for f, k in self.drops)
        elif self.kind == "wsd":
            body = (f"WSD {self.peak_lr:g} -> {self.floor:g}, {self.decay_shape} cooldown over the last "
                    f"{100 * self.cooldown:.3g}%")
        else:
            body = f"{self.kind} {self.peak_lr:g} -> {self.floor:g}"
        return f"{body}{wu}, {self.steps:,} steps"

    def replace(self, **changes: Any) -> Schedule:
        """A copy with some fields changed (validated again)."""
        return Schedule(**{**asdict(self), **changes})


def from_log(step: ArrayLike, lr: ArrayLike, *, steps: int | None = None, warmup: int | None = None) -> NDArray:
    """A per-step schedule from a logged (step, lr) table.

    The learning rate is interpolated linearly between logged steps and held after the last one
    (to ``steps - 1``, default the last logged step). The steps before the first logged step s0 are
    not in the log: by default (and with ``warmup=0``) the run is taken to have been at the first
    logged rate from step 0 (no warmup is invented, and the rate is never 0); with ``warmup=W``
    (0 < W <= s0) it ramped linearly from 0 over its first W steps, then held the first logged rate
    until s0. :func:`unlogged_assumption` says which, in words.
    """
    columns = []
    for name, col in (("step", step), ("lr", lr)):
        try:
            columns.append(np.asarray(col, dtype=float).ravel())
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"{name}: {shown(col)} is not a column of numbers") from None
    st, lr_ = columns
    if st.size != lr_.size:
        raise InputError(f"step, lr: {st.size} steps but {lr_.size} learning rates; give one lr per logged step")
    if st.size < 1:
        raise InputError("step: the log is empty; give at least one (step, lr) row")
    if not np.all(np.isfinite(st)) or np.any(st < 0) or np.any(st != np.round(st)):
        bad = int(np.flatnonzero(~np.isfinite(st) | (st < 0) | (st != np.round(st)))[0])
        raise InputError(f"step: row {bad + 1} has {float(st[bad])!r}; expected whole steps >= 0")
    if np.any(np.diff(st) <= 0):
        bad = int(np.flatnonzero(np.diff(st) <= 0)[0]) + 1
        raise InputError(f"step: row {bad + 1} has step {st[bad]:g} after {st[bad - 1]:g}; steps must increase")
    if not np.all(np.isfinite(lr_)) or np.any(lr_ <= 0):
        bad = int(np.flatnonzero(~np.isfinite(lr_) | (lr_ <= 0))[0])
        raise InputError(f"lr: row {bad + 1} has {float(lr_[bad])!r}; expected a learning rate > 0")
    s0 = int(st[0])
    T = int(st[-1]) + 1 if steps is None else int(steps)
    if T < s0 + 1 or T > MAX_STEPS:
        raise InputError(f"steps: {steps!r} is out of range; expected from {s0 + 1} (past the first logged step) "
                         f"to {MAX_STEPS:,}")
    t = np.arange(T, dtype=float)
    out = np.interp(t, st, lr_)  # before s0 this holds the first logged rate
    W = 0 if warmup is None else int(warmup)
    if not 0 <= W <= s0:
        raise InputError(f"warmup: {warmup!r} is out of range; expected 0 (none) to the first logged step ({s0})")
    if W:
        out[:W] = lr_[0] * np.arange(W) / W
    return out


def unlogged_assumption(first_step: int, first_lr: float, warmup: int | None = None) -> str:
    """What :func:`from_log` assumed about the steps before a log's first row, in words ('' if none)."""
    s0 = int(first_step)
    if s0 <= 0:
        return ""
    W = int(warmup or 0)
    if W:
        return (f"steps 0 to {s0 - 1:,} are not in the log: taken as a linear warmup from 0 over the first {W:,} "
                f"steps, then the first logged rate {first_lr:.3g}")
    return (f"steps 0 to {s0 - 1:,} are not in the log: taken at the first logged rate {first_lr:.3g} from step 0 "
            "(no warmup assumed; give the warmup if the run had one)")
