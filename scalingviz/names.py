"""Names the core and the command line's parser share, importable without numpy.

``scalingviz --help`` lists them without loading the laws (it must answer in a fraction of a
second); :mod:`scalingviz.schedules` and :mod:`scalingviz.compute` define their objects from these
names (a test checks that they agree).
"""

from __future__ import annotations

__all__ = ["DECAY_SHAPES", "GPU_NAMES", "SCHEDULE_KINDS"]

#: Learning-rate schedule kinds (:class:`scalingviz.schedules.Schedule`).
SCHEDULE_KINDS = ("constant", "cosine", "linear", "wsd", "two-stage", "multi-step")
#: Shapes of a WSD schedule's cooldown.
DECAY_SHAPES = ("linear", "cosine", "exp", "sqrt")
#: Accelerators with a datasheet peak in :data:`scalingviz.compute.GPUS`.
GPU_NAMES = ("A100", "H100", "H200", "B200")
