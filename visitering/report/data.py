"""Terminal text for ``visitering data check`` and ``visitering data years``."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from visitering.domain import Fordelingsgrundlag
from visitering.inputs.embedded import Aargang
from visitering.kvoter.fordelingsnoegle import beregn_noegle
from visitering.report.kvoter import grundlag_lines
from visitering.report.numbers import dec, thousands

LARGEST = 10
"""How many municipalities the comparison lists (largest differences first)."""


def check_text(
    grundlag: Fordelingsgrundlag,
    source: str,
    sammenligning: tuple[int, Fordelingsgrundlag] | None,
    uden_sammenligning: str = "",
) -> str:
    """Summary of a valid inputs file: provenance, totals, shares by region, the municipalities
    whose fordelingsandel a_k is negative, and a comparison with the embedded data.

    A negative a_k = 2·p_k − i_k (§ 4) makes b_k and so v_k = b_k − F_k negative for every
    landstal and every F_k ≥ 0: such a municipality gets fordelingstal 0 (a nul-kvote-kommune).
    """
    noegle = beregn_noegle(grundlag, 1)  # p_k, i_k and a_k do not depend on the landstal
    n = len(grundlag.kommuner)
    out = [f"Inputs file {source}: valid, {n} municipalities", *grundlag_lines(grundlag), ""]
    missing_f = next((k.kilde for k in grundlag.kolonner if k.symbol == "F_k" and k.proxy), "")
    out += [
        "Totals",
        f"  P  befolkning           {thousands(noegle.befolkning_i_alt):>12}",
        f"  I  indvandrere          {thousands(noegle.indvandrere_i_alt):>12}",
        f"  F  familiesammenfoerte  {thousands(noegle.familiesammenfoerte_i_alt):>12}"
        + (f"  ({missing_f})" if missing_f else ""),
        "",
        "Shares by region (p = P/ΣP, i = I/ΣI, a = 2p − i; § 4)",
        f"  {'kode':<5} {'region':<22} {'p':>9} {'i':>9} {'a':>9}",
    ]
    regions = sorted({k.grundlag.kommune.region for k in noegle.kommuner})
    for region in regions:
        members = [k for k in noegle.kommuner if k.grundlag.kommune.region == region]
        p = _sum(k.befolkningsandel for k in members)
        i = _sum(k.indvandrerandel for k in members)
        a = _sum(k.fordelingsandel for k in members)
        out.append(
            f"  {region.kode:<5} {region.navn:<22} {dec(p, 4):>9} {dec(i, 4):>9} {dec(a, 4):>9}"
        )
    negative = sorted(
        (k for k in noegle.kommuner if k.fordelingsandel < 0), key=lambda k: k.fordelingsandel
    )
    out += ["", f"Municipalities with a_k < 0 (fordelingstal 0 for any landstal): {len(negative)}"]
    for k in negative:
        kommune = k.grundlag.kommune
        out.append(
            f"  {kommune.kode:<5} {kommune.navn:<18} a_k {dec(k.fordelingsandel, 6):>10}  "
            f"(p_k {dec(k.befolkningsandel, 6)}, i_k {dec(k.indvandrerandel, 6)})"
        )
    out.append("")
    if sammenligning is None:
        out.append(uden_sammenligning)
    else:
        out += _comparison(grundlag, *sammenligning)
    return "\n".join(out) + "\n"


def _sum(values: Iterable[Fraction]) -> Fraction:
    return sum(values, Fraction(0))


def _comparison(grundlag: Fordelingsgrundlag, year: int, embedded: Fordelingsgrundlag) -> list[str]:
    """Totals and the largest per-municipality population differences against the embedded
    data of ``year``."""
    mine = {g.kommune.kode: g for g in grundlag.kommuner}
    theirs = {g.kommune.kode: g for g in embedded.kommuner}
    total = {
        column: (
            sum(getattr(g, column) for g in mine.values()),
            sum(getattr(g, column) for g in theirs.values()),
        )
        for column in ("befolkning", "indvandrere")
    }
    out = [
        f"Compared with the embedded data for {year} (data/README.md):",
        f"  {'':<13} {'this file':>12} {'embedded':>12} {'difference':>11}",
    ]
    for column, (a, b) in total.items():
        out.append(f"  {'Σ ' + column:<13} {thousands(a):>12} {thousands(b):>12} {a - b:>+11,}")
    if any(k.symbol == "I_k" and k.proxy for k in embedded.kolonner):
        out += [
            "  (the embedded indvandrere are a proxy, all immigrants and descendants of all",
            "  origins; DST's non-Western immigrants, FOLK1E HERKOMST=25, are far fewer)",
        ]
    diffs = sorted(
        ((mine[k].befolkning - theirs[k].befolkning, k) for k in mine),
        key=lambda d: (-abs(d[0]), d[1]),
    )
    differing = [(d, k) for d, k in diffs if d != 0]
    if not differing:
        out.append(f"  befolkning is the same in all {len(mine)} municipalities.")
        return out
    shown = f" (the first {LARGEST})" if len(differing) > LARGEST else ""
    out.append(
        f"  befolkning differs in {len(differing)} of {len(mine)} municipalities; "
        f"largest differences first{shown}:"
    )
    for d, k in differing[:LARGEST]:
        g = mine[k]
        out.append(
            f"    {k:<5} {g.kommune.navn:<18} {thousands(g.befolkning):>10} "
            f"{thousands(theirs[k].befolkning):>10} {d:>+9,}"
        )
    return out


def years_text(aargange: list[tuple[Aargang, Fordelingsgrundlag]]) -> str:
    """The embedded data years with the table of each population figure, its national total
    and the proxies used for I_k and F_k."""
    out = [
        "Embedded data years (data/README.md): population per municipality on 1 January",
        f"  {'year':<5} {'P_k source':<20} {'ΣP (98 kommuner)':>16}  "
        f"{'I_k proxy: share of':<22} {'ΣI proxy':>10}  {'F_k':<10} proxy",
    ]
    for aargang, grundlag in aargange:
        total_p = sum(g.befolkning for g in grundlag.kommuner)
        total_i = sum(g.indvandrere for g in grundlag.kommuner)
        share = f"1 January {aargang.indvandrer_aar}" + (
            "*" if aargang.indvandrer_aar != aargang.aar else ""
        )
        out.append(
            f"  {aargang.aar:<5} {'DST ' + aargang.befolkningstabel + ' ' + aargang.periode:<20} "
            f"{thousands(total_p):>16}  {share:<22} {thousands(total_i):>10}  {'0':<10} "
            f"{'yes' if grundlag.is_proxy else 'no'}"
        )
    out += [
        "",
        "P_k is DST's own count.  I_k is a proxy in every year: all immigrants and descendants of",
        "all origins (DST FOLK1E), not the law's non-Western immigrants; * = the nearest year",
        "with a share, applied to that year's population.  F_k = 0 is a proxy: it is not public.",
        "Use a year with --data-year YEAR; real P_k and I_k: visitering data fetch --year YEAR.",
    ]
    return "\n".join(out) + "\n"
