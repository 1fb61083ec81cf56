"""The user cache directory and writes into it that never leave a half-written file."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .errors import InputError

__all__ = ["atomic_write", "cache_dir", "writable_dir"]


def cache_dir() -> Path:
    """Where scalingviz keeps downloaded data and prepared dashboard assets.

    ``$SCALINGVIZ_CACHE`` if set; otherwise the platform's user cache directory:
    ``$XDG_CACHE_HOME/scalingviz`` (default ``~/.cache/scalingviz``) on Linux,
    ``~/Library/Caches/scalingviz`` on macOS, ``%LOCALAPPDATA%\\scalingviz\\Cache`` on Windows.
    """
    if os.environ.get("SCALINGVIZ_CACHE"):
        return Path(os.environ["SCALINGVIZ_CACHE"]).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "scalingviz" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "scalingviz"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "scalingviz"


def writable_dir(path: Path) -> Path:
    """Create ``path`` if needed; raise an :class:`InputError` saying where and why when it cannot be written."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe-"):
            pass
    except OSError as exc:
        raise InputError(f"cache directory {path} cannot be written ({exc.strerror or exc}); set SCALINGVIZ_CACHE "
                         "to a writable folder") from None
    return path


def atomic_write(target: Path, chunks) -> None:
    """Write the byte chunks to ``target`` through a temporary file in the same folder, renamed into
    place only when every chunk is written; on any error the temporary file is removed and the error
    propagates, so ``target`` is either absent, unchanged, or complete."""
    writable_dir(target.parent)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as an ordinary file, not mkstemp's owner-only mode
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
