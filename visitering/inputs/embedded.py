"""The embedded default dataset in ``data/`` (see ``data/README.md`` for sources and licences).

The law's I_k (non-Western immigrants, with US's exclusions) and F_k (family members reunified
with refugees last year) are not public.  The embedded default therefore uses a proxy:

* I_k ≈ immigrants *and descendants of all origins* (DST FOLK1E), the only per-municipality
  series available offline.  A national scale factor (about 65 % of them are non-Western) would
  not change the shares i_k, so none is applied; what the proxy gets wrong is the *local* mix
  (for example German origin in Sønderjylland).
* F_k = 0.

Population vintages exist for more years than the immigrant shares; for a year without its own
share the nearest year's share is applied to that year's population (ties: the earlier year).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import TypeVar

from visitering import io
from visitering.domain import (
    PROXY_PREFIX,
    Fordelingsgrundlag,
    Kolonnekilde,
    Kommune,
    KommuneGrundlag,
    Kommuner,
    Region,
)
from visitering.errors import InputError, Problem
from visitering.formats import csvtext

_V = TypeVar("_V")

PROXY_NOTE = PROXY_PREFIX + (
    "I_k is approximated by all immigrants and descendants "
    "(DST FOLK1E) and F_k = 0; supply the real figures as an inputs file (visitering quotas "
    "--inputs, or inputs in the [data] of a scenario)."
)


def _table(name: str) -> csvtext.Table:
    text, encoding = csvtext.decode(io.read_embedded(name), name)
    return csvtext.parse(text, f"data/{name}", encoding=encoding)


# The embedded files are checked as they are read, as a user's files are: someone adding a
# vintage to data/ gets the file, row and column of every bad figure, never a traceback or a
# silently wrong quota (regression, data audit, stop 27: a negative population gave a zero
# quota with exit 0, a duplicated row replaced the real one, a missing one a KeyError).


def _count(
    table: csvtext.Table, row: csvtext.Row, column: str, problems: list[Problem], least: int = 0
) -> int | None:
    """A whole number ≥ ``least`` (:func:`csvtext.parse_count`, digits only), or ``None``."""
    raw = row.cells.get(column, "")
    value = csvtext.parse_count(raw, problems, table.source, row.number, column, plain=True)
    if value is not None and value < least:
        problems.append(
            Problem(f"must be at least {least}, got {value}", table.source, row.number, column)
        )
        return None
    return value


def _year(table: csvtext.Table, row: csvtext.Row, problems: list[Problem]) -> int | None:
    """The year of the row's ``dato`` (``2025-01-01``), or ``None``."""
    text = row.cells.get("dato", "")
    year = csvtext.ascii_int(text[:4])
    if year is None or year < 1000 or text[4:5] not in ("", "-"):
        problems.append(Problem(f"not a date, got {text!r}", table.source, row.number, "dato"))
        return None
    return year


def _by_year(table: csvtext.Table, read: Callable[..., _V | None]) -> dict[int, dict[int, _V]]:
    """year → kommunekode → ``read(table, row, problems)`` of a file with one row per
    municipality and year: every municipality once a year (:func:`tables.read_kommunekode`),
    every problem of the file raised together."""
    from visitering.inputs import tables

    problems: list[Problem] = []
    seen: dict[int, dict[int, int]] = {}
    out: dict[int, dict[int, _V]] = {}
    for row in table.rows:
        year = _year(table, row, problems)
        if year is None:
            continue
        code = tables.read_kommunekode(
            row, "kommunekode", kommuner(), table, problems, seen.setdefault(year, {})
        )
        value = read(table, row, problems)
        if code is not None and value is not None:
            out.setdefault(year, {})[code] = value
    for year, codes in sorted(seen.items()):
        if missing := [str(k) for k in kommuner() if k not in codes]:
            problems.append(
                Problem(f"{year} lacks kommunekode {', '.join(missing)}", table.source, None,
                        "kommunekode")
            )  # fmt: skip
    if problems:
        raise InputError(problems)
    return out


@cache
def kommuner() -> Kommuner:
    """The 98 municipalities with their regions (``data/kommuner.csv``)."""
    table = _table("kommuner.csv")
    problems: list[Problem] = []
    regions: dict[int, Region] = {}
    items: dict[int, Kommune] = {}
    for row in table.rows:
        c = row.cells
        code = _count(table, row, "kommunekode", problems, 1)
        region_code = _count(table, row, "regionskode", problems, 1)
        if code in items:
            problems.append(
                Problem(f"kommunekode {code} appears again", table.source, row.number,
                        "kommunekode")
            )  # fmt: skip
        elif code is not None and region_code is not None:
            region = regions.setdefault(region_code, Region(region_code, c["region_navn"]))
            items[code] = Kommune(code, c["kommune_navn"], region)
    if problems:
        raise InputError(problems)
    return Kommuner(list(items.values()))


@cache
def _population() -> dict[int, dict[int, int]]:
    """year → kommunekode → population on 1 January (every municipality, each once, > 0)."""
    return _by_year(
        _table("befolkning_kommuner.csv"),
        lambda table, row, problems: _count(table, row, "folketal", problems, 1),
    )


@cache
def _population_table() -> dict[int, str]:
    """year → the DST table the population was taken from (FOLK1A or FOLK1AM)."""
    tables: dict[int, set[str]] = {}
    for row in _table("befolkning_kommuner.csv").rows:
        tables.setdefault(int(row.cells["dato"][:4]), set()).add(row.cells["dst_tabel"])
    return {year: "/".join(sorted(names)) for year, names in tables.items()}


@cache
def _immigrant_share() -> dict[int, dict[int, Fraction]]:
    """year → kommunekode → share (%) of immigrants and descendants, all origins."""
    return _by_year(_table("indvandrere_efterkommere_andel.csv"), _percent)


