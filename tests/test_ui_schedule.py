"""The Explorer's schedule section, headless: the figure shows the core's numbers, bad input is inline, the
share link carries the schedule."""

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from scalingviz.presets import get_preset  # noqa: E402
from scalingviz.schedules import Schedule  # noqa: E402
from scalingviz.ui.dashboard import Dashboard, parse_query, share_query  # noqa: E402
from scalingviz.ui.schedule import SCHEDULE_TRACES, SchedulePanel  # noqa: E402


def trace(panel, name):
    return panel.fig.data[SCHEDULE_TRACES.index(name)]


def test_figure_shows_the_laws_curves():
    p = SchedulePanel({"law": "luo2025-25m", "kind": "wsd", "cooldown": 0.25, "steps": 24000})
    law = get_preset("luo2025-25m")
    s = Schedule("wsd", 24000, 3e-4, 2160, 3e-5, cooldown=0.25)
    t = trace(p, "loss")
    np.testing.assert_allclose(t.y, law.curve(np.asarray(t.x, int), s.lrs()), rtol=1e-12)
    assert min(t.x) >= 2160  # drawn after warmup
    cos = trace(p, "loss_cosine")
    np.testing.assert_allclose(cos.y[-1], law.curve(23999, Schedule("cosine", 24000, 3e-4, 2160, 3e-5).lrs()))
    np.testing.assert_allclose(trace(p, "lr").y, s.lrs()[np.asarray(trace(p, "lr").x, int)])
    assert "3.2" in p.summary.value and "cosine" in p.summary.value


def test_moves_update_and_bad_input_keeps_the_last_good_curve():
    p = SchedulePanel()
    before = np.array(trace(p, "loss").y)
    p._cooldown.value = 0.5
    after = np.array(trace(p, "loss").y)
    assert not np.allclose(before, after) and p.schedule.cooldown == 0.5
    p._text["floor"].value = "1"
    assert "floor: 1.0 is out of range" in p.error.value and "last good schedule is kept" in p.error.value
    np.testing.assert_array_equal(trace(p, "loss").y, after)
    assert p._text["floor"].value == "1"  # what the user typed stays
    p._text["floor"].value = "3e-5"
    assert p.error.value == ""
    p._kind.value = "two-stage"
    p._text["switch"].value = "8000"
    p._text["lr2"].value = "9e-5"
    assert p.error.value == "" and p.schedule.kind == "two-stage" and p.schedule.switch == 8000


def test_best_cooldown_button():
    p = SchedulePanel({"law": "luo2025-100m", "kind": "cosine"})
    p.set_best_cooldown()
    assert p.schedule.kind == "wsd" and 0.05 <= p.schedule.cooldown <= 0.2


def test_a_page_without_schedule_settings_keeps_the_section_closed():
    d = Dashboard("")
    assert d.explorer.schedule_panel is None and d.explorer.schedule_section.selected_index is None
    assert "sched_" not in share_query(d.state())


def test_share_link_carries_the_schedule():
    d = Dashboard("sched_kind=wsd&sched_cooldown=0.3&sched_steps=48k&sched_law=luo2025-25m")
    assert d.explorer.schedule_section.selected_index == 0  # open, no click needed
    panel = d.explorer.schedule_panel
    assert panel.schedule.cooldown == 0.3 and panel.schedule.steps == 48000
    q = share_query(d.state())
    assert "sched_cooldown=0.3" in q and "sched_law=luo2025-25m" in q
    state, notices = parse_query(q)
    assert state["schedule"]["steps"] == 48000
    _, notices = parse_query("sched_kind=<script>&sched_floor=abc")
    assert len(notices) == 2 and "valid values are" in notices[0]
