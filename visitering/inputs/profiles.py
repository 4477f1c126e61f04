"""Municipality profiles (:class:`~visitering.cases.KommuneProfil`): reading a profile file, the
embedded illustrative default, and how that default is derived.

What visitering weighs about a municipality besides its quota (BEK nr. 550/2022 § 12): treatment
offers, municipal wishes (family types, nationalities, reception projects), housing by dwelling
size, and the labour market (employment prospects by education level, occupations in demand).

A profile file has one row per municipality (municipalities not in the file get an empty
profile: no offers, no wishes, no housing data, no employment data).  Columns, all optional but
``kommunekode``:

=========================  ===================================================================
``kommunekode``            the municipality (required, each at most once)
``treatment_offers``       treatment-need codes it can serve, e.g. ``trauma|chronic_illness``
``wished_family_types``    :class:`~visitering.cases.FamilyType` values it has asked for
``wished_nationalities``   ISO 3166 alpha-3 codes it has asked for
``reception_projects``     project codes, e.g. ``single_men``
``employment_<level>``     prospects 0-100 for ``none``, ``basic``, ``secondary``, ``tertiary``
``occupations``            occupations in demand (free text)
``dwellings_<n>``          available dwellings whose largest household is n persons (1 ≤ n ≤ 999)
``kommune_navn``, ``note`` for people reading the file; ignored
=========================  ===================================================================

List cells are separated by ``|`` (also ``;`` or ``,``).  Housing is given only in wide form: a
row whose ``dwellings_<n>`` cells are all empty has no housing data (``dwellings`` is ``None``
and housing never forbids a placement); otherwise each non-empty cell is a count and empty cells
count as none.

The embedded default (``data/kommuneprofiler.csv``) is an **illustrative proxy**, derived by
:func:`derive_default_profiles`: see that function and ``data/README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction

from visitering import io
from visitering.cases import Education, FamilyType, KommuneProfil
from visitering.domain import Kommuner
from visitering.errors import InputError, Problem
from visitering.formats import csvtext
from visitering.formats.csvtext import Row, Table, parse_count, require_columns
from visitering.inputs import embedded, geography
from visitering.inputs.cases import normalise_text, split_codes, unknown_column_message
from visitering.inputs.tables import read_kommunekode

EMPLOYMENT_COLUMNS = {level: f"employment_{level.value}" for level in Education}
PROFILE_COLUMNS = (
    "kommunekode",
    "kommune_navn",
    "treatment_offers",
    "wished_family_types",
    "wished_nationalities",
    "reception_projects",
    *EMPLOYMENT_COLUMNS.values(),
    "occupations",
    "note",
)
"""The fixed columns of a profile file; ``dwellings_<n>`` columns come in addition."""

PROFILE_PROXY_NOTE = (
    "ILLUSTRATIVE PROFILES - treatment offers from a list of hospitals and specialist centres, "
    "employment prospects an index of density and population growth; no municipal wishes, "
    "housing or occupation data. Supply real profiles with visitering assign --profiles FILE."
)

_DWELLINGS = re.compile(r"dwellings_([1-9][0-9]{0,2})")
_ALPHA3 = re.compile(r"[A-Z]{3}")
_SEPARATORS = re.compile(r"[;|,]")
_FAMILY_TYPES = frozenset(t.value for t in FamilyType)


def read_profiles(table: Table, kommuner: Kommuner) -> dict[int, KommuneProfil]:
    """Validated profiles, one per municipality of ``kommuner``, from a profile file.

    Parameters
    ----------
    table:
        The parsed profile file (columns as in the module docstring).
    kommuner:
        The municipalities; a row for any other code is a problem.

    Returns
    -------
    dict of int to KommuneProfil
        Every municipality of ``kommuner`` by kommunekode, in code order; those without a row
        get an empty profile.

    Raises
    ------
    InputError
        With every problem found, each with file, row and column: no ``kommunekode`` column, an
        unknown column, a cell with a line break (a stray quote, which would swallow the rows
        after it and leave their municipalities with empty profiles), a bad or repeated
        kommunekode, an unknown family type, a nationality that is not three letters, a
        treatment or project that is not a code, an employment figure outside 0-100, a dwelling
        count that is not a whole number ≥ 0.
    """
    problems: list[Problem] = []
    try:
        require_columns(table, ("kommunekode",))
    except InputError as error:
        problems.extend(error.problems)
    dwelling_columns: dict[str, int] = {}
    for name in table.columns:
        match = _DWELLINGS.fullmatch(name)
        if match:
            dwelling_columns[name] = int(match.group(1))
        elif name not in PROFILE_COLUMNS:
            message = unknown_column_message(name, PROFILE_COLUMNS)
            if name.startswith("dwelling"):
                message = (
                    f"unknown column {name!r}; dwellings columns are named dwellings_1, "
                    "dwellings_2, ... after the largest household the dwelling fits"
                )
            problems.append(Problem(message, table.source, table.header_row, name))
    seen: dict[int, int] = {}
    found: dict[int, KommuneProfil] = {}
    order = {name: i for i, name in enumerate(table.columns)}
    for row in table.rows:
        broken = csvtext.line_break_problem(row, table.source)
        if broken is not None:  # its cells are other rows run together: not read
            problems.append(broken)
            continue
        before = len(problems)
        code = (
            read_kommunekode(row, "kommunekode", kommuner, table, problems, seen)
            if "kommunekode" in table.columns
            else None  # the missing column is reported once, above
        )
        profile = _read_row(row, table, dwelling_columns, problems)
        if len(problems) > before:
            # Report a row's problems left to right, as the row reads.
            problems[before:] = sorted(
                problems[before:], key=lambda p: order.get(p.column or "", 0)
            )
        elif code is not None:
            found[code] = replace(profile, kode=code)
    if problems:
        raise InputError(problems)
    return {code: found.get(code, KommuneProfil(code)) for code in kommuner}


def _read_row(
    row: Row, table: Table, dwelling_columns: Mapping[str, int], problems: list[Problem]
) -> KommuneProfil:
    """The row's profile under a placeholder kommunekode 0."""

    def problem(message: str, column: str) -> None:
        problems.append(Problem(message, table.source, row.number, column))

    cell = row.cells.get
    treatment, ok = split_codes(cell("treatment_offers", ""))
    if not ok:
        problem("a treatment offer is not a code (letters, digits and _ only)", "treatment_offers")
    projects, ok = split_codes(cell("reception_projects", ""))
    if not ok:
        problem(
            "a reception project is not a code (letters, digits and _ only)", "reception_projects"
        )
    family_types: set[FamilyType] = set()
    for item in _items(cell("wished_family_types", "")):
        if item.lower() in _FAMILY_TYPES:
            family_types.add(FamilyType(item.lower()))
        else:
            allowed = ", ".join(t.value for t in FamilyType)
            problem(
                f"{item!r} is not a family type; expected one of {allowed}", "wished_family_types"
            )
    nationalities = {item.upper() for item in _items(cell("wished_nationalities", ""))}
    for item in sorted(n for n in nationalities if not _ALPHA3.fullmatch(n)):
        problem(
            f"{item!r} is not an ISO 3166 alpha-3 country code (three letters, e.g. SYR)",
            "wished_nationalities",
        )
    employment: dict[Education, int] = {}
    for level, column in EMPLOYMENT_COLUMNS.items():
        raw = cell(column, "")
        if not raw:
            continue
        value = parse_count(raw, problems, table.source, row.number, column)
        if value is not None and value > 100:
            problem(f"{raw} is above 100 (prospects are 0-100)", column)
        elif value is not None:
            employment[level] = value
    dwellings: dict[int, int] | None = None
    if any(cell(column, "") for column in dwelling_columns):
        dwellings = {}
        for column, size in sorted(dwelling_columns.items(), key=lambda item: item[1]):
            raw = cell(column, "")
            if raw:
                count = parse_count(raw, problems, table.source, row.number, column)
                if count is not None:
                    dwellings[size] = count
    return KommuneProfil(
        kode=0,
        treatment_offers=frozenset(treatment),
        wished_family_types=frozenset(family_types),
        wished_nationalities=frozenset(nationalities),
        reception_projects=frozenset(projects),
        dwellings=dwellings,
        employment=employment,
        occupations=frozenset(normalise_text(item) for item in _items(cell("occupations", ""))),
    )


