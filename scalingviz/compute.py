"""Parameter counts, FLOP counts, and the time and money a training run takes.

Two conventions for the parameter count N appear in the literature, and mixing them is
the most common reason a prediction "does not match the paper":

* **non-embedding** N (Kaplan et al. 2020, Step Law): attention and MLP weights only,
  ``N = 2 d_model n_layer (2 d_attn + d_ff) = 12 n_layer d_model^2`` (Kaplan Eq. 2.1);
* **total** N (Hoffmann et al. 2022): also counts the token embedding (and any learned
  position embedding).

Training compute is approximated by ``C = 6 N D`` (Kaplan Sec. 2.1: a forward pass costs
about 2N FLOP per token and the backward pass twice that). The exact per-token counts of
Kaplan Eq. 2.2 and DeepSeek's M (Bi et al. 2024, Eq. 2) add the attention term.

Scalars in give floats out; arrays broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass

from numpy.typing import ArrayLike, NDArray

from ._arrays import as_float as _f
from ._arrays import scalar_or_array as _out
from .errors import InputError

__all__ = [
    "GPU",
    "GPUS",
    "cost",
    "flops_per_token_deepseek",
    "flops_per_token_forward",
    "get_gpu",
    "gpu_hours",
    "n_params_nonembedding",
    "n_params_total",
    "training_flops",
    "training_flops_from_steps",
    "training_time_seconds",
]


def n_params_nonembedding(
    n_layer: ArrayLike, d_model: ArrayLike, d_attn: ArrayLike | None = None, d_ff: ArrayLike | None = None
) -> float | NDArray:
    """Non-embedding parameter count of a decoder-only Transformer.

    Parameters
    ----------
    n_layer : array_like
        Number of layers [-].
    d_model : array_like
        Residual-stream width [-].
    d_attn : array_like, optional
        Attention width; defaults to ``d_model``.
    d_ff : array_like, optional
        Feed-forward width; defaults to ``4 d_model``.

    Returns
    -------
    float or ndarray
        N [params, non-embedding].

    Notes
    -----
    Kaplan et al. 2020, Eq. 2.1: ``N = 2 d_model n_layer (2 d_attn + d_ff)``, which is
    ``12 n_layer d_model^2`` for the standard ``d_attn = d_ff/4 = d_model``. Biases and
    layer norms are neglected, as in the paper.

    Examples
    --------
    >>> n_params_nonembedding(48, 1600)   # GPT-2 XL shape
    1474560000.0
    """
    n_layer, d_model = _f(n_layer), _f(d_model)
    d_attn = d_model if d_attn is None else _f(d_attn)
    d_ff = 4 * d_model if d_ff is None else _f(d_ff)
    return _out(2 * d_model * n_layer * (2 * d_attn + d_ff))


def n_params_total(
    n_layer: ArrayLike,
    d_model: ArrayLike,
    n_vocab: ArrayLike,
    n_ctx: ArrayLike = 0,
    d_attn: ArrayLike | None = None,
    d_ff: ArrayLike | None = None,
) -> float | NDArray:
    """Total parameter count: non-embedding N plus the embeddings (Chinchilla's convention).

    Parameters
    ----------
    n_layer, d_model, d_attn, d_ff : array_like
        As in :func:`n_params_nonembedding`.
    n_vocab : array_like
        Vocabulary size [tokens].
    n_ctx : array_like, optional
        Context length [tokens] if positions are learned embeddings (Kaplan Table 1:
        ``(n_vocab + n_ctx) d_model``); 0 (default) for rotary/ALiBi models.

    Returns
    -------
    float or ndarray
        N [params, total incl. embedding]. DeepSeek's ``6 N2 = 72 n_layer d^2 + 6 n_vocab d``
        (Bi et al. 2024, Sec. 3.2) is this with ``n_ctx = 0`` (times 6).
    """
    N = _f(n_params_nonembedding(n_layer, d_model, d_attn, d_ff))
    return _out(N + (_f(n_vocab) + _f(n_ctx)) * _f(d_model))


def flops_per_token_forward(
    N: ArrayLike, n_layer: ArrayLike, n_ctx: ArrayLike, d_attn: ArrayLike
) -> float | NDArray:
    """Forward-pass FLOP per token, Kaplan et al. 2020 Eq. 2.2.

    ``C_forward = 2 N + 2 n_layer n_ctx d_attn`` [FLOP/token], with N non-embedding. The
    second term is the attention over the context; Kaplan neglects it when
    ``d_model > n_ctx / 12``. Training costs about three times this (forward + backward).
    """
    return _out(2 * _f(N) + 2 * _f(n_layer) * _f(n_ctx) * _f(d_attn))


def flops_per_token_deepseek(n_layer: ArrayLike, d_model: ArrayLike, seq_len: ArrayLike) -> float | NDArray:
    """DeepSeek's model scale M: non-embedding training FLOP per token, attention included.

    Notes
    -----
    Bi et al. 2024 (DeepSeek LLM), Eq. 2: ``M = 72 n_layer d_model^2 + 12 n_layer d_model l_seq``
    [FLOP/token], so that training compute is ``C = M D``. Compare ``6 N = 72 n_layer d_model^2``.

    Examples
    --------
    >>> flops_per_token_deepseek(32, 4096, 4096) / 1e9   # Bi et al. Table 3: 45.1B
    45.097156608
    """
    n_layer, d_model = _f(n_layer), _f(d_model)
    return _out(72 * n_layer * d_model**2 + 12 * n_layer * d_model * _f(seq_len))


def training_flops(N: ArrayLike, D: ArrayLike) -> float | NDArray:
    """Training compute ``C = 6 N D`` [FLOP] from parameters N and tokens D (Kaplan Sec. 2.1)."""
    return _out(6 * _f(N) * _f(D))


def training_flops_from_steps(N: ArrayLike, B: ArrayLike, S: ArrayLike) -> float | NDArray:
    """Training compute ``C = 6 N B S`` [FLOP] with batch B [tokens] and S optimizer steps."""
    return _out(6 * _f(N) * _f(B) * _f(S))


@dataclass(frozen=True)
class GPU:
    """An accelerator's peak dense BF16 tensor throughput, with its source."""

    name: str
    peak_flops: float  # [FLOP/s], dense (no structured sparsity), BF16
    source: str


#: Peak dense BF16 FLOP/s. Vendors quote "with sparsity" figures at twice the dense
#: rate; these are the dense ones.
GPUS: dict[str, GPU] = {
    "A100": GPU("A100", 312e12, "NVIDIA A100 Tensor Core GPU datasheet (SXM4): BF16 312 TFLOPS dense"),
    "H100": GPU(
        "H100", 989e12, "NVIDIA H100 Tensor Core GPU datasheet (SXM5): BF16 1,979 TFLOPS with sparsity / 2"
    ),
    "H200": GPU(
        "H200", 989e12, "NVIDIA H200 Tensor Core GPU datasheet (SXM): BF16 1,979 TFLOPS with sparsity / 2"
    ),
    "B200": GPU("B200", 2.25e15, "NVIDIA HGX B200 datasheet: FP16/BF16 4.5 PFLOPS with sparsity / 2"),
}


def get_gpu(name: str) -> GPU:
    """Look up a GPU by name (case-insensitive); the error lists the valid names."""
    for key, gpu in GPUS.items():
        if key.lower() == str(name).strip().lower():
            return gpu
    raise InputError(f"gpu: unknown GPU {name!r}; valid names are {', '.join(GPUS)} (or give peak FLOP/s)")


def training_time_seconds(C: ArrayLike, n_gpus: ArrayLike, peak_flops: ArrayLike, mfu: ArrayLike) -> float | NDArray:
    """Wall-clock time ``C / (n_gpus x peak_flops x MFU)`` [s].

    Parameters
    ----------
    C : array_like
        Training compute [FLOP].
    n_gpus : array_like
        Number of accelerators [-].
    peak_flops : array_like
        Peak throughput per accelerator [FLOP/s].
    mfu : array_like
        Model FLOP utilisation, the achieved fraction of peak, in (0, 1] [-].
    """
    return _out(_f(C) / (_f(n_gpus) * _f(peak_flops) * _f(mfu)))


def gpu_hours(C: ArrayLike, peak_flops: ArrayLike, mfu: ArrayLike) -> float | NDArray:
    """Accelerator-hours ``C / (peak_flops x MFU) / 3600`` [GPU-h]; independent of the GPU count."""
    return _out(_f(C) / (_f(peak_flops) * _f(mfu)) / 3600.0)


def cost(C: ArrayLike, peak_flops: ArrayLike, mfu: ArrayLike, price_per_gpu_hour: ArrayLike) -> float | NDArray:
    """Cost = GPU-hours x price per GPU-hour [currency of the price]."""
    return _out(_f(gpu_hours(C, peak_flops, mfu)) * _f(price_per_gpu_hour))
