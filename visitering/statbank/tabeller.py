"""The two StatBank tables behind P_k and I_k (BEK nr. 550/2022 § 4 stk. 2), requested and checked.

* P_k: FOLK1A (population on the first day of the quarter), ``Tid = YYYYK1`` = 1 January;
* I_k: FOLK1E (population by ancestry, also quarterly), ``HERKOMST = 25`` = immigrants from
  non-Western countries on the same date.  This is the closest public figure: the law's I_k also
  leaves out those who came in 1997 or later on a study, au-pair, trainee or work permit, which
  only Udlændingestyrelsen can compute, so I_k from FOLK1E remains a (close) proxy.
* F_k (family-reunified persons, § 4 stk. 3) is not public and is not fetched.

Requests use the ``BULK`` format with ``valuePresentation = Code``: semicolon-separated text whose
header names the variables (``OMRÅDE;KØN;ALDER;…;TID;INDHOLD``) and whose cells are codes, so an
area is its kommunekode.  Every answer is checked in full before it is used: its columns, the
period, the fixed variables, one whole number per municipality and all 98 municipalities, and
that they add up to the answer's own totals for the country and the regions (which an answer
for every area must have); across the two tables, no municipality may count more immigrants
than inhabitants.  Any difference is reported as a
:class:`~visitering.statbank.http.FetchError` naming every problem.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from visitering.domain import Kommuner
from visitering.errors import InputError, Problem
from visitering.formats import csvtext
from visitering.statbank.http import FetchError, StatbankClient

FIRST_YEAR = 2008
"""Both tables start in 2008K1."""

# DST areas in the OMRÅDE variable that are not municipalities: the whole country, the five
# regions, and Christiansø (411), which belongs to no kommune.
NOT_MUNICIPALITIES = frozenset({"000", "081", "082", "083", "084", "085", "411"})
HELE_LANDET, CHRISTIANSOE = "000", "411"
#: The region whose DST total counts Christiansø (Region Hovedstaden; in FOLK1A 2025K1 its
#: total is its municipalities' sum plus Christiansø's 90, and the regions add up to 000).
CHRISTIANSOE_REGION = "084"


MAX_SHOWN = 6
"""Problems named in one error; when the whole format changed, the first few tell the story."""


@dataclass(frozen=True, slots=True)
class Tabelvalg:
    """One table and the fixed values chosen for its variables besides area and time."""

    tabel: str
    faste: tuple[tuple[str, str], ...]
    hvad: str
    #: The least count a municipality can have (every municipality has inhabitants).
    mindst: int = 0

    def beskrivelse(self, periode: str) -> str:
        """``DST FOLK1A, Tid 2025K1 (KØN=TOT, ALDER=IALT, CIVILSTAND=TOT)``."""
        fixed = ", ".join(f"{code}={value}" for code, value in self.faste)
        return f"DST {self.tabel}, Tid {periode} ({fixed})"


BEFOLKNING = Tabelvalg(
    "FOLK1A", (("KØN", "TOT"), ("ALDER", "IALT"), ("CIVILSTAND", "TOT")), "population", 1
)
INDVANDRERE = Tabelvalg(
    "FOLK1E",
    (("KØN", "TOT"), ("ALDER", "IALT"), ("HERKOMST", "25")),
    "immigrants from non-Western countries",
)


def periode(year: int) -> str:
    """The StatBank quarter that holds 1 January of ``year`` (``2025K1``)."""
    return f"{year}K1"


def request_body(valg: Tabelvalg, year: int) -> dict[str, object]:
    """The JSON body of ``POST /v1/data`` for every area of ``valg`` on 1 January ``year``."""
    variables = [{"code": "OMRÅDE", "values": ["*"]}]
    variables += [{"code": code, "values": [value]} for code, value in valg.faste]
    variables.append({"code": "Tid", "values": [periode(year)]})
    return {
        "table": valg.tabel,
        "format": "BULK",
        "lang": "da",
        "valuePresentation": "Code",
        "variables": variables,
    }


def parse_bulk(data: bytes, valg: Tabelvalg, year: int, kommuner: Kommuner) -> dict[int, int]:
    """kommunekode → count from a BULK answer, after checking the answer in full.

    Raises
    ------
    FetchError
        Naming every problem: an unexpected format or column ("the API changed"), another period
        or variable value than asked for, a missing or non-numeric figure, a municipality that
        appears twice, an unknown area, municipalities missing from the table, a count below
        the table's least (a population of 0), or municipal figures that do not add up to the
        answer's own totals for the country and the regions (a figure cut off in transit).
    """
    name = f"{valg.tabel} {periode(year)}"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FetchError(f"{name}: the answer is not UTF-8 text; the API has changed") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    except csv.Error as exc:  # e.g. a cell over the csv module's field limit
        raise FetchError(f"{name}: the answer is not the expected CSV ({exc})") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    expected = ["OMRÅDE", *(code for code, _ in valg.faste), "TID", "INDHOLD"]
    header = [cell.strip().upper() for cell in rows[0]] if rows else []
    if not rows or any(column not in header for column in expected):
        shown = ";".join(header)[:120] or "an empty answer"
        raise FetchError(
            f"{name}: the API changed its answer: expected the columns {';'.join(expected)}, "
            f"got {shown}"
        )
    position = {column: header.index(column) for column in expected}
    areas = [r[position["OMRÅDE"]].strip() for r in rows[1:] if len(r) == len(header)]
    if areas and not any(csvtext.ascii_int(area) is not None for area in areas):
        raise FetchError(
            f"{name}: the API changed its answer: OMRÅDE holds names such as {areas[0]!r}, not "
            "codes (valuePresentation=Code was not honoured)"
        )
    problems: list[str] = []
    out: dict[int, int] = {}
    totals: dict[str, int | None] = {}
    present: set[int] = set()
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            problems.append(f"line {line}: {len(row)} cells, the header has {len(header)}")
            continue
        cell = {column: row[i].strip() for column, i in position.items()}
        problems += _check_fixed(cell, valg, periode(year), line)
        area = cell["OMRÅDE"]
        if area in NOT_MUNICIPALITIES:
            totals[area] = csvtext.ascii_int(cell["INDHOLD"])
            continue
        code, count = csvtext.ascii_int(area), csvtext.ascii_int(cell["INDHOLD"])
        if code is None or code not in kommuner:
            problems.append(
                f"line {line}: OMRÅDE {csvtext.shown(area)} is not a known municipality code"
            )
            continue
        if code in present:
            problems.append(f"line {line}: kommunekode {code} appears twice")
        elif count is None:
            problems.append(
                f"line {line}: kommunekode {code} ({kommuner[code].navn}) has no count "
                f"(INDHOLD {csvtext.shown(cell['INDHOLD'])})"
            )
        elif count < valg.mindst:
            problems.append(
                f"line {line}: kommunekode {code} ({kommuner[code].navn}) has {valg.hvad} "
                f"{count}; every municipality has at least {valg.mindst}"
            )
        else:
            out[code] = count
        present.add(code)
    missing = [f"{k} ({kommuner[k].navn})" for k in kommuner if k not in present]
    # Named first: a missing municipality is what the user must know even if more went wrong.
    if missing and len(missing) < len(kommuner):
        problems.insert(0, f"the table is missing municipalities: {', '.join(missing)}")
    elif missing:
        problems.insert(0, "the answer holds no municipality at all")
    if not problems:
        problems = _check_totals(out, totals, kommuner)
    if problems:
        listed = problems[:MAX_SHOWN]
        if len(problems) > MAX_SHOWN:
            listed.append(f"and {len(problems) - MAX_SHOWN} more problems")
        raise FetchError(f"{name}: " + "; ".join(listed))
    return out


def _check_totals(
    counts: dict[int, int], totals: dict[str, int | None], kommuner: Kommuner
) -> list[str]:
    """The municipal figures against the answer's own totals, which it must have: Hele landet
    (000) is every municipality plus Christiansø (411), and each region (081-085) is its
    municipalities (Hovedstaden with Christiansø).  A body cut off in transit ends with a
    shortened figure that every other check accepts; the totals do not."""
    extra = totals.get(CHRISTIANSOE) or 0
    sums: dict[str, int] = {HELE_LANDET: sum(counts.values()) + extra}
    names = {HELE_LANDET: "Hele landet (000)"}
    for code, count in counts.items():
        region = kommuner[code].region
        area = f"{region.kode - 1000:03d}"
        sums[area] = sums.get(area, 0) + count
        names[area] = f"{region.navn} ({area})"
    if CHRISTIANSOE_REGION in sums:
        sums[CHRISTIANSOE_REGION] += extra
    # The request asks for OMRÅDE=*, so a whole answer has the country's and every region's
    # total: without them the check below would pass a cut-off answer (regression, data
    # audit, stop 27: an answer without 000 and 081-085, its last figure cut, was written).
    if lacking := sorted(area for area in sums if area not in totals):
        return [
            f"the answer lacks the totals of {', '.join(lacking)}, which an answer for every "
            "area has: it may have been cut off"
        ]
    wrong = []
    for area, total in sorted(totals.items()):
        if area in sums and total != sums[area]:
            shown = "no number" if total is None else f"{total:,}"
            wrong.append(
                f"{names[area]} is {shown}, but its municipalities sum to {sums[area]:,}: "
                "a figure is wrong or was cut off"
            )
    return wrong


def _check_fixed(cell: dict[str, str], valg: Tabelvalg, period: str, line: int) -> list[str]:
    wrong = [
        f"line {line}: {code} is {cell[code]!r}, asked for {value!r}"
        for code, value in valg.faste
        if cell[code] != value
    ]
    if cell["TID"] != period:
        wrong.append(f"line {line}: TID is {cell['TID']!r}, asked for {period!r}")
    return wrong


@dataclass(frozen=True, slots=True)
class Hentning:
    """P_k and I_k for one year as retrieved from StatBank, with when and from where."""

    aar: int
    befolkning: dict[int, int]
    indvandrere: dict[int, int]
    hentet: datetime
    url: str

    @property
    def periode(self) -> str:
        return periode(self.aar)


def hent(
    client: StatbankClient,
    year: int,
    kommuner: Kommuner,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Hentning:
    """Retrieve and check P_k (FOLK1A) and I_k (FOLK1E) for 1 January ``year``.

    Raises
    ------
    FetchError
        When the API cannot be reached, refuses a request, or answers with anything but one
        count for each of the 98 municipalities.
    InputError
        For a year before the tables begin (nothing is asked then).
    """
    if year < FIRST_YEAR:
        raise InputError(
            Problem(f"FOLK1A and FOLK1E start on 1 January {FIRST_YEAR}, got {year}", "--year")
        )
    figures = [
        parse_bulk(client.post("data", request_body(valg, year)), valg, year, kommuner)
        for valg in (BEFOLKNING, INDVANDRERE)
    ]
    more = [
        f"{k} ({kommuner[k].navn}): {figures[1][k]:,} immigrants but {p:,} inhabitants"
        for k, p in figures[0].items()
        if figures[1][k] > p
    ]
    if more:
        raise FetchError(
            f"{INDVANDRERE.tabel} {periode(year)} counts more immigrants than {BEFOLKNING.tabel} "
            f"counts inhabitants: {'; '.join(more[:MAX_SHOWN])}"
        )
    return Hentning(year, figures[0], figures[1], clock(), client.url("data"))
