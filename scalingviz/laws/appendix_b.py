"""Kaplan et al. 2020, Appendix B: the compute-efficient frontier in closed form (Eq. B.5-B.10).

Shared by :mod:`.kaplan2020` (its Table 5 constants) and :mod:`.su2024` (Kaplan's relations with
constants from Su et al.'s procedure), so that neither law module imports the other's form.
"""

from __future__ import annotations

from numpy.typing import ArrayLike, NDArray

from .forms import as_float as _f
from .forms import scalar_or_array as _out

__all__ = ["alpha_C_min_from_exponents", "efficient_frontier", "frontier_constant_C_c"]


def alpha_C_min_from_exponents(*, alpha_N: float, alpha_B: float, alpha_S: float) -> float:
    """Exponent of the compute-efficient loss, Eq. 1.8 / B.7: ``1 / (1/alpha_S + 1/alpha_B + 1/alpha_N)``.

    With the Table 5 exponents this is 0.05199; the paper prints ~0.052 (B.7) and ~0.054 (Eq. 6.4).
    """
    return 1.0 / (1.0 / alpha_S + 1.0 / alpha_B + 1.0 / alpha_N)


def frontier_constant_C_c(
    *, N_c: float, alpha_N: float, S_c: float, alpha_S: float, B_star: float, alpha_B: float
) -> float:
    """Compute scale of the Appendix-B frontier [FLOP], Eq. B.8.

    ``C_c = 6 N_c B_* S_c (1 + alpha_N/alpha_S)^(1/alpha_S + 1/alpha_N) (alpha_S/alpha_N)^(1/alpha_S)``.
    """
    r = alpha_N / alpha_S
    return 6.0 * N_c * B_star * S_c * (1.0 + r) ** (1.0 / alpha_S + 1.0 / alpha_N) * (1.0 / r) ** (1.0 / alpha_S)


def efficient_frontier(
    C: ArrayLike, *, N_c: float, alpha_N: float, S_c: float, alpha_S: float, B_star: float, alpha_B: float
) -> dict[str, float | NDArray]:
    """Closed-form compute-efficient frontier of Appendix B (Eq. B.5-B.10).

    Parameters
    ----------
    C : array_like
        Compute spent training at the critical batch size [FLOP] (Appendix B's C, which is
        about twice C_min).

    Returns
    -------
    dict
        ``loss`` (B.6) [nats/token], ``N_opt`` (B.9) [params], ``S_opt`` (B.10) [steps],
        ``B_opt`` = B_crit(loss) (B.2) [tokens] and ``D_opt`` = B S [tokens].

    Notes
    -----
    Derived from L(N, S) (B.1) with S taken at B = B_crit(L). The result satisfies
    ``C = 6 N B S`` exactly and ``L = (1 + alpha_N/alpha_S) (N_c/N)^alpha_N`` (B.5).
    """
    C = _f(C)
    aC = alpha_C_min_from_exponents(alpha_N=alpha_N, alpha_B=alpha_B, alpha_S=alpha_S)
    Cc = frontier_constant_C_c(N_c=N_c, alpha_N=alpha_N, S_c=S_c, alpha_S=alpha_S, B_star=B_star, alpha_B=alpha_B)
    r = alpha_N / alpha_S
    x = C / Cc
    L = x ** (-aC)
    N = N_c * x ** (aC / alpha_N) * (1.0 + r) ** (1.0 / alpha_N)
    S = Cc / (6.0 * N_c * B_star) * (1.0 + r) ** (-1.0 / alpha_N) * x ** (aC / alpha_S)
    B = B_star / L ** (1.0 / alpha_B)
    return {"loss": _out(L), "N_opt": _out(N), "S_opt": _out(S), "B_opt": _out(B), "D_opt": _out(B * S)}
