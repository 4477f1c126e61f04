"""The distribution key of BEK nr. 550/2022 § 4, in exact arithmetic.

For each municipality k, with P_k population, I_k non-Western immigrants and F_k family members
reunified with refugees in the previous year (§ 4 stk. 2-3), L the landstal and F = Σ F_k:

1. fordelingsandel      a_k = p_k − (i_k − p_k) = 2·p_k − i_k, with p_k = P_k/ΣP, i_k = I_k/ΣI;
2. beregnet fordelingstal b_k = a_k · (L + F);
3. foreløbigt fordelingstal v_k = b_k − F_k  (Σ v_k = L exactly);
4. fordelingstal        t_k = 0 if v_k ≤ 0, else v_k · L / S with S = Σ_{v_j > 0} v_j
   (the shortfall from clipping is taken off the positive municipalities in proportion to v_k).

Every number is a :class:`fractions.Fraction`, so the key is exact and each intermediate can be
audited back to its inputs.  Rounding to whole persons is a separate, named step
(:mod:`visitering.kvoter.apportionment`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from visitering.domain import Fordelingsgrundlag, KommuneGrundlag
from visitering.errors import InputError, Problem


@dataclass(frozen=True, slots=True)
class KommuneNoegle:
    """Every intermediate of § 4 for one municipality."""

    grundlag: KommuneGrundlag
    befolkningsandel: Fraction
    """p_k = P_k / ΣP."""
    indvandrerandel: Fraction
    """i_k = I_k / ΣI."""
    fordelingsandel: Fraction
    """a_k = 2·p_k − i_k (may be negative; not clipped here)."""
    beregnet_fordelingstal: Fraction
    """b_k = a_k · (L + F)."""
    foreloebigt_fordelingstal: Fraction
    """v_k = b_k − F_k."""
    fordelingstal: Fraction
    """t_k: 0 if v_k ≤ 0, else v_k · L / S."""

    @property
    def kode(self) -> int:
        return self.grundlag.kommune.kode


@dataclass(frozen=True, slots=True)
class Noegle:
    """The whole key: per-municipality intermediates and the national sums."""

    landstal: int
    kommuner: tuple[KommuneNoegle, ...]
    befolkning_i_alt: int
    indvandrere_i_alt: int
    familiesammenfoerte_i_alt: int
    positiv_sum: Fraction
    """S = Σ v_k over municipalities with v_k > 0."""


def beregn_noegle(grundlag: Fordelingsgrundlag, landstal: int) -> Noegle:
    """Compute the § 4 key for ``landstal``.

    Raises
    ------
    InputError
        If the population or immigrant totals are zero (the shares are then undefined).
    """
    if landstal <= 0:
        raise InputError(Problem(f"must be a positive whole number, got {landstal}", "landstal"))
    total_p = sum(g.befolkning for g in grundlag.kommuner)
    total_i = sum(g.indvandrere for g in grundlag.kommuner)
    total_f = sum(g.familiesammenfoerte for g in grundlag.kommuner)
    problems = []
    if total_p == 0:
        problems.append(Problem("the befolkning column sums to 0", grundlag.kilde))
    if total_i == 0:
        problems.append(Problem("the indvandrere column sums to 0", grundlag.kilde))
    if problems:
        raise InputError(problems)

    staged = []
    for g in grundlag.kommuner:
        p = Fraction(g.befolkning, total_p)
        i = Fraction(g.indvandrere, total_i)
        a = 2 * p - i
        b = a * (landstal + total_f)
        v = b - g.familiesammenfoerte
        staged.append((g, p, i, a, b, v))
    positive = sum((v for *_, v in staged if v > 0), Fraction(0))
    kommuner = tuple(
        KommuneNoegle(g, p, i, a, b, v, v * landstal / positive if v > 0 else Fraction(0))
        for g, p, i, a, b, v in staged
    )
    return Noegle(landstal, kommuner, total_p, total_i, total_f, positive)
