"""Benchmarks read third-party data from ``$SCALINGVIZ_EXTERNAL_DATA``, by default ``../shared/data``
beside the checkout when it is there (otherwise from the user cache, or downloaded once)."""

import os
from pathlib import Path

_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
if "SCALINGVIZ_EXTERNAL_DATA" not in os.environ and _SHARED.is_dir():
    os.environ["SCALINGVIZ_EXTERNAL_DATA"] = str(_SHARED)
