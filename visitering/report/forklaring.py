"""The computation trail for one municipality, in words and numbers, citing the paragraphs."""

from __future__ import annotations

import math

from visitering.kvoter.apportionment import METHOD_LABELS, Method
from visitering.kvoter.beregning import Grundlag, Kvoteberegning
from visitering.report.kvoter import TIE_BREAK, header_lines
from visitering.report.numbers import dec, thousands


def forklar(result: Kvoteberegning, kode: int) -> str:
    """Explain how municipality ``kode`` got its quota in ``result``."""
    q = result.kvote(kode)
    n, g, k = q.noegle, q.noegle.grundlag, q.kommune
    key = result.noegle
    L, F = result.landstal, key.familiesammenfoerte_i_alt
    region = next(r for r in result.regioner if r.region == k.region)
    lines = header_lines(result, f"Kommunekvote for {k.kode} {k.navn}")
    lines += [
        "",
        f"{k.kode} {k.navn} ({k.region.navn})",
        "",
        "Inputs (§ 4 stk. 2-3):",
        f"  P_k population          {thousands(g.befolkning):>12}  of ΣP = "
        f"{thousands(key.befolkning_i_alt)}  ->  p_k = {dec(n.befolkningsandel, 8)}",
        f"  I_k immigrants          {thousands(g.indvandrere):>12}  of ΣI = "
        f"{thousands(key.indvandrere_i_alt)}  ->  i_k = {dec(n.indvandrerandel, 8)}",
        f"  F_k family-reunified    {thousands(g.familiesammenfoerte):>12}  of F  = {thousands(F)}",
        "",
        "Step 1 (§ 4): fordelingsandel a_k = 2·p_k − i_k",
        f"  = 2 × {dec(n.befolkningsandel, 8)} − {dec(n.indvandrerandel, 8)} "
        f"= {dec(n.fordelingsandel, 8)}",
        "Step 2 (§ 4): beregnet fordelingstal b_k = a_k · (L + F)",
        f"  = {dec(n.fordelingsandel, 8)} × ({L} + {F}) = {dec(n.beregnet_fordelingstal, 6)}",
        "Step 3 (§ 4): foreløbigt fordelingstal v_k = b_k − F_k",
        f"  = {dec(n.beregnet_fordelingstal, 6)} − {g.familiesammenfoerte} "
        f"= {dec(n.foreloebigt_fordelingstal, 6)}",
    ]
    if n.foreloebigt_fordelingstal <= 0:
        lines += [
            "Step 4 (§ 4): v_k ≤ 0, so the fordelingstal is 0 (a nul-kvote-kommune); the",
            "  shortfall is taken off the municipalities with v_k > 0.",
        ]
    else:
        lines += [
            "Step 4 (§ 4): v_k > 0, so fordelingstal t_k = v_k · L / S, where S = "
            f"{dec(key.positiv_sum, 6)} is the sum of all positive v_k",
            f"  = {dec(n.foreloebigt_fordelingstal, 6)} × {L} / {dec(key.positiv_sum, 6)} "
            f"= {dec(n.fordelingstal, 6)}",
        ]
    lines += [
        f"Step 5 (§ 4 stk. 1): {k.region.navn}: Σ t_k = {dec(region.fordelingstal, 6)};",
        f"  the region quota is the sum of its municipal quotas: {region.regionskvote}.",
        f"Step 6 (§ 7): rounding to whole persons by {METHOD_LABELS[result.metode]}; {TIE_BREAK}.",
        *_rounding_words(result, kode),
    ]
    if q.grundlag is Grundlag.AFTALE:
        lines.append(
            f"Step 7 (§§ 5-6): the KKR agreement for {k.region.navn} sets the quota to "
            f"{q.kommunekvote} (computed: {q.beregnet_kvote})."
        )
    elif q.grundlag in (Grundlag.AFVIGELSE, Grundlag.REGION_AFVIGELSE):
        lines.append(
            f"Step 7 ({q.grundlag}): a recorded deviation sets the quota to "
            f"{q.kommunekvote} (computed: {q.beregnet_kvote}); reason: {q.begrundelse}"
        )
    lines += ["", f"Result: kommunekvote {q.kommunekvote} (basis: {q.grundlag})."]
    return "\n".join(lines) + "\n"


def _rounding_words(result: Kvoteberegning, kode: int) -> list[str]:
    q = result.kvote(kode)
    t = q.noegle.fordelingstal
    low, high = math.floor(t), math.ceil(t)
    if low == high:
        return [f"  t_k = {low} is whole, so the quota is {low}."]
    words = [f"  t_k lies between {low} and {high}; the method gives {q.beregnet_kvote}."]
    if result.metode is Method.LARGEST_REMAINDER:
        remainders = sorted(
            (
                (r.fordelingstal - math.floor(r.fordelingstal), r.kode)
                for r in result.noegle.kommuner
            ),
            key=lambda x: (-x[0], x[1]),
        )
        rank = 1 + next(i for i, (_, c) in enumerate(remainders) if c == kode)
        handed = result.landstal - sum(math.floor(r.fordelingstal) for r in result.noegle.kommuner)
        words.append(
            f"  Every municipality first gets the whole part of t_k; the {handed} persons left go "
            f"one each to the largest remainders. Its remainder {dec(t - low, 6)} ranks {rank} "
            f"of {len(remainders)}, so it {'gets' if rank <= handed else 'does not get'} one."
        )
    else:
        words.append(
            "  The divisor method hands out persons one at a time to the highest priority among "
            "the municipalities still within quota, so no quota leaves floor/ceil of t_k and "
            "none falls when the landstal rises."
        )
    return words
