"""Forholdsmæssige kommunetal for people displaced from Ukraine: terminal text, CSV and JSON.

Every intermediate of :mod:`visitering.kvoter.ukraine` is a column, so each kommunetal can be
traced from the municipality's share through the carry-over to the whole persons.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from visitering.domain import Kommuner
from visitering.formats import csvtext
from visitering.formats.csvtext import Cell, Dialect
from visitering.kvoter.ukraine import VARIANT_LABELS, Blokberegning, Variant, VolunteerRule
from visitering.report.kvoter import note_lines, quota_file
from visitering.report.numbers import dec, thousands

COLUMNS = (
    "kommunekode",
    "kommune",
    "regionskode",
    "region",
    "befolkning",
    "fordelingsandel",
    "kumuleret_ret",
    "placeret",
    "afvigelse",
    "frivillige",
    "korrigeret_maal",
    "maal",
    "kommunetal",
)

_RULE_TEXT = {
    VolunteerRule.ON_TOP: "volunteers served first, on top of their key part",
    VolunteerRule.COUNTED: "volunteers served first, counted towards their own target",
}


def header_lines(result: Blokberegning, title: str = "Forholdsmæssige kommunetal") -> list[str]:
    """What, how, from which data; the proxy notice only where the variant uses I_k."""
    proxy = _proxy_note(result)
    lines = note_lines(
        f"{title}, block of {thousands(result.blokstoerrelse)} persons "
        "(lov nr. 324 af 16/03/2022 § 30; BEK nr. 509/2022 §§ 2-3)",
        result.metode,
        result.grundlag.kilde,
        proxy,
    )
    used = _used_columns(result)
    grundlag = result.grundlag
    lines.append(
        f"Data year: {grundlag.data_aar}"
        if grundlag.data_aar is not None
        else "Data year: not recorded in the inputs"
    )
    lines += [str(k) for k in grundlag.kolonner if k.symbol in used]
    lines[1:1] = [
        f"Fordelingsandel: {VARIANT_LABELS[result.variant]}",
        f"Carry-over: placed so far {thousands(result.placeret_i_alt)}; target = share of "
        "(placed + block) - placed, negatives 0, rescaled to the block; "
        f"{_RULE_TEXT[result.frivillig_regel]} ({thousands(result.frivillige_i_alt)} persons)",
    ]
    return lines


def _used_columns(result: Blokberegning) -> tuple[str, ...]:
    """The input columns the variant reads: the population variant uses P_k alone."""
    return ("P_k",) if result.variant is Variant.POPULATION else ("P_k", "I_k")


def rows(result: Blokberegning) -> list[list[Cell]]:
    out: list[list[Cell]] = []
    for k in result.kommuner:
        m = k.grundlag.kommune
        out.append(
            [
                m.kode,
                m.navn,
                m.region.kode,
                m.region.navn,
                k.grundlag.befolkning,
                k.fordelingsandel,
                k.kumuleret_ret,
                k.placeret,
                k.afvigelse,
                k.frivillige,
                k.korrigeret_maal,
                k.maal,
                k.kommunetal,
            ]
        )
    return out


def terminal_text(result: Blokberegning) -> str:
    """One line per municipality, by region, with the carry-over and the kommunetal."""
    out = header_lines(result)
    out += [
        "",
        f"  {'kode':<5} {'kommune':<18} {'region':<12} {'andel %':>8} {'placeret':>9} "
        f"{'afvigelse':>10} {'maal':>10} {'kommunetal':>10}",
    ]
    for k in sorted(result.kommuner, key=lambda k: (k.grundlag.kommune.region, k.kode)):
        m = k.grundlag.kommune
        volunteer = f"  (frivillig {k.frivillige})" if k.frivillige else ""
        out.append(
            f"  {m.kode:<5} {m.navn:<18} {m.region.kort_navn:<12} "
            f"{dec(k.fordelingsandel * 100, 4):>8} {k.placeret:>9} {dec(k.afvigelse, 2):>10} "
            f"{dec(k.maal, 4):>10} {k.kommunetal:>10}{volunteer}"
        )
    nul = sum(1 for k in result.kommuner if k.kommunetal == 0)
    out += [
        "",
        f"{len(result.kommuner)} municipalities, {nul} with kommunetal 0; kommunetal sum to "
        f"{thousands(sum(result.kommunetal.values()))} "
        f"({thousands(result.frivillige_i_alt)} volunteers, "
        f"{thousands(result.noegle_personer)} by the key).",
    ]
    return "\n".join(out) + "\n"


def export_files(result: Blokberegning, dialect: Dialect) -> dict[str, bytes]:
    """``kommunetal.csv`` (every intermediate) and ``kommunetal_kvoter.csv`` (kommunekode →
    kommunetal, read by ``visitering assign --quotas``)."""
    notes = header_lines(result)
    return {
        "kommunetal.csv": csvtext.render(COLUMNS, rows(result), dialect, notes),
        "kommunetal_kvoter.csv": quota_file(
            result.kommunetal,
            Kommuner([k.grundlag.kommune for k in result.kommuner]),
            dialect,
            header_lines(result, "Kommunetal"),
        ),
    }


def to_json(result: Blokberegning) -> dict[str, Any]:
    """The full result; exact values as 12-decimal strings."""
    return {
        "blokstoerrelse": result.blokstoerrelse,
        "variant": str(result.variant),
        "frivillig_regel": str(result.frivillig_regel),
        "metode": str(result.metode),
        "data": result.grundlag.kilde,
        "data_aar": result.grundlag.data_aar,
        # The text and CSV carry the proxy notice where the variant uses I_k; so does the JSON.
        "proxy_note": _proxy_note(result),
        "kolonner": [
            {"symbol": k.symbol, "kolonne": k.kolonne, "kilde": k.kilde, "proxy": k.proxy}
            for k in result.grundlag.kolonner
            if k.symbol in _used_columns(result)
        ],
        "placeret_i_alt": result.placeret_i_alt,
        "frivillige_i_alt": result.frivillige_i_alt,
        "noegle_personer": result.noegle_personer,
        "kommuner": [
            dict(
                zip(
                    COLUMNS,
                    [dec(c, 12) if isinstance(c, Fraction) else c for c in row],
                    strict=True,
                )
            )
            for row in rows(result)
        ],
    }


def _proxy_note(result: Blokberegning) -> str | None:
    """The proxy notice, where the variant uses the proxied I_k (the refugee key)."""
    return result.grundlag.proxy_note if result.variant is Variant.REFUGEE_KEY else None
