"""The ``scalingviz`` command line's parser and argument types.

Importing this module loads neither numpy nor the laws, so that ``scalingviz --help`` answers at
once; a command's module (``"fits:_cmd_fit"``) is imported only when the command runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..errors import InputError
from ..names import DECAY_SHAPES, GPU_NAMES
from ..names import SCHEDULE_KINDS as KINDS


class UsageError(InputError):
    """Bad command-line input (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        raise UsageError(message)


def _positive(flag: str, what: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        from ..units import parse_quantity

        try:
            value = parse_quantity(text, flag)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[-1]) from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text!r} is out of range; expected {what} > 0 (e.g. 7B, 1.4T, 2e19)")
        return value

    parse.__name__ = flag
    return parse


def _law_name(text: str) -> str:
    from ..presets import PRESETS

    if text.strip() not in PRESETS:
        raise argparse.ArgumentTypeError(f"unknown law {text!r}; valid names are {', '.join(PRESETS)}")
    return text.strip()


def _factor(flag: str, low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number; expected {low:g} to {high:g}") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is out of range; expected {low:g} to {high:g}")
        return v

    parse.__name__ = flag
    return parse


def _count(flag: str, low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        from ..units import parse_quantity

        try:
            v = float(parse_quantity(text, flag))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; expected {low:,} to {high:,}") from None
        if v != int(v) or not low <= v <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is out of range; expected a whole number from {low:,} to {high:,}")
        return int(v)

    parse.__name__ = flag
    return parse


#: The plan command's flags: (flag, the TrainingPlan field it gives, help, group, argparse extras). One
#: row per field, so that a field added to TrainingPlan is added here once (a test checks that every
#: field is reachable from the command line and from the Plan tab).
PLAN_FLAGS: tuple[tuple[str, str, str, str | None, dict], ...] = (
    ("--N", "N", "parameters, e.g. 7B", None, {"required": True}),
    ("--D", "D", "training tokens, e.g. 1.4T (or give --steps with a batch)", None, {}),
    ("--steps", "steps", "optimizer steps", None, {}),
    ("--batch-tokens", "batch_tokens", "batch size [tokens], e.g. 4M", None, {}),
    ("--batch-sequences", "batch_sequences", "batch size [sequences] (with --seq-len)", None, {}),
    ("--seq-len", "seq_len", "sequence length [tokens]", None, {}),
    ("--lr", "lr", "peak learning rate", None, {}),
    ("--n-convention", "N_convention", "how --N counts (default total)", None,
     {"default": "total", "choices": ["total", "non-embedding"]}),
    ("--n-embedding", "N_embedding", "embedding parameters, to convert between conventions", None, {}),
    ("--n-layer", "n_layer", "layers (shape, for exact FLOP)", None, {}),
    ("--d-model", "d_model", "width (shape)", None, {}),
    ("--n-vocab", "n_vocab", "vocabulary size (shape)", None, {}),
    ("--gpus", "n_gpus", "number of GPUs (default 1)", None, {"default": "1"}),
    ("--gpu", "gpu", "GPU type: " + ", ".join(GPU_NAMES), None, {"default": "H100"}),
    ("--peak-flops", "peak_flops", "peak dense FLOP/s per GPU (instead of --gpu)", None, {}),
    ("--mfu", "mfu", "model FLOP utilisation in (0, 1] (default 0.4)", None, {"default": "0.4"}),
    ("--price", "price_per_gpu_hour", "price per GPU-hour", None, {}),
    ("--laws", "laws", "comma-separated presets (default: all that apply)", None, {}),
    ("--inference-tokens", "inference_tokens", "tokens the model will process at inference over its life, e.g. 10T",
     "inference demand (Sardana et al. 2024)", {}),
    ("--inference-mfu", "inference_mfu", "MFU at inference (default: --mfu)", "inference demand (Sardana et al. 2024)", {}),
    ("--inference-price", "inference_price_per_gpu_hour", "price per GPU-hour at inference (default: --price)",
     "inference demand (Sardana et al. 2024)", {}),
    ("--unique-tokens", "unique_tokens", "unique tokens available; fewer than D means repeated data (Muennighoff et al.)",
     "data and experts", {}),
    ("--active-params", "active_params", "mixture of experts: parameters active per token, in --N's convention",
     "data and experts", {}),
    ("--experts", "experts", "mixture of experts: number of experts (with --top-k and --expert-params)",
     "data and experts", {}),
    ("--top-k", "top_k", "mixture of experts: experts per token", "data and experts", {}),
    ("--expert-params", "expert_params", "mixture of experts: one expert's parameters summed over its layers",
     "data and experts", {}),
    ("--schedule", "schedule", "schedule kind: " + ", ".join(KINDS), "learning-rate schedule (Luo et al. 2025)", {}),
    ("--cooldown", "cooldown", "wsd: fraction of the steps spent decaying, e.g. 0.2",
     "learning-rate schedule (Luo et al. 2025)", {}),
)



def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="scalingviz", description="See, check and use the scaling laws of language-model training. "
                "Counts accept 7B, 1.4T or 2e19; C is in FLOP; batch sizes are in tokens; bad input exits with "
                "status 2 and one line naming the flag, the value and the valid range.")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    sub.required = True

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--json", action="store_true", help="print one JSON object")
        sp.add_argument("--plugin", action="append", metavar="FILE.py|MODULE",
                        help="run FILE.py (or import MODULE, installed on the Python path) to register your own "
                             "laws first; a plugin is code and runs; repeatable")

    sp = sub.add_parser("dashboard", help="serve the Voila dashboard")
    sp.add_argument("--port", type=int, default=8866, help="port (default 8866); fails rather than moving if busy")
    sp.add_argument("--no-browser", action="store_true", help="do not open a browser")
    sp.add_argument("--max-pages", type=int, default=16,
                    help="most pages open at once, 1 to 1000 (default 16; each holds a kernel of about 200 MB); "
                         "one more gets a page saying so")
    sp.add_argument("--configure-jupyter", action="store_true",
                    help="instead of serving: prepare the dashboard's assets in this environment and configure its "
                         "Jupyter server so that /voila/render/notebooks/dashboard.ipynb serves the page as this "
                         "command does (binder/postBuild runs it)")
    sp.add_argument("--base-url", metavar="PATH",
                    help="behind a proxy that strips a path prefix: the prefix the browser sees, e.g. "
                         "/user/NAME/proxy/8866/ under jupyter-server-proxy (binder/start)")
    sp.add_argument("--ready-file", metavar="FILE",
                    help="create FILE once the waiting kernel has built the dashboard, so that a script can "
                         "wait for a warm server (binder/start)")
    sp.set_defaults(func="data:_cmd_dashboard")

    sp = sub.add_parser("data", help="the real data sets: list them, fetch the ones not shipped")
    dsub = sp.add_subparsers(dest="data_command", required=True, parser_class=_Parser)
    dp = dsub.add_parser("list", help="every data set: what it is, licence, size, shipped / cached / not fetched")
    common(dp)
    dp.set_defaults(func="data:_cmd_data_list")
    dp = dsub.add_parser("fetch", help="download data sets from their pinned origin into the cache (sha256-checked)")
    dp.add_argument("names", nargs="*", metavar="NAME", help="data set names (see `scalingviz data list`)")
    dp.add_argument("--all", action="store_true", help="every data set the dashboard and the course read (not ScaleBench, a benchmark's set: fetch it by name)")
    dp.add_argument("--timeout", type=_factor("--timeout", 0.1, 3600.0), default=30.0,
                    help="seconds per request, 0.1 to 3600 (default 30)")
    dp.add_argument("--deadline", type=_factor("--deadline", 0.1, 86400.0), default=600.0,
                    help="seconds for each data set's whole download, 0.1 to 86400 (default 600)")
    common(dp)
    dp.set_defaults(func="data:_cmd_data_fetch")
    dp = dsub.add_parser("path", help="where a data set's files are on this machine (fetched first if needed); "
                                      "any command that reads a file also takes NAME/FILE")
    dp.add_argument("ref", metavar="NAME[/FILE]", help="a data set, or one of its files (see `scalingviz data list`)")
    dp.add_argument("--timeout", type=_factor("--timeout", 0.1, 3600.0), default=30.0,
                    help="seconds per request, 0.1 to 3600 (default 30)")
    common(dp)
    dp.set_defaults(func="data:_cmd_data_path")

    sp = sub.add_parser("presets", help="list the published laws with citations")
    common(sp)
    sp.set_defaults(func="laws:_cmd_presets")

    sp = sub.add_parser("predict", help="predicted loss of N parameters on D tokens (or S steps at batch B)")
    # User-facing default: Kaplan et al. 2020, the law with the most capabilities.
    sp.add_argument("--law", type=_law_name, default="kaplan2020", help="preset name (default kaplan2020)")
    sp.add_argument("--N", type=_positive("--N", "a parameter count"), required=True, help="parameters, e.g. 7B")
    sp.add_argument("--D", type=_positive("--D", "a token count"), help="training tokens, e.g. 1.4T")
    sp.add_argument("--S", type=_positive("--S", "a step count"), help="optimizer steps")
    sp.add_argument("--B", type=_positive("--B", "a batch size in tokens"), help="batch size [tokens]")
    sp.add_argument("--batch-sequences", type=_positive("--batch-sequences", "a batch size in sequences"),
                    help="batch size [sequences], with --seq-len (instead of --B in tokens)")
    sp.add_argument("--seq-len", type=_positive("--seq-len", "a sequence length in tokens"),
                    help="sequence length [tokens], to convert --batch-sequences to tokens")
    sp.add_argument("--U", type=_positive("--U", "a unique-token count"), help="unique tokens (laws with repeated data)")
    common(sp)
    sp.set_defaults(func="laws:_cmd_predict")

    sp = sub.add_parser("optimal", help="compute-optimal N and D (and B, S) for a compute budget")
    # User-facing default: Chinchilla, the law most plans are checked against.
    sp.add_argument("--law", type=_law_name, default="hoffmann2022", help="preset name (default hoffmann2022)")
    sp.add_argument("--C", type=_positive("--C", "a compute budget"), required=True, help="compute [FLOP], e.g. 5.76e23")
    sp.add_argument("--pf-days", action="store_true", help="read --C in PF-days (1 PF-day = 8.64e19 FLOP)")
    sp.add_argument("--method", help="how to compute it, where a law has several ways (kaplan2020: table6, the "
                                      "default, or appendix_b; any loss law: numerical)")
    sp.add_argument("--U", type=_positive("--U", "a unique-token count"), help="unique tokens (laws with repeated data)")
    common(sp)
    sp.set_defaults(func="laws:_cmd_optimal")

    sp = sub.add_parser("vocab", help="compute-optimal vocabulary size for a model and a budget (Tao et al. 2024)")
    sp.add_argument("--law", type=_law_name, default="tao2024", help="a law with an optimal vocabulary (default tao2024)")
    sp.add_argument("--N", type=_positive("--N", "a parameter count"), required=True,
                    help="non-vocabulary parameters N_nv: every parameter but the V x d embedding ones, e.g. 7B")
    sp.add_argument("--d", type=_positive("--d", "an embedding width"), required=True,
                    help="embedding width (model dimension), e.g. 4096")
    sp.add_argument("--C", type=_positive("--C", "a compute budget"),
                    help="compute [FLOP], spent as C = 6 (N_nv + V d) D (default: the law's compute-optimal budget "
                         "for --N)")
    sp.add_argument("--pf-days", action="store_true", help="read --C in PF-days (1 PF-day = 8.64e19 FLOP)")
    common(sp)
    sp.set_defaults(func="laws:_cmd_vocab")

    sp = sub.add_parser("hparams", help="recommended learning rate and batch size")
    # User-facing default: Step Law, the most recent hyperparameter law.
    sp.add_argument("--law", type=_law_name, default="li2025", help="a law with a learning-rate rule (default li2025, "
                                                                    "Step Law); see `scalingviz presets`")
    sp.add_argument("--N", type=_positive("--N", "a parameter count"), help="non-embedding parameters")
    sp.add_argument("--D", type=_positive("--D", "a token count"), help="training tokens")
    sp.add_argument("--C", type=_positive("--C", "a compute budget"), help="compute [FLOP] (bi2024)")
    sp.add_argument("--seq-len", type=_positive("--seq-len", "a sequence length in tokens"), help="also give the batch in sequences")
    common(sp)
    sp.set_defaults(func="laws:_cmd_hparams")

    sp = sub.add_parser("fit", help="fit a law to your runs (CSV) with bootstrap CIs and a held-out check")
    sp.add_argument("file", help="CSV, TSV, JSON Lines or Parquet with columns N, loss and D (tokens) or C (FLOP)")
    # User-facing default: Chinchilla's form, as Hoffmann et al. and Epoch fit it.
    sp.add_argument("--law", default="hoffmann2022",
                    help="form by the preset that uses it: hoffmann2022 (Chinchilla), kaplan2020 (L(N,D)), su2024 (L(N,S)), "
                         "or power_N, power_offset_N, ...")
    sp.add_argument("--col", action="append", metavar="NAME=COLUMN",
                    help="map a column to a schema name or to a variable of the form: --col N='Model Size', "
                         "--col E=num_experts (any columns: a form's variables are matched by name)")
    sp.add_argument("--target", default="loss", metavar="COLUMN", help="the column the law predicts (default loss)")
    sp.add_argument("--space", choices=["log", "linear"], default="log",
                    help="compare prediction and target as logs (default) or as they are (targets that can be "
                         "zero or negative: normalised losses, accuracies)")
    sp.add_argument("--loss", choices=["huber", "squared"], default="huber", help="Huber (default) or least squares")
    sp.add_argument("--group", metavar="COLUMN", help="a column of group labels (a corpus, a domain): with "
                    "--per-group, some constants take one value per group")
    sp.add_argument("--per-group", metavar="A,E", help="constants fitted per group (the others are shared)")
    sp.add_argument("--asymmetry", type=_positive("--asymmetry", "a weight"), default=1.0, metavar="K",
                    help="over-estimates weigh K times under-estimates (default 1); K > 1 tracks the best runs")
    sp.add_argument("--bootstrap", type=_count("--bootstrap", 0, 100_000), default=0, metavar="K",
                    help="bootstrap resamples for 95%% CIs, 0 (none) to 100,000")
    sp.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    sp.add_argument("--jobs", type=int, default=0, help="worker processes for the bootstrap (default: all cores)")
    sp.add_argument("--holdout-above-C", type=_positive("--holdout-above-C", "a compute threshold"), metavar="X",
                    help="fit runs with 6ND <= X FLOP, report errors on the rest")
    sp.add_argument("--filter", action="append", metavar="COLUMN=VALUE",
                    help="keep rows whose column equals VALUE (as text); repeatable, values of one column are OR-ed")
    sp.add_argument("--min", action="append", metavar="KEY=VALUE", help="keep runs with N, D or C >= VALUE")
    sp.add_argument("--max", action="append", metavar="KEY=VALUE", help="keep runs with N, D or C <= VALUE")
    sp.add_argument("--fix", action="append", metavar="NAME=VALUE", help="pin a constant, e.g. --fix E=1.8; repeatable")
    sp.add_argument("--bound", action="append", metavar="NAME>=LOW|NAME<=HIGH",
                    help="bound any constant, e.g. --bound 'E>=1.5'; repeatable")
    sp.add_argument("--prior", action="append", metavar="NAME~MEAN+-SD",
                    help="a Gaussian prior on a constant, e.g. --prior 'E~1.8+-0.1' (between free and --fix); "
                         "repeatable")
    sp.add_argument("--leave-largest-out", action="store_true",
                    help="also fit without the largest model and report the errors on it (a rollout score)")
    sp.add_argument("--drop-highest-loss", type=int, default=0, metavar="K",
                    help="drop the K highest-loss runs (Besiroglu et al. drop Epoch's 5)")
    common(sp)
    sp.set_defaults(func="fits:_cmd_fit")

    sp = sub.add_parser("fit-isoflop", help="Chinchilla's Approach 2: N* and D* per compute budget, then power laws in C")
    sp.add_argument("file", help="CSV/TSV with compute C [FLOP], N [params] and/or D [tokens], and loss per run")
    sp.add_argument("--col", action="append", metavar="NAME=COLUMN", help="map a column, e.g. --col C=flops")
    sp.add_argument("--budget-col", metavar="NAME", help="a column of budget labels (default: group C within --tolerance)")
    sp.add_argument("--method", choices=["quadratic", "parabola", "akima"], default="parabola",
                    help="quadratic: a parabola over each whole curve (Hoffmann, Meta); parabola: local; akima: Porian")
    sp.add_argument("--tolerance", type=float, default=0.05, help="FLOP counts within this fraction form a budget (0.05)")
    sp.add_argument("--skip-small-budgets", action="store_true", help="list budgets of fewer than 3 runs as unused")
    sp.add_argument("--drop-outliers", action="store_true",
                    help="leave out runs that break their budget's valley (> 5%% above the next run farther out: "
                         "diverged runs); they are flagged either way")
    sp.add_argument("--drop-unbracketed", action="store_true",
                    help="leave out budgets whose fitted minimum lies outside the N they sampled (flagged either way)")
    common(sp)
    sp.set_defaults(func="fits:_cmd_fit_isoflop")

    sp = sub.add_parser("fit-hparams", help="Step Law's procedure: optimal LR(N, D) and batch(D) from an LR x batch grid")
    sp.add_argument("file", help="CSV/TSV with N, D, lr, B and loss per run")
    sp.add_argument("--col", action="append", metavar="NAME=COLUMN", help="map a column, e.g. --col B=bs")
    sp.add_argument("--batch-in", choices=["tokens", "sequences"], default="tokens", help="unit of the B column")
    sp.add_argument("--seq-len", type=_positive("--seq-len", "a sequence length"), help="tokens per sequence")
    sp.add_argument("--threshold", type=_factor("--threshold", 0.0, 0.5), default=0.0025,
                    help="keep runs within this fraction of their cell's best loss, 0 to 0.5 (0.0025)")
    sp.add_argument("--bootstrap", type=_count("--bootstrap", 0, 100_000), default=1000,
                    help="bootstrap resamples for the CIs, 0 (none) to 100,000 (1000)")
    sp.add_argument("--compare", type=_law_name, help="a published law to compare with (default li2025)")
    common(sp)
    sp.set_defaults(func="fits:_cmd_fit_hparams")

    sp = sub.add_parser("fit-batch", help="critical batch size from (target loss, batch, steps-to-target) rows")
    sp.add_argument("file", help="CSV with columns loss (target), B [tokens] and S (steps to reach the target)")
    sp.add_argument("--col", action="append", metavar="NAME=COLUMN", help="map a column, e.g. --col B=batch_size_tokens")
    common(sp)
    sp.set_defaults(func="fits:_cmd_fit_batch")

    sp = sub.add_parser("plan", help="sanity-check a training plan: loss, allocation, batch, LR, time, cost")
    groups: dict[str | None, argparse._ActionsContainer] = {None: sp}
    for flag, field_, text, group, extra in PLAN_FLAGS:
        if group not in groups:
            groups[group] = sp.add_argument_group(group)
        groups[group].add_argument(flag, dest=field_, metavar=flag[2:].upper().replace("-", "_"), help=text, **extra)
    common(sp)
    sp.set_defaults(func="plan:_cmd_plan")
    def schedule_flags(sp: argparse.ArgumentParser, with_kind: bool = True) -> None:
        if with_kind:
            sp.add_argument("--schedule", choices=KINDS, help="schedule kind")
        sp.add_argument("--steps", type=_positive("--steps", "a number of steps"), help="total optimizer steps")
        sp.add_argument("--peak-lr", type=_positive("--peak-lr", "a learning rate"),
                        help="peak learning rate (default: the law's setup)")
        sp.add_argument("--warmup", type=int, help="linear warmup steps from 0 (default: the law's setup; for a "
                                                   "logged schedule: none, the first logged rate from step 0)")
        sp.add_argument("--floor", type=_positive("--floor", "a learning rate"), help="final learning rate")
        sp.add_argument("--cooldown", type=float, default=0.2, help="wsd: fraction of steps spent decaying (0.2)")
        sp.add_argument("--decay-shape", choices=DECAY_SHAPES, default="linear", help="wsd: cooldown shape")
        sp.add_argument("--switch", type=_positive("--switch", "a step"), help="two-stage: step of the drop")
        sp.add_argument("--lr2", type=_positive("--lr2", "a learning rate"), help="two-stage: second learning rate")

    sp = sub.add_parser("curve", help="the loss curve of a run under a learning-rate schedule")
    sp.add_argument("--law", help="a law with a loss curve (default luo2025-100m)")
    schedule_flags(sp)
    sp.add_argument("--lr-csv", metavar="FILE", help="a logged schedule (columns step, lr) instead of --schedule")
    sp.add_argument("--every", type=int, help="report every K steps (default: about 200 points)")
    sp.add_argument("--compare", nargs="+", metavar="KIND", choices=KINDS,
                    help="also the final loss of these schedule kinds at the same steps, with each difference and "
                         "its interval")
    common(sp)
    sp.set_defaults(func="curves:_cmd_curve")

    sp = sub.add_parser("fit-curve", help="fit a curve law to loss curves (CSV: step, lr, loss) and predict others")
    sp.add_argument("files", nargs="+", help="curves to fit, each a CSV with columns step, lr, loss")
    sp.add_argument("--form", default="luo2025", help="a curve form (default luo2025, the Multi-Power Law)")
    schedule_flags(sp)  # --warmup: steps of warmup before the first logged step (default: from step 0)
    sp.add_argument("--predict", nargs="+", metavar="FILE", help="curves to predict with the fit and score")
    sp.add_argument("--weight", choices=["uniform", "final"], default="uniform",
                    help="final: the last 20%% of each curve's logged steps count 10x (the end of the run, where "
                         "schedule advice is read)")
    common(sp)
    sp.set_defaults(func="curves:_cmd_fit_curve")

    sp = sub.add_parser("schedule-advice", help="WSD or cosine, how long a cooldown, and the optimised schedule")
    sp.add_argument("--law", help="a law with a loss curve (default luo2025-100m)")
    schedule_flags(sp, with_kind=False)
    sp.add_argument("--cooldowns", help="comma-separated WSD cooldown fractions to compare (default 0.1,0.2,0.3)")
    sp.add_argument("--extend", type=_factor("--extend", 1.0, 100.0), default=3.0,
                    help="also a run this many times longer, 1 to 100 (default 3; 1: none)")
    sp.add_argument("--no-optimise", action="store_true", help="skip the optimised schedule (a few seconds)")
    common(sp)
    sp.set_defaults(func="curves:_cmd_schedule_advice")
    return p
