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

    Parameters
    ----------
    alpha_N, alpha_B, alpha_S : float
        The law's constants, as in preset ``kaplan2020``.

    Examples
    --------
    >>> from scalingviz.laws.appendix_b import alpha_C_min_from_exponents
    >>> k = dict(alpha_N=0.076, alpha_B=0.21, alpha_S=0.76)
    >>> print(f"{float(alpha_C_min_from_exponents(**k)):.4g}")
    0.05199
    """
    return 1.0 / (1.0 / alpha_S + 1.0 / alpha_B + 1.0 / alpha_N)


def frontier_constant_C_c(
    *, N_c: float, alpha_N: float, S_c: float, alpha_S: float, B_star: float, alpha_B: float
) -> float:
    """Compute scale of the Appendix-B frontier [FLOP], Eq. B.8.

    ``C_c = 6 N_c B_* S_c (1 + alpha_N/alpha_S)^(1/alpha_S + 1/alpha_N) (alpha_S/alpha_N)^(1/alpha_S)``.

    Parameters
    ----------
    N_c, alpha_N, S_c, alpha_S, B_star, alpha_B : float
        The law's constants, as in preset ``kaplan2020``.

    Examples
    --------
    >>> from scalingviz.laws.appendix_b import frontier_constant_C_c
    >>> k = dict(N_c=8.8e+13, alpha_N=0.076, S_c=2100, alpha_S=0.76, B_star=2.1e+08, alpha_B=0.21)
    >>> print(f"{float(frontier_constant_C_c(**k)):.4g}")
    1.914e+28
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

    Examples
    --------
    >>> from scalingviz.laws.appendix_b import efficient_frontier
    >>> k = dict(N_c=8.8e+13, alpha_N=0.076, S_c=2100, alpha_S=0.76, B_star=2.1e+08, alpha_B=0.21)
    >>> out = efficient_frontier(1e21, **k)
    >>> sorted(out)[:4]
    ['B_opt', 'D_opt', 'N_opt', 'S_opt']
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
