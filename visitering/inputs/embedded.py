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

from dataclasses import dataclass
from fractions import Fraction
from functools import cache

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

PROXY_NOTE = PROXY_PREFIX + (
    "I_k is approximated by all immigrants and descendants "
    "(DST FOLK1E) and F_k = 0; supply the real figures as an inputs file (visitering quotas "
    "--inputs, or inputs in the [data] of a scenario)."
)


def _table(name: str) -> csvtext.Table:
    text, encoding = csvtext.decode(io.read_embedded(name), name)
    return csvtext.parse(text, f"data/{name}", encoding=encoding)


@cache
def kommuner() -> Kommuner:
    """The 98 municipalities with their regions (``data/kommuner.csv``)."""
    table = _table("kommuner.csv")
    regions: dict[int, Region] = {}
    items = []
    for row in table.rows:
        c = row.cells
        code = int(c["regionskode"])
        region = regions.setdefault(code, Region(code, c["region_navn"]))
        items.append(Kommune(int(c["kommunekode"]), c["kommune_navn"], region))
    return Kommuner(items)


@cache
def _population() -> dict[int, dict[int, int]]:
    """year → kommunekode → population on 1 January."""
    out: dict[int, dict[int, int]] = {}
    for row in _table("befolkning_kommuner.csv").rows:
        year = int(row.cells["dato"][:4])
        out.setdefault(year, {})[int(row.cells["kommunekode"])] = int(row.cells["folketal"])
    return out


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
    out: dict[int, dict[int, Fraction]] = {}
    for row in _table("indvandrere_efterkommere_andel.csv").rows:
        year = int(row.cells["dato"][:4])
        share = Fraction(row.cells["andel_indv_efterk_pct"])
        out.setdefault(year, {})[int(row.cells["kommunekode"])] = share
    return out


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
    latest: tuple[int, int] | None = None
    for row in _table("landstal_historik.csv").rows:
        if row.cells["niveau"] != "landstal":
            continue
        year = int(row.cells["aar"])
        if latest is None or year >= latest[0]:
            latest = (year, int(row.cells["antal"]))
    if latest is None:
        raise InputError(Problem("no landstal rows", "data/landstal_historik.csv"))
    return latest


def latest_landstal_data_year() -> int | None:
    """The data year of the latest announced landstal's quotas: they are computed on the
    population and immigrants of 1 January of the year before (rules.md § 1, Timing), so the
    2026 landstal on the data of 2025.  ``None`` when that year is not embedded."""
    year = latest_landstal()[0] - 1
    return year if year in data_years() else None


def landstal_history() -> dict[int, tuple[int, ...]]:
    """year → the landstal figures announced for it, in the order of the file (first = the
    original announcement, then each revision), from ``data/landstal_historik.csv``."""
    out: dict[int, list[int]] = {}
    for row in _table("landstal_historik.csv").rows:
        if row.cells["niveau"] == "landstal":
            out.setdefault(int(row.cells["aar"]), []).append(int(row.cells["antal"]))
    return {year: tuple(figures) for year, figures in sorted(out.items())}


def placed_history() -> dict[int, int]:
    """year → persons actually housed (rounded as the source gives them), from the
    ``faktisk boligplaceret`` rows of ``data/landstal_historik.csv``."""
    return {
        int(row.cells["aar"]): int(row.cells["antal"])
        for row in _table("landstal_historik.csv").rows
        if row.cells["niveau"].startswith("faktisk boligplaceret")
    }
