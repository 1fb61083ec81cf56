"""Shared fixtures: where the third-party data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def external_data_dir() -> Path | None:
    """``$SCALINGVIZ_EXTERNAL_DATA`` or ``../shared/data`` beside the checkout, if present."""
    env = os.environ.get("SCALINGVIZ_EXTERNAL_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if c.is_dir():
            return c
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = external_data_dir()
    if d is None:
        pytest.skip("third-party data not found: set SCALINGVIZ_EXTERNAL_DATA or place ../shared/data beside the repo")
    return d


@pytest.fixture
def restore_registry():
    """Put the preset registry back as it was after a test that registers laws (a fit's "Use this law")."""
    from scalingviz.presets import PRESETS

    before = dict(PRESETS)
    yield
    PRESETS.clear()
    PRESETS.update(before)
