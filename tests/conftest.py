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


@pytest.fixture(scope="session")
def scalebench_split():
    """``scalebench_split(task, split)``: a ScaleBench table (real runs we do not ship: fetched from its pinned
    origin and cached, never copied here) as a DataFrame; skips, saying why, without pyarrow or the data."""
    pytest.importorskip("pyarrow", reason="ScaleBench's tables are Parquet: pip install pyarrow")
    import pandas as pd

    from scalingviz import catalog, datasets

    try:
        ds = datasets.load("scalebench", timeout=5, deadline=10)
    except catalog.DataUnavailable as exc:
        pytest.skip(f"ScaleBench is not on this machine and could not be fetched: {exc}")
    return lambda task, split: pd.read_parquet(ds.path(f"{task}_{split}.parquet"))


@pytest.fixture
def restore_registry():
    """Put the preset registry back as it was after a test that registers laws (a fit's "Use this law")."""
    from scalingviz.presets import PRESETS

    before = dict(PRESETS)
    yield
    PRESETS.clear()
    PRESETS.update(before)
