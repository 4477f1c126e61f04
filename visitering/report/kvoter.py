"""Quota results as terminal text, export tables and JSON-ready dictionaries."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from visitering import __version__
from visitering.domain import Fordelingsgrundlag, Kommuner
from visitering.formats import csvtext, xlsx
from visitering.formats.csvtext import Cell, Dialect
from visitering.kvoter.apportionment import METHOD_LABELS, Method
from visitering.kvoter.beregning import Grundlag, Kommunekvote, Kvoteberegning
from visitering.report.numbers import dec

TIE_BREAK = "exact ties go to the lower kommunekode"

EXACT_COLUMNS = (
    "befolkningsandel",
    "indvandrerandel",
    "fordelingsandel",
    "beregnet_fordelingstal",
    "foreloebigt_fordelingstal",
    "fordelingstal",
)
"""The columns of the § 4 key held as exact fractions."""

KOMMUNE_COLUMNS = (
    "kommunekode",
    "kommune",
    "regionskode",
    "region",
    "befolkning",
    "indvandrere",
    "familiesammenfoerte",
    *EXACT_COLUMNS,
    "beregnet_kvote",
    "kommunekvote",
    "nul_kvote",
    "grundlag",
    "begrundelse",
)
REGION_COLUMNS = (
    "regionskode",
    "region",
    "fordelingstal",
    "regionskvote",
    "grundlag",
    "begrundelse",
)


def header_lines(result: Kvoteberegning, title: str, landstal: str | None = None) -> list[str]:
    """The lines every output starts with: what, how, from which data, and the proxy notice.
    ``landstal``: how to name the landstal in the title (default: the result's)."""
    lines = note_lines(
        f"{title}, landstal {landstal or result.landstal} (BEK nr. 550/2022 §§ 4 og 7)",
        result.metode,
        result.grundlag.kilde,
        None,  # the proxy notice opens grundlag_lines
    )
    lines.extend(grundlag_lines(result.grundlag))
    lines.extend(result.advarsler)
    return lines


def note_lines(
    title: str,
    metode: Method,
    kilde: str,
    proxy_note: str | None,
    advarsler: Sequence[str] = (),
) -> list[str]:
    """Title with the version, the rounding method, the data source, the proxy notice (if any)
    and warnings: the opening lines of every output, quotas and Ukraine kommunetal alike."""
    lines = [
        f"{title}, visitering {__version__}",
        f"Rounding: {METHOD_LABELS[metode]}; {TIE_BREAK}",
        f"Data: {kilde}",
    ]
    if proxy_note:
        lines.append(proxy_note)
    lines.extend(advarsler)
    return lines


def grundlag_lines(grundlag: Fordelingsgrundlag) -> list[str]:
    """The proxy notice, the data year, the source of each input column, and any warnings."""
    lines = [grundlag.proxy_note] if grundlag.proxy_note else []
    lines.append(
        # Not "P_k and I_k on ...": the embedded I_k of 2023-2025 is a share of another year
        # (regression, scenario audit, stop 27); each column's line gives its own date.
        f"Data year: {grundlag.data_aar} (P_k on 1 January {grundlag.data_aar}, each column's "
        "source and date below)"
        if grundlag.data_aar is not None
        else "Data year: not recorded in the inputs"
    )
    lines.extend(str(k) for k in grundlag.kolonner)
    lines.extend(grundlag.advarsler)
    return lines


def grundlag_json(grundlag: Fordelingsgrundlag) -> dict[str, Any]:
    """Data year, column sources and warnings of the inputs, for JSON output."""
    return {
        "data_aar": grundlag.data_aar,
        "kolonner": [
            {"symbol": k.symbol, "kolonne": k.kolonne, "kilde": k.kilde, "proxy": k.proxy}
            for k in grundlag.kolonner
        ],
        "advarsler_data": list(grundlag.advarsler),
    }


def _is_zero(q: Kommunekvote) -> bool:
    return q.noegle.foreloebigt_fordelingstal <= 0


def zero_quota_words(result: Kvoteberegning) -> str:
    """How many municipalities have quota 0, and why: the nul-kvote-kommuner (v_k ≤ 0, § 4),
    those whose small positive t_k rounds to 0, and those set to 0 by an agreement or a
    deviation; with the quotas' sum."""
    zero = [q for q in result.kommuner if q.kommunekvote == 0]
    nul = sum(1 for q in zero if _is_zero(q))
    rounded = sum(1 for q in zero if not _is_zero(q) and q.beregnet_kvote == 0)
    set_to = len(zero) - nul - rounded
    why = ", ".join(
        [f"{nul} nul-kvote-kommuner (v_k ≤ 0)"]
        + ([f"{rounded} with t_k rounded down to 0"] if rounded else [])
        + ([f"{set_to} by agreement or deviation"] if set_to else [])
    )
    return f"{len(zero)} with quota 0 ({why}); quotas sum to {sum(result.kvoter.values())}"


def kommune_rows(
    result: Kvoteberegning, kommuner: Sequence[Kommunekvote] | None = None
) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for q in result.kommuner if kommuner is None else kommuner:
        n, g, k = q.noegle, q.noegle.grundlag, q.kommune
        rows.append(
            [
                k.kode,
                k.navn,
                k.region.kode,
                k.region.navn,
                g.befolkning,
                g.indvandrere,
                g.familiesammenfoerte,
                n.befolkningsandel,
                n.indvandrerandel,
                n.fordelingsandel,
                n.beregnet_fordelingstal,
                n.foreloebigt_fordelingstal,
                n.fordelingstal,
                q.beregnet_kvote,
                q.kommunekvote,
                _is_zero(q),
                str(q.grundlag),
                q.begrundelse,
            ]
        )
    return rows


def region_rows(result: Kvoteberegning) -> list[list[Cell]]:
    return [
        [
            r.region.kode,
            r.region.navn,
            r.fordelingstal,
            r.regionskvote,
            str(r.grundlag),
            r.begrundelse,
        ]
        for r in result.regioner
    ]


def export_files(result: Kvoteberegning, dialect: Dialect) -> dict[str, bytes]:
    """Every export file of a quota computation: file name → bytes."""
    files = {
        "kommunekvoter.csv": csvtext.render(
            KOMMUNE_COLUMNS, kommune_rows(result), dialect, header_lines(result, "Kommunekvoter")
        ),
        "regionskvoter.csv": csvtext.render(
            REGION_COLUMNS, region_rows(result), dialect, header_lines(result, "Regionskvoter")
        ),
    }
    for r in result.regioner:
        members = [q for q in result.kommuner if q.kommune.region == r.region]
        notes = header_lines(result, f"Kommunekvoter for {r.region.kkr_navn}")
        notes.insert(1, f"Regionskvote {r.regionskvote} ({r.region.navn})")
        files[f"kommunekvoter_KKR_{r.region.slug}.csv"] = csvtext.render(
            KOMMUNE_COLUMNS, kommune_rows(result, members), dialect, notes
        )
    files["kvoter.xlsx"] = xlsx.render(
        [
            xlsx.Sheet(
                "Regionskvoter",
                REGION_COLUMNS,
                region_rows(result),
                header_lines(result, "Regionskvoter"),
            ),
            xlsx.Sheet(
                "Kommunekvoter",
                KOMMUNE_COLUMNS,
                kommune_rows(result),
                header_lines(result, "Kommunekvoter"),
            ),
        ]
    )
    return files


def terminal_text(result: Kvoteberegning) -> str:
    """A readable table: regions, then municipalities by region; zero quotas marked."""
    out = list(header_lines(result, "Kommunekvoter"))
    out += ["", "Regions (§ 4 stk. 1: region quota = sum of its municipal quotas)"]
    out.append(f"  {'kode':<5} {'region':<22} {'fordelingstal':>14} {'regionskvote':>13}")
    for r in result.regioner:
        mark = f"  {r.grundlag}" if r.begrundelse else ""
        out.append(
            f"  {r.region.kode:<5} {r.region.navn:<22} {dec(r.fordelingstal, 4):>14} "
            f"{r.regionskvote:>13}{mark}"
        )
    total_exact = sum((r.fordelingstal for r in result.regioner), Fraction(0))
    out.append(
        f"  {'':<5} {'i alt':<22} {dec(total_exact, 4):>14} "
        f"{sum(r.regionskvote for r in result.regioner):>13}"
    )
    out += ["", "Municipalities (§ 7)"]
    out.append(
        f"  {'kode':<5} {'kommune':<18} {'region':<12} {'fordelingstal':>14} {'kommunekvote':>13}"
    )
    zero = 0
    for r in result.regioner:
        for q in (q for q in result.kommuner if q.kommune.region == r.region):
            note = ""
            if _is_zero(q):
                zero += 1
                note = "  nul-kvote (v_k <= 0)"
            elif q.beregnet_kvote == 0 and q.grundlag is Grundlag.BEREGNET:
                note = "  quota 0 (t_k < 1, rounded down)"
            elif q.grundlag is not Grundlag.BEREGNET:
                note = f"  {q.grundlag} (computed {q.beregnet_kvote})"
            out.append(
                f"  {q.kommune.kode:<5} {q.kommune.navn:<18} {r.region.kort_navn:<12} "
                f"{dec(q.noegle.fordelingstal, 4):>14} {q.kommunekvote:>13}{note}"
            )
    out.append("")
    out.append(f"{len(result.kommuner)} municipalities, {zero_quota_words(result)}.")
    return "\n".join(out) + "\n"


def _exact(value: Fraction) -> str:
    return dec(value, 12)


def to_json(result: Kvoteberegning) -> dict[str, Any]:
    """The full result, every intermediate as a 12-decimal string (exact values rounded)."""
    n = result.noegle
    return {
        "landstal": result.landstal,
        "metode": str(result.metode),
        "afrunding": f"{METHOD_LABELS[result.metode]}; {TIE_BREAK}",
        "data": result.grundlag.kilde,
        "proxy": result.grundlag.is_proxy,
        "proxy_note": result.grundlag.proxy_note,
        **grundlag_json(result.grundlag),
        "advarsler": list(result.advarsler),
        "summer": {
            "befolkning": n.befolkning_i_alt,
            "indvandrere": n.indvandrere_i_alt,
            "familiesammenfoerte": n.familiesammenfoerte_i_alt,
            "positiv_sum_S": _exact(n.positiv_sum),
        },
        "regioner": [
            {
                "regionskode": r.region.kode,
                "region": r.region.navn,
                "fordelingstal": _exact(r.fordelingstal),
                "regionskvote": r.regionskvote,
                "grundlag": str(r.grundlag),
                "begrundelse": r.begrundelse,
            }
            for r in result.regioner
        ],
        "kommuner": [
            dict(
                zip(
                    KOMMUNE_COLUMNS,
                    [_exact(c) if isinstance(c, Fraction) else c for c in row],
                    strict=True,
                )
            )
            for row in kommune_rows(result)
        ],
    }


QUOTA_FILE_COLUMNS = ("kommunekode", "kommune", "regionskode", "region", "kommunekvote")


def quota_file(
    quotas: dict[int, int], kommuner: Kommuner, dialect: Dialect, notes: Sequence[str]
) -> bytes:
    """A plain quota table (kommunekode → kommunekvote) that ``visitering assign --quotas``
    reads back; ``kommunekvoter.csv`` has the same columns and is read the same way."""
    rows: list[list[Cell]] = []
    for kode, k in kommuner.items():
        rows.append([kode, k.navn, k.region.kode, k.region.navn, quotas.get(kode, 0)])
    return csvtext.render(QUOTA_FILE_COLUMNS, rows, dialect, notes)