def _percent(table: csvtext.Table, row: csvtext.Row, problems: list[Problem]) -> Fraction | None:
    column = "andel_indv_efterk_pct"
    text = row.cells.get(column, "")
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        value = Fraction(-1)
    if not 0 <= value <= 100:
        problems.append(
            Problem(
                f"must be a percentage from 0 to 100, got {text!r}",
                table.source,
                row.number,
                column,
            )
        )
        return None
    return value


def data_years() -> list[int]:
    """Population vintages available in the embedded data (1 January of each year)."""
    return sorted(_population())


def immigrant_year_for(year: int) -> int:
    """The immigrant-share year used for population year ``year`` (nearest; ties earlier)."""
    return min(_immigrant_share(), key=lambda y: (abs(y - year), y))


def embedded_grundlag(year: int | None = None) -> Fordelingsgrundlag:
    """The embedded proxy inputs for population year ``year`` (default: the newest).

    Raises
    ------
    InputError
        If ``year`` is not one of :func:`data_years`.
    """
    years = data_years()
    if year is None:
        year = years[-1]
    if year not in years:
        raise InputError(
            Problem(
                f"no embedded data for {year}; available years: {', '.join(map(str, years))}",
                "--data-year",
            )
        )
    aargang = vintage(year)
    share_year = aargang.indvandrer_aar
    population = _population()[year]
    shares = _immigrant_share()[share_year]
    rows = tuple(
        KommuneGrundlag(
            kommune=k,
            befolkning=population[k.kode],
            indvandrere=round(shares[k.kode] * population[k.kode] / 100),
            familiesammenfoerte=0,
        )
        for k in kommuner().values()
    )
    share_text = (
        f"share on 1 January {share_year} applied to that population"
        if share_year != year
        else "same date"
    )
    kilde = (
        f"embedded data: population 1 January {year} (DST FOLK1A/FOLK1AM); immigrants and "
        f"descendants, all origins, DST FOLK1E ({share_text}); F_k = 0"
    )
    return Fordelingsgrundlag(rows, kilde, PROXY_NOTE, year, aargang.kolonner)


@dataclass(frozen=True, slots=True)
class Aargang:
    """One population vintage of the embedded data and where each input column comes from."""

    aar: int
    befolkningstabel: str
    """``FOLK1A`` (quarterly, Q1) or ``FOLK1AM`` (monthly, January)."""
    indvandrer_aar: int
    """The year whose immigrant share is applied (the nearest one with a share)."""

    @property
    def periode(self) -> str:
        """The DST period of the population figure: ``2022K1`` or ``2026M01``."""
        return f"{self.aar}M01" if self.befolkningstabel == "FOLK1AM" else f"{self.aar}K1"

    @property
    def kolonner(self) -> tuple[Kolonnekilde, ...]:
        share = f"1 January {self.indvandrer_aar}" + (
            f", applied to the population of {self.aar}" if self.indvandrer_aar != self.aar else ""
        )
        return (
            Kolonnekilde(
                "P_k",
                "befolkning",
                f"DST {self.befolkningstabel} {self.periode}, population on 1 January {self.aar}",
                False,
            ),
            Kolonnekilde(
                "I_k",
                "indvandrere",
                f"all immigrants and descendants, all origins, DST FOLK1E share on {share}",
                True,
            ),
            Kolonnekilde("F_k", "familiesammenfoerte", "0 (not public)", True),
        )


def vintage(year: int) -> Aargang:
    """The provenance of embedded data year ``year`` (one of :func:`data_years`)."""
    return Aargang(year, _population_table()[year], immigrant_year_for(year))


def latest_landstal() -> tuple[int, int]:
    """(year, landstal) of the latest announced landstal in ``data/landstal_historik.csv``.

    For a year revised more than once, the last figure in the file is the one in force.
    """
    history = landstal_history()
    if not history:
        raise InputError(Problem("no landstal rows", "data/landstal_historik.csv"))
    year, figures = max(history.items())
    return year, figures[-1]


def latest_landstal_data_year() -> int | None:
    """The data year of the latest announced landstal's quotas: they are computed on the
    population and immigrants of 1 January of the year before (docs/rules.md § 1, "Timing"), so the
    2026 landstal on the data of 2025.  ``None`` when that year is not embedded."""
    year = latest_landstal()[0] - 1
    return year if year in data_years() else None


def landstal_history() -> dict[int, tuple[int, ...]]:
    """year → the landstal figures announced for it, in the order of the file (first = the
    original announcement, then each revision), from ``data/landstal_historik.csv``."""
    out: dict[int, list[int]] = {}
    for niveau, year, antal in _history():
        if niveau == "landstal":
            out.setdefault(year, []).append(antal)
    return {year: tuple(figures) for year, figures in sorted(out.items())}


def placed_history() -> dict[int, int]:
    """year → persons actually housed (rounded as the source gives them), from the
    ``faktisk boligplaceret`` rows of ``data/landstal_historik.csv``."""
    return {
        year: antal
        for niveau, year, antal in _history()
        if niveau.startswith("faktisk boligplaceret")
    }


@cache
def _history() -> tuple[tuple[str, int, int], ...]:
    """(niveau, year, antal) of every row of ``data/landstal_historik.csv``, checked."""
    table = _table("landstal_historik.csv")
    problems: list[Problem] = []
    rows = []
    for row in table.rows:
        niveau = row.cells.get("niveau", "")
        year = _count(table, row, "aar", problems, 1000)
        antal = _count(table, row, "antal", problems, 1 if niveau == "landstal" else 0)
        if year is not None and antal is not None:
            rows.append((niveau, year, antal))
    if problems:
        raise InputError(problems)
    return tuple(rows)
