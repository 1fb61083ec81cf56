"""Plan-check speed in the kernel (plan issue): median of repeated `check(plan)` calls, and of one
edit in the Plan tab (form parsed, plan checked, report rendered, marker placed; headless widgets).

Run:  python benchmarks/bench_plan.py
"""

from __future__ import annotations

import statistics
import time

from scalingviz.plan import TrainingPlan, check

PLANS = {
    "7B on 1.4T tokens, batch 4M, LR, hardware": dict(N="7B", D="1.4T", batch_tokens="4M", lr=3e-4, n_gpus=1024,
                                                       gpu="H100", mfu=0.4, price_per_gpu_hour=2.5),
    "DeepSeek 7B with its shape": dict(N=6.9e9, D=2e12, batch_sequences=2304, seq_len=4096, lr=4.2e-4, n_layer=30,
                                       d_model=4096, n_vocab=102400),
    "every option: Llama-style 7B on 2T, 10T served, 400B unique, MoE 2.8B active, WSD": dict(
        N="7B", D="2T", batch_tokens="4M", lr=3e-4, n_gpus=1024, gpu="H100", mfu=0.4, price_per_gpu_hour=2.5,
        inference_tokens="10T", inference_mfu=0.3, unique_tokens="400B", active_params="2.8B", schedule="wsd",
        cooldown=0.2),
}


def main() -> None:
    print("| plan | first call (draws the parameter samples) | median of 50 | target |")
    print("|---|---|---|---|")
    for name, kw in PLANS.items():
        t0 = time.perf_counter()
        check(TrainingPlan(**kw))
        first = time.perf_counter() - t0
        times = []
        for _ in range(50):
            t0 = time.perf_counter()
            check(TrainingPlan(**kw))
            times.append(time.perf_counter() - t0)
        print(f"| {name} | {first * 1e3:.0f} ms | {statistics.median(times) * 1e3:.1f} ms | <= 100 ms |")
    try:
        from scalingviz.ui.planner import PlanTab
    except ImportError:  # the ui extra is not installed
        return
    t0 = time.perf_counter()
    tab = PlanTab()
    first = time.perf_counter() - t0
    times = []
    for i in range(50):
        t0 = time.perf_counter()
        tab.boxes["N"].value = f"{7 + i % 5}B"  # one keystroke's worth of work
        times.append(time.perf_counter() - t0)
    assert tab.report is not None
    print(f"| Plan tab: one edit of N (validate, check, render the report, move the star) | {first * 1e3:.0f} ms "
          f"(builds the tab) | {statistics.median(times) * 1e3:.1f} ms | <= 100 ms |")
    for key, text in (("inference_tokens", "10T"), ("unique_tokens", "400B"), ("active_params", "2.8B")):
        tab.boxes[key].value = text
    tab.choices["schedule"].value = "wsd"
    times = []
    for i in range(30):
        t0 = time.perf_counter()
        tab.boxes["N"].value = f"{7 + i % 5}B"
        times.append(time.perf_counter() - t0)
    assert tab.report is not None and tab.report.inference_optimal
    print(f"| Plan tab, every option filled: one edit of N (also redraws the inference-aware frontier when the "
          f"demand changes) | | {statistics.median(times) * 1e3:.1f} ms | <= 100 ms |")


if __name__ == "__main__":
    main()
