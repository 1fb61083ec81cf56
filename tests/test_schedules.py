"""Learning-rate schedules: the multi-step kind (DeepSeek LLM)."""

import pytest

from scalingviz.schedules import Schedule


def test_multi_step_is_deepseeks_schedule_by_default():
    from scalingviz.schedules import DEEPSEEK_DROPS

    s = Schedule("multi-step", 1000, peak_lr=1e-3, warmup=20)
    lr = s.lrs()
    assert s.drops == DEEPSEEK_DROPS and lr[20] == lr[799] == 1e-3
    assert lr[800] == lr[899] == pytest.approx(3.16e-4) and lr[900] == lr[-1] == pytest.approx(1e-4)
    assert "drops" not in s.to_dict() and "x0.316 from 80%" in s.describe()
    custom = Schedule("multi-step", 100, drops=((0.5, 0.5),))
    assert custom.lrs()[49] == custom.peak_lr and custom.lrs()[50] == custom.peak_lr / 2
    assert custom.to_dict()["drops"] == [[0.5, 0.5]]
    with pytest.raises(ValueError, match="increasing fractions"):
        Schedule("multi-step", 100, drops=((0.9, 0.3), (0.8, 0.1)))
    with pytest.raises(ValueError, match="factors"):
        Schedule("multi-step", 100, drops=((0.5, 2.0),))
    with pytest.raises(ValueError, match="inside the 60-step warmup"):
        Schedule("multi-step", 100, warmup=60, drops=((0.5, 0.5),))