def _items(raw: str) -> list[str]:
    return [item.strip() for item in _SEPARATORS.split(raw) if item.strip()]


def embedded_profiles() -> dict[int, KommuneProfil]:
    """The embedded illustrative default profiles (``data/kommuneprofiler.csv``).

    Outputs that use them should repeat :data:`PROFILE_PROXY_NOTE`.

    Returns
    -------
    dict of int to KommuneProfil
        All 98 municipalities by kommunekode.
    """
    name = "kommuneprofiler.csv"
    text, encoding = csvtext.decode(io.read_embedded(name), name)
    table = csvtext.parse(text, f"data/{name}", encoding=encoding)
    return read_profiles(table, embedded.kommuner())


# --- Derivation of the embedded default ---------------------------------------------------------

TREATMENT_INSTITUTIONS: tuple[tuple[int, str, frozenset[str]], ...] = (
    # University hospitals: highly specialised treatment, rehabilitation, chronic illness.
    (101, "Rigshospitalet", frozenset({"specialised_hospital", "physical_disability"})),
    (
        751,
        "Aarhus Universitetshospital",
        frozenset({"specialised_hospital", "physical_disability"}),
    ),
    (
        461,
        "Odense Universitetshospital",
        frozenset({"specialised_hospital", "physical_disability"}),
    ),
    (
        851,
        "Aalborg Universitetshospital",
        frozenset({"specialised_hospital", "physical_disability"}),
    ),
    (
        259,
        "Sjællands Universitetshospital Køge",
        frozenset({"specialised_hospital", "physical_disability"}),
    ),
    # Specialised rehabilitation centres.
    (710, "Regionshospitalet Hammel Neurocenter", frozenset({"physical_disability"})),
    (161, "Rigshospitalet Glostrup (neurorehabilitation)", frozenset({"physical_disability"})),
    # Treatment of traumatised refugees and torture survivors; regional psychiatry.
    (101, "DIGNITY - Dansk Institut Mod Tortur", frozenset({"trauma"})),
    (
        151,
        "Kompetencecenter for Transkulturel Psykiatri, Psykiatrisk Center Ballerup",
        frozenset({"trauma"}),
    ),
    (
        751,
        "Klinik for PTSD og Transkulturel Psykiatri, Aarhus Universitetshospital Psykiatrien",
        frozenset({"trauma"}),
    ),
    (630, "Center for Traume- og Torturoverlevere (CETT), Vejle", frozenset({"trauma"})),
    (461, "Psykiatrien i Region Syddanmark, Odense", frozenset({"trauma"})),
    (851, "Aalborg Universitetshospital Psykiatrien", frozenset({"trauma"})),
    (265, "Psykiatrien Region Sjælland, Roskilde", frozenset({"trauma"})),
    # Acute hospitals with a joint emergency department (akutsygehuse): chronic illness.
    *(
        (code, name, frozenset({"chronic_illness"}))
        for code, name in (
            (101, "Bispebjerg Hospital"),
            (163, "Herlev Hospital"),
            (167, "Hvidovre Hospital"),
            (219, "Nordsjællands Hospital Hillerød"),
            (400, "Bornholms Hospital"),
            (259, "Sjællands Universitetshospital Køge"),
            (316, "Holbæk Sygehus"),
            (330, "Slagelse Sygehus"),
            (376, "Nykøbing F. Sygehus"),
            (461, "Odense Universitetshospital"),
            (479, "OUH Svendborg Sygehus"),
            (621, "Sygehus Lillebælt Kolding"),
            (561, "Sydvestjysk Sygehus Esbjerg"),
            (580, "Sygehus Sønderjylland Aabenraa"),
            (751, "Aarhus Universitetshospital"),
            (657, "Gødstrup Hospital"),
            (730, "Regionshospitalet Randers"),
            (791, "Regionshospitalet Viborg"),
            (615, "Regionshospitalet Horsens"),
            (851, "Aalborg Universitetshospital"),
            (860, "Regionshospital Nordjylland Hjørring"),
        )
    ),
)
"""(kommunekode, institution, treatment codes it stands for) behind the default's
``treatment_offers``.  Named from general knowledge of the Danish hospital structure (the
university hospitals, the acute hospitals of the 2007 hospital plan as built by 2024, and
well-known specialist centres); not checked against a source available offline.  The codes:
``specialised_hospital`` (highly specialised hospital treatment), ``physical_disability``
(specialised rehabilitation), ``trauma`` (treatment of traumatised refugees and torture
survivors), ``chronic_illness`` (hospital follow-up of chronic illness)."""

