"""The inputs file ``visitering data fetch`` writes: P_k and I_k from StatBank, F_k left empty.

The file is an ordinary ``--inputs`` table (``kommunekode``, ``befolkning``, ``indvandrere``,
``familiesammenfoerte``; the ``kommune`` name is there for the person who fills in F_k).  Its
``#`` note lines record the data year, when and where the figures were retrieved, and the exact
table selection behind each column; :func:`visitering.inputs.tables.read_fordelingsgrundlag`
reads them back so that every quota computed from the file names its sources.  The same
retrieval gives the same bytes except for the ``retrieved:`` line.
"""

from __future__ import annotations

from visitering.domain import Kommuner
from visitering.formats import csvtext
from visitering.formats.csvtext import Cell, Dialect
from visitering.inputs.tables import PROXY_MARK
from visitering.statbank.tabeller import BEFOLKNING, INDVANDRERE, Hentning

COLUMNS = ("kommunekode", "kommune", "befolkning", "indvandrere", "familiesammenfoerte")

I_K_PROXY = (
    "does not apply US's exclusion of those who came in 1997 or later on a study, au-pair, "
    "trainee or work permit (not public)"
)


def notes(hentning: Hentning) -> list[str]:
    """The provenance lines of the file, in the ``key: value`` form the reader parses."""
    year, period = hentning.aar, hentning.periode
    retrieved = hentning.hentet.strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        "visitering inputs file for the distribution key (BEK nr. 550/2022 § 4 stk. 2-3); "
        "use it with: visitering quotas --inputs FILE",
        f"data_year: {year}",
        f"retrieved: {retrieved} from {hentning.url} (Kilde: Danmarks Statistik, CC BY 4.0)",
        f"P_k befolkning: {BEFOLKNING.beskrivelse(period)}, population on 1 January {year}",
        f"I_k indvandrere: {INDVANDRERE.beskrivelse(period)}, {INDVANDRERE.hvad} on 1 January "
        f"{year}{PROXY_MARK}{I_K_PROXY}",
        "F_k familiesammenfoerte: not public - fill in the family members reunified with "
        f"refugees who first entered Denmark in {year - 1} (§ 4 stk. 3, from "
        "Udlændingestyrelsen). An empty cell counts as 0 and the quota engine warns.",
    ]


def render(hentning: Hentning, kommuner: Kommuner, dialect: Dialect) -> bytes:
    """The inputs file as bytes, one row per municipality by kommunekode."""
    rows: list[list[Cell]] = [
        [kode, k.navn, hentning.befolkning[kode], hentning.indvandrere[kode], None]
        for kode, k in kommuner.items()
    ]
    return csvtext.render(COLUMNS, rows, dialect, notes(hentning))
