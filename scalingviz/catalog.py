"""The real data sets scalingviz offers, and where each comes from.

Every data set is either **shipped** inside the package's ``data/`` folder (MIT or Apache-2.0
licences, the licence beside the files, the citation in ``data/README.md``) or **fetched** on first
use from its public origin, pinned to a commit and checked against a sha256, then kept in the user
cache (:func:`scalingviz._cache.cache_dir`). A folder named by ``$SCALINGVIZ_EXTERNAL_DATA`` that
holds ``<name>/<file>`` (as ``../shared/data`` beside a development checkout does) is used first.

>>> from scalingviz import datasets
>>> zhang = datasets.load("critical_batch_size_zhang2024")     # shipped: no network
>>> len(zhang.table()["steps_to_target"])                       # columns as arrays of strings
45
>>> len(datasets.load("gemstones").runs())                      # a validated RunsTable
199

A fetched set reads the same way, ``datasets.load("epoch_chinchilla").runs()``: downloaded once,
then from the cache; offline, :class:`DataUnavailable` says which set and which URL.

From the shell: ``scalingviz data list`` and ``scalingviz data fetch NAME`` (or ``--all``).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from ._cache import atomic_write, cache_dir
from .errors import InputError, shown

__all__ = ["CATALOG", "DataFile", "DataSet", "DataUnavailable", "fetch", "data_or_exit", "get", "input_file",
           "origin", "status"]

#: Where fetched files come from: ``{ORIGIN}/{owner}/{repo}/{commit}/{path}``. ``$SCALINGVIZ_DATA_ORIGIN``
#: replaces it (a mirror laid out the same way, or a local server in the Binder rehearsal test).
DEFAULT_ORIGIN = "https://raw.githubusercontent.com"
#: The package's own data folder (shipped data sets and the project's own files).
PACKAGE_DATA = Path(__file__).resolve().parents[1] / "data"
_CHUNK = 1 << 20


class DataUnavailable(InputError):
    """A data set is not on this machine and could not be fetched (offline, or a bad download)."""


@dataclass(frozen=True)
class DataFile:
    """One file of a data set: its name here, its path in the origin repository, size and sha256."""

    name: str
    path: str
    size: int
    sha256: str = ""


@dataclass(frozen=True)
class RunsSpec:
    """How the Fit tab reads a data set as runs: which file, which columns, which law to fit."""

    file: str
    columns: dict[str, str]
    law: str


@dataclass(frozen=True)
class TableSpec:
    """A table of any columns and the form fitted to it (a benchmark's task): ``columns`` maps the form's
    variables to the file's columns, ``target`` is the column it predicts; ``apart`` names a column whose
    groups are fitted one by one (each its own constants), ``space`` the scale the target is fitted on."""

    key: str
    title: str
    file: str
    columns: dict[str, str]
    target: str
    law: str
    space: str = "log"
    apart: str | None = None
    test_file: str | None = None  # the held-out split, scored after a fit (same columns)


@dataclass(frozen=True)
class DataSet:
    """A published data set: what it measures, its licence and citation, and its files."""

    name: str
    title: str
    citation: str
    licence: str
    repo: str
    commit: str
    files: tuple[DataFile, ...]
    shipped: bool
    runs: RunsSpec | None = None
    note: str = ""
    folder: str = ""  # the shipped folder under data/ (defaults to the name)
    #: fetched by ``scalingviz data fetch --all`` (and so by Binder's build): the sets the dashboard and the
    #: course read. A benchmark's set that needs an optional reader (ScaleBench: pyarrow) is fetched by name.
    in_all: bool = True
    #: tables of any columns with the form to fit to each (ScaleBench's tasks' train splits)
    tables: tuple[TableSpec, ...] = ()

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def file(self, name: str | None = None) -> DataFile:
        if name is None:
            if self.runs is not None:
                name = self.runs.file
            elif len(self.files) == 1:
                return self.files[0]
            else:
                raise InputError(f"data set {self.name} has {len(self.files)} files; name one of: "
                                 f"{', '.join(f.name for f in self.files)}")
        for f in self.files:
            if f.name == name:
                return f
        raise InputError(f"data set {self.name}: no file {name!r}; its files: {', '.join(f.name for f in self.files)}")


def _gh(repo: str, commit: str, path: str) -> str:
    return f"https://github.com/{repo}/blob/{commit}/{path}"


#: Luo et al.'s curve files and their sizes in bytes (folder/run).
_MULTIPOWER = {
    "csv_25/constant_24000": 3523, "csv_25/constant_72000": 11364, "csv_25/cosine_24000": 6135,
    "csv_25/cosine_72000": 19747, "csv_25/wsd_20000_24000": 3988, "csv_25/wsdcon_18": 1992, "csv_25/wsdcon_3": 2719,
    "csv_25/wsdcon_9": 1889, "csv_25/wsdld_20000_24000": 3914, "csv_100/constant_24000": 3527,
    "csv_100/constant_72000": 11352, "csv_100/cosine_24000": 6128, "csv_100/cosine_72000": 19761,
    "csv_100/wsd_20000_24000": 4008, "csv_100/wsdcon_18": 2294, "csv_100/wsdcon_3": 3235, "csv_100/wsdcon_9": 2170,
    "csv_100/wsdld_20000_24000": 3930,
}

#: ScaleBench's tasks: the train split of each, its columns as the variables of the task's first candidate law
#: (scalingviz.laws.li2026) and the target; the test split (same name, _test) is the held-out score's.
_DOMAINS = [f"proportion_domain_{k}" for k in range(1, 6)]
_SCALEBENCH_TASKS = (
    TableSpec("moe", "mixture of experts: loss vs dense params N and experts E", "moe_train.parquet",
              {"N": "dense_parameter_count", "E": "num_experts"}, "loss_validation", "scalebench_moe"),
    TableSpec("data_constrained", "data-constrained: loss vs N, tokens D and unique tokens U",
              "data_constrained_train.parquet", {"N": "params", "D": "tokens", "U": "unique_tokens"}, "loss",
              "scalebench_dc"),
    TableSpec("vocab", "vocabulary: unigram-normalised loss (negative) vs P, V, characters D", "vocab_train.parquet",
              {"P": "non_vocab_parameters", "V": "vocab_size", "D": "num_characters"}, "unigram_normalized_loss",
              "scalebench_vocab", space="linear"),
    TableSpec("sparsity", "sparsity: loss vs the sparsity term P and active params N", "sparsity_train.parquet",
              {"P": "P", "N": "N_active"}, "loss", "scalebench_sparse"),
    TableSpec("parallel", "parallel scaling: loss vs N and parallel streams P (per corpus)", "parallel_train.parquet",
              {"N": "num_params", "P": "parallel_size"}, "loss", "scalebench_par", apart="group"),
    TableSpec("farseer", "Farseer: loss vs N and D", "farseer_train.parquet", {"N": "N", "D": "D"}, "loss",
              "scalebench_farseer"),
    TableSpec("lr_bsz", "learning rate and batch: loss vs lr, batch, D, N", "lr_bsz_train.parquet",
              {"lr": "lr", "bsz": "bsz", "D": "data_size", "N": "non_embedding_param_size"}, "lm_loss",
              "scalebench_lr_bsz"),
    *(TableSpec(f"domain_mixture:{i}", f"domain mixture: domain {i}'s loss vs the five shares",
                "domain_mixture_train.parquet",
                {"p": _DOMAINS[i - 1], **{f"q{k + 1}": c for k, c in enumerate(c for c in _DOMAINS
                                                                             if c != _DOMAINS[i - 1])}},
                f"loss_domain_{i}", "scalebench_domain") for i in range(1, 6)),
)
_SCALEBENCH_TASKS = tuple(replace(t, test_file=t.file.replace("_train.", "_test."))
                          for t in _SCALEBENCH_TASKS)

#: ScaleBench's tables (task, split) -> (path in PlanarG/active-sl, size in bytes, sha256).
_SCALEBENCH = {
    ("data_constrained", "test"): ("benchmark/dataset/data_constrained_scaling_law/test-00000-of-00001.parquet", 2736,
                        "acdc55ff3bffb3020b365007d2b18bc0bf0ec3e359b2ceb3e09abe2bbb94cc2e"),
    ("data_constrained", "train"): ("benchmark/dataset/data_constrained_scaling_law/train-00000-of-00001.parquet", 4589,
                        "d0e6f059e657c7476f8f2636110e391d086c78bd826a50c4cc62f06e73c7b020"),
    ("domain_mixture", "test"): ("benchmark/dataset/domain_mixture_scaling_law/test-00000-of-00001.parquet", 6363,
                        "4b6f9e71e38cdd329881f75592d8b847f062c1360daac2e5fbb20f99aee63b26"),
    ("domain_mixture", "train"): ("benchmark/dataset/domain_mixture_scaling_law/train-00000-of-00001.parquet", 8979,
                        "b2ca2e6ed1f78d0a462b425394fb748b4b489b079b1aa320753149e5368e2015"),
    ("farseer", "test"): ("benchmark/dataset/farseer_scaling_law/test-00000-of-00001.parquet", 2841,
                        "f886cce70555fed73c6ecbdc6588edc0cb0947a00db36e15c8795afcba280f3d"),
    ("farseer", "train"): ("benchmark/dataset/farseer_scaling_law/train-00000-of-00001.parquet", 7363,
                        "98c4167b4b111814bcf8450bef0ec975239da067dd4f42ef6b71f4c1667705bc"),
    ("lr_bsz", "test"): ("benchmark/dataset/lr_bsz_scaling_law/test-00000-of-00001.parquet", 3944,
                        "ed6c33d124562015805d3715f9f01a58e5d27befcd63d30be23a94eedc9caa68"),
    ("lr_bsz", "train"): ("benchmark/dataset/lr_bsz_scaling_law/train-00000-of-00001.parquet", 35166,
                        "3e8bf513e7c7da2b82e3d324c19643256e3f5cc5770aa4d0dcbc0aa3c38768e5"),
    ("moe", "test"): ("benchmark/dataset/moe_scaling_law/test-00000-of-00001.parquet", 2375,
                        "7bee730d20bf12888a1ecb2c72977a1049728b98668cad45b4f63e4098c5f1c0"),
    ("moe", "train"): ("benchmark/dataset/moe_scaling_law/train-00000-of-00001.parquet", 4088,
                        "fad8831bc25efb889e0581d5746697b979712ca86f3b4e8002760bde554ec7b6"),
    ("parallel", "test"): ("benchmark/dataset/parallel_scaling_law/test-00000-of-00001.parquet", 2117,
                        "16f73df39117534390df840862fba13e4ce032b08c24b31b0406258987d6613c"),
    ("parallel", "train"): ("benchmark/dataset/parallel_scaling_law/train-00000-of-00001.parquet", 2434,
                        "3bf76fabd8f7f5f1b90543b9cb9ef83db888c5674bdc9c4dc23277bd8a92f7b7"),
    ("sparsity", "test"): ("benchmark/dataset/sparsity_scaling_law/test-00000-of-00001.parquet", 2441,
                        "240f1b6315deee2167a84d1a29ebac1b349e0e0c40f41511e36ec6a42bb387c6"),
    ("sparsity", "train"): ("benchmark/dataset/sparsity_scaling_law/train-00000-of-00001.parquet", 3279,
                        "a91b91ba7826bf262770ed6e7ab363274810819856e99981b5ad579576796127"),
    ("vocab", "test"): ("benchmark/dataset/vocab_scaling_law/test-00000-of-00001.parquet", 4341,
                        "e94a7f367168596511ee0024fe52acca6ef1a2fceef9c605b6b5b62e748396cb"),
    ("vocab", "train"): ("benchmark/dataset/vocab_scaling_law/train-00000-of-00001.parquet", 19500,
                        "959415949e790c46d30b445536d2a364d804c7c942398320dd0677ed3ecdf633"),
}

CATALOG: dict[str, DataSet] = {d.name: d for d in (
    DataSet(
        name="epoch_chinchilla",
        title="Chinchilla's 245 final losses (N, C), digitised from Hoffmann et al. 2022 Fig. 4 by Epoch AI",
        citation="Besiroglu, Erdil, Barnett, You (2024), Chinchilla Scaling: A replication attempt, arXiv:2404.10102; "
                 "Hoffmann et al. (2022), arXiv:2203.15556",
        licence="none stated (fetched, not shipped)",
        repo="epoch-research/analyzing-chinchilla", commit="92258837425e1b5f2851d624287f0120583a3d0e",
        files=(DataFile("svg_extracted_data.csv", "data/svg_extracted_data.csv", 23224,
                        "193478df4e90f040016431996c45682659306840ecdadf83cfb9cd5ca0aa1b30"),),
        shipped=False,
        runs=RunsSpec("svg_extracted_data.csv", {"N": "Model Size", "C": "Training FLOP", "loss": "loss"},
                      "hoffmann2022"),
        note="D = C / (6 N); loss in nats/token (MassiveText)",
    ),
    DataSet(
        name="steplaw",
        title="Step Law's 1,911 dense and 708 MoE final losses over learning-rate x batch grids, and its 1,000 "
              "bootstrap fits",
        citation="Li et al. (2025), Predictable Scale: Part I, Optimal Hyperparameter Scaling Law in Large Language "
                 "Model Pretraining, arXiv:2503.04715",
        licence="none stated (fetched, not shipped)",
        repo="step-law/steplaw", commit="32a8f4cc50247695fb56cc6c9117abdf67c97763",
        files=(DataFile("dense_lr_bs_loss.csv", "data/dense_lr_bs_loss.csv", 344476,
                        "9e46181076c04d450294d75dfe6f72adc416e231e154a07b337e378f9410002c"),
               DataFile("moe_lr_bs_loss.csv", "data/moe_lr_bs_loss.csv", 232920,
                        "653d585244a7b227423007e8b796bc16d76f6d24eb87b1919b8f048a91897b92"),
               DataFile("1004_fitted_lr_bs_scaling_model_parameters.csv",
                        "data/1004_fitted_lr_bs_scaling_model_parameters.csv", 97581,
                        "2252afbba5530e6ba6167e8101bd2b9082a018a58cb5922cc8672891a7f4336c")),
        shipped=False,
        note="bs in sequences of 2,048 tokens; N non-embedding; use the 'smooth loss' column",
    ),
    DataSet(
        name="misfitting_li2025",
        title="open_lm runs of Li, Kudugunta & Zettlemoyer: 261 runs of 11 sizes, 4,852 checkpoint losses on C4",
        citation="Li, Kudugunta, Zettlemoyer (2025), (Mis)Fitting: A Survey of Scaling Laws, ICLR 2025, "
                 "arXiv:2502.18969",
        licence="none stated (fetched, not shipped)",
        repo="hadasah/scaling_laws", commit="1f3708c0a12df0effb0ee906b1da5f9f0ff4f4f1",
        files=(DataFile("scaling_results.csv", "data/scaling_results.csv", 1133268,
                        "193b4b7665365112605417e2ef06d55efe599cfa08412354e3ae42c3af7a9f58"),
               DataFile("scaling_results_last_ckpt_only.csv", "data/scaling_results_last_ckpt_only.csv", 58697,
                        "cd96b9eb8e5b2adc80e6739a642dd8554590edc96234d36859ab6ed0f5c30562")),
        shipped=False,
        runs=RunsSpec("scaling_results_last_ckpt_only.csv", {"N": "N", "D": "D", "loss": "loss"}, "hoffmann2022"),
        note="N includes embeddings (N_no_emb without); batch 1,048,576 tokens; several peak learning rates per "
             "(N, D): select one (rows: peak_lr=...) or expect duplicates",
    ),
    DataSet(
        name="marin_isoflops",
        title="Marin's 'Scaling Ladders' IsoFLOP sweeps on Comma, DCLM and Nemotron-CC (6e17 ... 1e21 FLOPs)",
        citation="Marin community (2026), Scaling Ladders, W&B report; exported by Open-Athena/scaling-law-analysis",
        licence="none stated by the exporting repository (fetched, not shipped)",
        repo="Open-Athena/scaling-law-analysis", commit="3e0656ee3dce1a2c89aa67691920f5eb9d30f0fc",
        files=tuple(DataFile(f"isoflop-{k}.csv", f"data/isoflops/extract/marin_202603/raw/isoflop-{k}.csv", size, sha)
                    for k, size, sha in (
                        ("comma", 14293, "0b352c08b3c96d97ef3d7534becbc0a2918493e6e37961943b022056277e4406"),
                        ("dclm", 13355, "8a75a0fbc7b34250501de17ab336fdf99d6bee67e44f62b8bed4b81fb9f033af"),
                        ("nemotron", 14398, "5e615183ba71083721a5bc169adf7c9c997c4820fd69f383f108e0a4ca3ea375"))),
        shipped=False,
        runs=RunsSpec("isoflop-dclm.csv", {"N": "parameter_count", "D": "throughput/total_tokens",
                                            "loss": "eval/paloma/macro_loss"}, "isoflop:quadratic"),
        note="loss is Paloma's macro-averaged eval loss; batch in sequences of 4,096 tokens",
    ),
    DataSet(
        name="llama3_isoflops",
        title="Llama 3's 133 IsoFLOP points (C, D, loss), digitised from Fig. 2 of the Llama 3 paper",
        citation="Llama Team, AI @ Meta (2024), The Llama 3 Herd of Models, arXiv:2407.21783; digitised by "
                 "eric-czech/llama3_isoflop_extraction",
        licence="none stated (fetched, not shipped)",
        repo="eric-czech/llama3_isoflop_extraction", commit="1bc1755b76e6ee55a911549c8ec52b71cb480320",
        files=(DataFile("isoflops_points.csv", "isoflops_points.csv", 7550,
                        "5675ea68f14be53bd09bf0d65667c0f25668aa82ecc48020864ae371e7a38a8a"),),
        shipped=False,
        runs=RunsSpec("isoflops_points.csv", {"C": "compute_budget", "D": "training_tokens",
                                               "loss": "validation_loss"}, "isoflop:quadratic"),
        note="N = C / (6 D); the loss unit is not stated (not nats): Approach 2 only",
    ),
    DataSet(
        name="critical_batch_size_zhang2024",
        title="Steps to a target loss against batch size for 5 OLMo-style sizes (85M ... 1.2B)",
        citation="Zhang, Morwani, Vyas, Wu, Zou, Ghai, Foster, Kakade (2025), How Does Critical Batch Size Scale "
                 "in Pre-training?, ICLR 2025, arXiv:2410.21676",
        licence="MIT (data/critical_batch_size_zhang2024/LICENSE)",
        repo="hlzhang109/critical-batch-size", commit="c5b509d8cf276bb40388172a08f9d6f644cf44dc",
        files=(DataFile("steps_to_target_loss.csv", "plots/chinchilla.ipynb (cell 5, transcribed)", 3028),),
        shipped=True,
        note="transcribed from a dict in the origin's notebook; numbers unchanged",
    ),
    DataSet(
        name="porian2024_rsld",
        title="Porian et al.'s 1,745 IsoFLOP points over 15 configurations, their optima and published fits",
        citation="Porian, Wortsman, Jitsev, Schmidt, Carmon (2024), Resolving Discrepancies in Compute-Optimal "
                 "Scaling of Language Models, NeurIPS 2024, arXiv:2406.19146",
        licence="MIT (data/porian2024_rsld/LICENSE)",
        repo="formll/resolving-scaling-law-discrepencies", commit="b20ccd4300de08eeafcd39edef63540a71d2fcd4",
        files=(DataFile("isoflop_points.csv", "data/summary_df*.pickle.xz (converted)", 184846),
               DataFile("isoflop_optimal_pairs.csv", "data/summary_df*.pickle.xz (converted)", 37291),
               DataFile("published_fit_results.json", "data/summary_df*.pickle.xz (converted)", 15506)),
        shipped=True,
        note="converted from the authors' pandas pickles to CSV/JSON, values unchanged; filter one configuration "
             "(dataset, hparams, warmup, decay, param_count, val) before fitting",
    ),
    DataSet(
        name="datablations_muennighoff2023",
        title="229 final losses with repeated data (1 ... 9,000 epochs), N 7M ... 8.7B",
        citation="Muennighoff, Rush, Barak, Le Scao, Piktus, Tazi, Pyysalo, Wolf, Raffel (2023), Scaling "
                 "Data-Constrained Language Models, NeurIPS 2023, arXiv:2305.16264; compiled by IBM/ColPret",
        licence="MIT (IBM/ColPret) over Apache-2.0 data (huggingface/datablations); both in "
                "data/datablations_muennighoff2023/",
        repo="IBM/ColPret", commit="16f23bbe054277ddc4afd07a972dd7cfbe3f48c3",
        files=(DataFile("datablations_contour_losses.csv", "aggregated_eval/datablations_contour_losses.csv",
                        41569),),
        shipped=True,
        runs=RunsSpec("datablations_contour_losses.csv",
                      {"N": "num_params", "D": "token_num", "loss": "openLM_loss", "epochs": "epochs"},
                      "muennighoff2023"),
        note="unique tokens U = token_num / epochs (the tokens_per_epoch column is unreliable)",
    ),
    DataSet(
        name="datablations_fit_muennighoff2023",
        title="The 182 runs Muennighoff et al. fitted their data-constrained law to (validation losses; N 7M ... "
              "8.7B, 1 ... 44 epochs)",
        citation="Muennighoff, Rush, Barak, Le Scao, Piktus, Tazi, Pyysalo, Wolf, Raffel (2023), Scaling "
                 "Data-Constrained Language Models, NeurIPS 2023, arXiv:2305.16264",
        licence="Apache-2.0 (data/datablations_fit_muennighoff2023/LICENSE)",
        repo="huggingface/datablations", commit="13701315b163f1c54642b94ad237b2699187c3ee",
        files=(DataFile("datablations_runs_182.csv", "utils/parametric_fit.ipynb (NAMES_TO_VAL_LOSSES, decoded by "
                        "data/make_datablations_runs.py)", 10671),),
        shipped=True,
        runs=RunsSpec("datablations_runs_182.csv",
                      {"N": "params", "D": "tokens", "U": "unique_tokens", "loss": "val_loss"}, "muennighoff2023"),
        note="the authors' own fit reaches a summed Huber objective of 0.0158259 on these runs at R_D* = 15.387756, "
             "R_N* = 5.309743 (stage 1 held at their C4 constants); repeated seeds are separate rows",
    ),
    DataSet(
        name="scalebench",
        title="ScaleBench: 8 scaling-law tasks (MoE, sparsity, vocabulary, data-constrained, parallel, LR & batch, "
              "domain mixture, Farseer), each a train split and a held-out high-cost test split",
        citation="Li, Li, Lin, Sun, Talwalkar, Yang (2026), Spend Less, Fit Better: Budget-Efficient Scaling Law "
                 "Fitting via Active Experiment Selection, arXiv:2604.22753 (data: Hugging Face sijieli/scalebench)",
        licence="CC-BY-4.0 (the data; the code of PlanarG/active-sl is MIT): fetched, not shipped",
        repo="PlanarG/active-sl", commit="e0a58ffde4f6fdfb20880d47d6d180fdbcb1440d",
        files=tuple(DataFile(f"{task}_{split}.parquet", path, size, sha)
                    for (task, split), (path, size, sha) in _SCALEBENCH.items()),
        shipped=False,
        in_all=False,
        tables=_SCALEBENCH_TASKS,
        note="Parquet (reading it needs pyarrow); each task's features and target are in its columns; 'group' "
             "names a subproblem (a corpus, a data split); R^2 on the test split is the benchmark's score",
    ),
    DataSet(
        name="gemstones",
        title="Gemstones: losses at the end of cooldowns (20 Gemma-style shapes, 11B ... 110B tokens) and a "
              "Chinchilla-like subsample",
        citation="McLeish, Kirchenbauer, Miller, Singh, Bhatele, Goldblum, Panda, Goldstein (2025), Gemstones: A "
                 "Model Suite for Multi-Faceted Scaling Laws, NeurIPS 2025, arXiv:2502.06857",
        licence="MIT (data/gemstones/LICENSE)",
        repo="mcleish7/gemstone-scaling-laws", commit="5f420478f6057b0cbb4d13405fb10ca64675bccb",
        files=(DataFile("wandb_df_for_fitting_cool_end.jsonl", "wandb_dfs/wandb_df_for_fitting_cool_end.jsonl",
                        40376),
               DataFile("wandb_df_for_fitting_slim_chinchilla.jsonl",
                        "wandb_dfs/wandb_df_for_fitting_slim_chinchilla.jsonl", 3604)),
        shipped=True,
        runs=RunsSpec("wandb_df_for_fitting_cool_end.jsonl",
                      {"N": "params_active_precise", "D": "tokens", "loss": "final_loss"}, "hoffmann2022"),
        note="'final_loss' is the loss at 'tokens'; Dolma; batch about 4.19M tokens",
    ),
    DataSet(
        name="multipower_luo2025",
        title="Loss curves of 25M and 100M models under nine learning-rate schedules",
        citation="Luo, Wen, Hu, Sun, Liu, Sun, Lyu, Chen (2025), A Multi-Power Law for Loss Curve Prediction "
                 "Across Learning Rate Schedules, ICLR 2025, arXiv:2503.12811",
        licence="MIT (data/multipower_luo2025/LICENSE)",
        repo="thu-yao-01-luo/MultiPowerLaw", commit="8da9f1902602f3391b971a811e3cc51604541769",
        files=tuple(DataFile(f"{k}.csv", f"loss_curve_repo/{k}.csv", size) for k, size in _MULTIPOWER.items()),
        shipped=True,
        note="read with scalingviz.datasets.multipower_curves(), which rebuilds each run's schedule",
    ),
)}


def get(name: str) -> DataSet:
    """A data set's entry; an unknown name raises, listing the known ones."""
    if not isinstance(name, str) or name not in CATALOG:
        raise InputError(f"data set: {shown(name)} is not known; known: {', '.join(CATALOG)}")
    return CATALOG[name]


def input_file(ref: str | os.PathLike, *, timeout: float = 30.0) -> Path:
    """The file a user names: a path on this machine, or a data set's file named ``NAME/FILE`` (e.g.
    ``epoch_chinchilla/svg_extracted_data.csv``), shipped or fetched and cached on first use.

    A path that exists wins over a data set of the same name; anything else is returned as it is, for
    the reader to report. An unreachable data set raises :class:`DataUnavailable`.
    """
    path = Path(ref)
    try:
        exists = path.exists()
    except OSError:  # a name the system cannot hold (too long): the reader reports it
        exists = False
    if exists or len(path.parts) != 2 or path.parts[0] not in CATALOG:
        return path
    ds = CATALOG[path.parts[0]]
    ds.file(path.parts[1])  # an unknown file of a known set: say which files it has
    return fetch(ds.name, timeout=timeout) / ds.file(path.parts[1]).name


@contextmanager
def data_or_exit(prog: str) -> Iterator[None]:
    """For a script that reads data sets: a data set that is not on this machine and cannot be fetched
    ends the script with one line on stderr (exit status 2), not a traceback."""
    try:
        yield
    except DataUnavailable as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def origin() -> str:
    return (os.environ.get("SCALINGVIZ_DATA_ORIGIN") or DEFAULT_ORIGIN).rstrip("/")


def url(ds: DataSet, f: DataFile) -> str:
    """Where a fetched file is downloaded from."""
    return f"{origin()}/{ds.repo}/{ds.commit}/{f.path}"


def _external(ds: DataSet) -> Path | None:
    root = os.environ.get("SCALINGVIZ_EXTERNAL_DATA")
    if root:
        folder = Path(root).expanduser() / ds.name
        if all((folder / f.name).is_file() for f in ds.files):
            return folder
    return None


def _shipped(ds: DataSet) -> Path:
    return PACKAGE_DATA / (ds.folder or ds.name)


def _cached(ds: DataSet) -> Path:
    return cache_dir() / "data" / ds.name


def status(name: str) -> str:
    """``shipped``, ``local copy`` ($SCALINGVIZ_EXTERNAL_DATA), ``cached``, ``partly cached`` or ``not fetched``."""
    ds = get(name)
    if ds.shipped:
        return "shipped"
    if _external(ds) is not None:
        return "local copy"
    have = sum((_cached(ds) / f.name).is_file() for f in ds.files)
    return "cached" if have == len(ds.files) else "partly cached" if have else "not fetched"


def _download(ds: DataSet, f: DataFile, target: Path, timeout: float, deadline: float, budget: float) -> None:
    """One file, streamed through a temporary file; kept only if its size and sha256 match and it
    arrived before ``deadline`` (``time.monotonic()``; ``budget`` seconds from the start of the fetch)."""
    import http.client
    import urllib.error
    import urllib.request

    where = url(ds, f)
    retry = f"Nothing was kept; the next call retries (or run `scalingviz data fetch {ds.name}`)."

    def chunks() -> Iterator[bytes]:
        digest, got = hashlib.sha256(), 0
        with urllib.request.urlopen(where, timeout=timeout) as resp:
            while chunk := resp.read1(_CHUNK):  # one network read each: the deadline is checked between them
                got += len(chunk)
                if time.monotonic() > deadline:
                    raise DataUnavailable(f"data set {ds.name}: {f.name} from {where} took longer than the "
                                          f"{budget:g} s allowed ({got:,} of {f.size:,} bytes arrived). {retry} "
                                          "A slow link can allow more with --deadline.")
                if got > f.size:
                    raise DataUnavailable(f"data set {ds.name}: {f.name} from {where} is larger than its pinned "
                                          f"{f.size:,} bytes. {retry}")
                digest.update(chunk)
                yield chunk
        if got < f.size:
            raise DataUnavailable(f"data set {ds.name}: {f.name} from {where} was truncated ({got:,} of "
                                  f"{f.size:,} bytes). {retry}")
        if digest.hexdigest() != f.sha256:
            raise DataUnavailable(f"data set {ds.name}: {f.name} from {where} does not match its pinned sha256 "
                                  f"(expected {f.sha256[:16]}..., got {digest.hexdigest()[:16]}...). {retry}")

    try:
        atomic_write(target, chunks())
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        reason = getattr(exc, "reason", None) or exc
        raise DataUnavailable(
            f"data set {ds.name} is not on this machine and could not be downloaded from {where} ({reason}); "
            f"you may be offline. Run `scalingviz data fetch {ds.name}` when online, or set "
            f"SCALINGVIZ_EXTERNAL_DATA to a folder holding {ds.name}/{f.name}.") from None


#: A download's temporary file not written for this long (seconds) was left by a killed process.
_STALE_PART = 3600.0
#: The longest a fetch of one data set may take, all files together (seconds; ``deadline=``).
DEADLINE = 600.0


def _sweep_partials(folder: Path, older_than: float) -> None:
    """Remove the temporary files of downloads that ended without cleaning up (a killed process):
    ``.<file>.*.part`` not written for ``older_than`` seconds (a live download writes every chunk)."""
    if not folder.is_dir():
        return
    now = time.time()
    for part in folder.glob(".*.part"):
        try:
            if now - part.stat().st_mtime > older_than:
                part.unlink()
        except OSError:  # another process removed it first
            pass


def fetch(name: str, *, timeout: float = 30.0, deadline: float = DEADLINE) -> Path:
    """The folder holding every file of data set ``name``, downloading what the cache lacks.

    ``timeout`` bounds each network wait (seconds); ``deadline`` the whole fetch. Shipped sets and
    local copies are returned as they are. Raises :class:`DataUnavailable` with one line naming the
    data set and the URL when a file cannot be had (offline, HTTP error, truncated, wrong checksum,
    past the deadline); nothing half-written is left behind, so the next call retries, and temporary
    files that a killed download left are removed.
    """
    for arg, value, hi in (("timeout", timeout, 3600.0), ("deadline", deadline, 86400.0)):
        if not (isinstance(value, (int, float)) and 0.1 <= value <= hi):
            raise InputError(f"{arg}: {value!r} is out of range; give seconds from 0.1 to {hi:g}")
    ds = get(name)
    if ds.shipped:
        return _shipped(ds)
    local = _external(ds)
    if local is not None:
        return local
    folder = _cached(ds)
    _sweep_partials(folder, older_than=_STALE_PART)
    end = time.monotonic() + deadline
    for f in ds.files:
        target = folder / f.name
        if target.is_file() and str(target) not in _VERIFIED:
            if target.stat().st_size != f.size or _sha256(target) != f.sha256:
                target.unlink()  # damaged since it was written: fetched again below
            else:
                _VERIFIED.add(str(target))
        if not target.is_file():
            _download(ds, f, target, timeout, end, deadline)
            _VERIFIED.add(str(target))
    return folder


#: Cached files whose checksum this process has seen match (checked once per process).
_VERIFIED: set[str] = set()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