EMPLOYMENT_WEIGHT_OF_DENSITY = {
    Education.NONE: Fraction(1, 5),
    Education.BASIC: Fraction(2, 5),
    Education.SECONDARY: Fraction(3, 5),
    Education.TERTIARY: Fraction(4, 5),
}
"""Weight of density (the rest is population growth) in the illustrative employment index."""

GROWTH_YEARS = (2015, 2026)
"""Population vintages between which growth is measured for the employment index."""


def _rank(values: Mapping[int, Fraction]) -> dict[int, Fraction]:
    """Rank scaled to 0..1 (lowest 0, highest 1); ties broken by kommunekode."""
    order = sorted(values, key=lambda code: (values[code], code))
    top = max(len(order) - 1, 1)
    return {code: Fraction(i, top) for i, code in enumerate(order)}


def employment_index(
    population_from: Mapping[int, int],
    population_to: Mapping[int, int],
    areas_km2: Mapping[int, float],
) -> dict[int, dict[Education, int]]:
    """The illustrative employment-prospects index (0-100) by municipality and education level.

    An **illustrative proxy**, not a measurement: for level ℓ,
    ``30 + 40 * (w_ℓ * D + (1 - w_ℓ) * G)`` rounded half to even, where D is the municipality's
    rank (scaled to 0..1) by population density and G its rank by population growth between
    the two vintages; w_ℓ (:data:`EMPLOYMENT_WEIGHT_OF_DENSITY`) rises with education, because
    jobs for graduates concentrate in cities while other jobs follow local growth more than
    density.  Every municipality scores 30-70: the range is kept narrow on purpose, so that a
    proxy cannot dominate a placement.

    What it misses: actual employment of refugees by municipality (not available offline),
    local industry structure, unemployment, and commuting.  Refugees' employment is known to
    be comparatively high in some rural municipalities of western Jutland, which this index
    ranks low.  Replace it with real indicators before any real use.

    Parameters
    ----------
    population_from, population_to:
        Population by kommunekode at the start and the end of the growth period.
    areas_km2:
        Land area by kommunekode.
    """
    density = {k: Fraction(population_to[k]) / Fraction(areas_km2[k]) for k in population_to}
    growth = {k: Fraction(population_to[k], population_from[k]) for k in population_to}
    d, g = _rank(density), _rank(growth)
    return {
        k: {
            level: round(30 + 40 * (w * d[k] + (1 - w) * g[k]))
            for level, w in EMPLOYMENT_WEIGHT_OF_DENSITY.items()
        }
        for k in sorted(population_to)
    }


