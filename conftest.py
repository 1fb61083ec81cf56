"""Test-session setup shared by ``tests/`` and the notebook run (``pytest --nbval-lax notebooks/``).

Third-party data: the package reads a local copy from ``$SCALINGVIZ_EXTERNAL_DATA`` before its
cache or the network, and never looks at ``../shared`` itself. Here, when ``../shared/data`` sits
beside the checkout and the variable is unset, it is pointed there, so tests and notebook kernels
(which inherit the environment) use the same files as the pinned origins, offline.
"""

import os
from pathlib import Path

_SHARED = Path(__file__).resolve().parent.parent / "shared" / "data"
if "SCALINGVIZ_EXTERNAL_DATA" not in os.environ and _SHARED.is_dir():
    os.environ["SCALINGVIZ_EXTERNAL_DATA"] = str(_SHARED)