def derive_default_profiles() -> bytes:
    """The content of ``data/kommuneprofiler.csv``, derived from the embedded data.

    * ``treatment_offers``: the codes of :data:`TREATMENT_INSTITUTIONS` located in the
      municipality (the institutions are listed in the ``note`` column);
    * ``employment_<level>``: :func:`employment_index` on the population of
      :data:`GROWTH_YEARS` and the DAGI land areas;
    * wishes, reception projects, occupations and housing: empty (no data, so no wishes and
      housing never forbids).

    Regenerate the file with ``python -c "import sys; from visitering.inputs.profiles import
    derive_default_profiles as d; sys.stdout.buffer.write(d())" > data/kommuneprofiler.csv``;
    a test checks that the embedded file equals this derivation.
    """
    kommuner = embedded.kommuner()
    start, end = (
        {g.kommune.kode: g.befolkning for g in embedded.embedded_grundlag(year).kommuner}
        for year in GROWTH_YEARS
    )
    index = employment_index(start, end, geography.areas_km2())
    offers: dict[int, set[str]] = {}
    notes: dict[int, list[str]] = {}
    for code, institution, codes in TREATMENT_INSTITUTIONS:
        offers.setdefault(code, set()).update(codes)
        if institution not in notes.setdefault(code, []):
            notes[code].append(institution)
    rows: list[list[csvtext.Cell]] = [
        [
            code,
            kommune.navn,
            "|".join(sorted(offers.get(code, ()))),
            "",
            "",
            "",
            *(index[code][level] for level in EMPLOYMENT_COLUMNS),
            "",
            "; ".join(notes.get(code, ())),
        ]
        for code, kommune in kommuner.items()
    ]
    content = csvtext.render(
        PROFILE_COLUMNS,
        rows,
        csvtext.Dialect.STANDARD,
        notes=(
            "ILLUSTRATIVE PROXY profiles, not official data: derived by "
            "visitering.inputs.profiles.derive_default_profiles; see data/README.md.",
        ),
    )
    return content.replace(b"\r\n", b"\n")
