"""Synthetic refugee cases for demos, tests and benchmarks: realistic in shape, clearly not real.

Every case id is ``SYN-`` and six digits, so a batch has at most :data:`MAX_CASES` cases (ten
times the largest benchmark, ``bench/bench_assign.py --stretch``).  The same ``n``, ``seed`` and
municipalities give the same cases, byte for byte once rendered with :func:`cases_csv`.

Sources and assumptions (indicative shares, rounded; **not** a statistic):

* *Who is placed*: people granted asylum and UN quota refugees.  People displaced from Ukraine
  are left out: since 2022 they are placed under the special act, outside the landstal.
  Family-reunified persons are never placed (BEK nr. 550/2022), so they are left out too.
* *Nationality*: recent Danish asylum grants are dominated by Syria, Eritrea and Afghanistan,
  followed by stateless persons (mostly Palestinians from Syria), Iran, Somalia, Sudan; UN quota
  refugees add e.g. the DR Congo (Udlændingestyrelsen, "Tal og fakta på udlændingeområdet",
  2019-2023 editions; shares here are rounded from memory of those reports, not read from a
  file).  Stateless persons are coded ``XXA`` (ICAO Doc 9303), which has the ISO alpha-3 form.
* *Household*: about 40 % single men, 14 % single women, 8 % couples, 32 % families with
  children (a quarter of them with one adult) and 6 % unaccompanied minors (some with a
  sibling); children per family 1 + Poisson(1.4), at most 7.
* *Education* of the principal applicant: none 22 %, basic 38 %, secondary 25 %, tertiary 15 %
  (unaccompanied minors: basic or none); an occupation is known for 15-70 % depending on
  education.
* *Treatment needs* per case: ``trauma`` 15 %, between the PTSD prevalence found for refugees
  resettled in Western countries (9 %, Fazel, Wheeler & Danesh, Lancet 2005;365:1309-14) and in
  conflict-affected populations (31 %, Steel et al., JAMA 2009;302:537-49);
  ``chronic_illness`` 8 %, ``physical_disability`` 3 %, ``specialised_hospital`` 2 %.  The
  codes are those of the embedded municipality profiles.
* *Ties*: close family in a municipality 12 % (placed by population); a job offer for 3 % of
  adult cases (hours from 8 to 37, some below the 15 hours of § 11 stk. 4); an institution or
  foster-care placement for 15 % of unaccompanied minors and 0.5 % of others; special
  circumstances 1 %; UN quota refugees 10 %.
* *Latest stay*: asylum-seekers' latest stay is an asylum centre, chosen among
  :data:`ASYLUM_CENTRES` (indicative: centres operated in recent years, not a current list);
  quota refugees arrive from abroad and have none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from visitering.cases import Case, Education, FamilyType
from visitering.domain import Kommuner
from visitering.formats import csvtext
from visitering.inputs import embedded
from visitering.inputs.cases import CASE_COLUMNS
from visitering.kvoter.apportionment import Method, apportion

_T = TypeVar("_T")

Probabilities = npt.NDArray[np.float64]

FAMILY_TYPES: dict[FamilyType, float] = {
    FamilyType.SINGLE_MAN: 0.40,
    FamilyType.SINGLE_WOMAN: 0.14,
    FamilyType.COUPLE: 0.08,
    FamilyType.FAMILY: 0.32,
    FamilyType.UNACCOMPANIED_MINOR: 0.06,
}

NATIONALITIES: dict[str, tuple[float, str]] = {
    "SYR": (0.29, "arabic"),
    "ERI": (0.15, "tigrinya"),
    "AFG": (0.14, "dari"),
    "XXA": (0.07, "arabic"),
    "IRN": (0.06, "farsi"),
    "SOM": (0.05, "somali"),
    "SDN": (0.04, "arabic"),
    "COD": (0.03, "french"),
    "RUS": (0.03, "russian"),
    "IRQ": (0.03, "kurdish"),
    "TUR": (0.03, "kurdish"),
    "ETH": (0.02, "amharic"),
    "YEM": (0.02, "arabic"),
    "MMR": (0.02, "burmese"),
    "SSD": (0.01, "arabic"),
    "PSE": (0.01, "arabic"),
}
"""Nationality → (share of cases, main language)."""

EDUCATION: dict[Education, float] = {
    Education.NONE: 0.22,
    Education.BASIC: 0.38,
    Education.SECONDARY: 0.25,
    Education.TERTIARY: 0.15,
}

OCCUPATIONS: dict[Education, tuple[float, tuple[str, ...]]] = {
    Education.NONE: (0.15, ("farm worker", "cleaner", "construction worker", "tailor")),
    Education.BASIC: (0.30, ("warehouse worker", "baker", "farm worker", "shop assistant")),
    Education.SECONDARY: (
        0.50,
        ("electrician", "mechanic", "chef", "hairdresser", "carpenter", "bus driver"),
    ),
    Education.TERTIARY: (
        0.70,
        ("engineer", "nurse", "teacher", "doctor", "pharmacist", "it developer", "accountant"),
    ),
}
"""Education → (share with a known occupation, occupations drawn from)."""

NEEDS: dict[str, float] = {
    "trauma": 0.15,
    "chronic_illness": 0.08,
    "physical_disability": 0.03,
    "specialised_hospital": 0.02,
}

ASYLUM_CENTRES: dict[int, tuple[str, float]] = {
    201: ("Center Sandholm (Allerød)", 0.30),
    350: ("Center Avnstrup (Lejre)", 0.20),
    630: ("Center Jelling (Vejle)", 0.20),
    223: ("Sjælsmark (Hørsholm)", 0.10),
    316: ("Center Vipperød (Holbæk)", 0.10),
    370: ("Center Holmegaard (Næstved)", 0.10),
}
"""kommunekode → (asylum centre, share of asylum-seekers' latest stays).  Indicative only."""

SPECIAL_CIRCUMSTANCES = ("safety", "treatment_continuity", "other")
JOB_HOURS = (8.0, 12.0, 15.0, 20.0, 25.0, 30.0, 37.0, 37.5)
JOB_HOUR_WEIGHTS = (0.05, 0.10, 0.15, 0.15, 0.15, 0.10, 0.25, 0.05)

CLOSE_FAMILY_SHARE = 0.12
JOB_OFFER_SHARE = 0.03
INSTITUTION_SHARE = {FamilyType.UNACCOMPANIED_MINOR: 0.15}
INSTITUTION_SHARE_OTHERS = 0.005
SPECIAL_SHARE = 0.01
QUOTA_REFUGEE_SHARE = 0.10
UNACCOMPANIED_SIBLING_SHARE = 0.10
"""Share of unaccompanied minors who come with a sibling."""
ONE_ADULT_FAMILY_SHARE = 0.25
"""Share of families with children that have one adult."""
CHILDREN_EXTRA_MEAN = 1.4
"""Children per family: 1 + Poisson(this), at most :data:`MAX_CHILDREN`."""
MAX_CHILDREN = 7
MAX_CASES = 999_999
"""Most cases one call generates: the case ids have six digits."""


def _probabilities(weights: Sequence[float]) -> Probabilities:
    array: Probabilities = np.asarray(weights, dtype=np.float64)
    return array / float(array.sum())


def _population(kommuner: Kommuner, population: Mapping[int, int] | None) -> dict[int, int]:
    """Population by kommunekode for ``kommuner``: given, or the embedded newest vintage."""
    if population is None:
        population = {g.kommune.kode: g.befolkning for g in embedded.embedded_grundlag().kommuner}
    missing = [code for code in kommuner if code not in population]
    if missing:
        raise ValueError(
            f"no population for kommunekoder {missing[:5]}; pass population= for municipalities "
            "outside the embedded data"
        )
    return {code: population[code] for code in kommuner}


class _Draw:
    """Draws from one generator in a fixed order, so that a seed fixes every case."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def pick(self, options: Sequence[_T], p: Probabilities) -> _T:
        """One of ``options``, drawn with probabilities ``p``.

        Exactly what ``rng.choice(len(options), p=p)`` draws (its running total, normalised,
        searched with one uniform draw), without the checks it repeats on every call: they
        took 2 of the 3.3 s that 100,000 cases took (CLI latency audit, stop 27).  A test
        checks the two agree draw for draw.
        """
        cdf = np.cumsum(p, dtype=np.float64)
        cdf /= cdf[-1]
        return options[int(cdf.searchsorted(self.rng.random(), side="right"))]


def generate_cases(
    n: int,
    seed: int,
    kommuner: Kommuner,
    population: Mapping[int, int] | None = None,
    family_mix: Sequence[float] | None = None,
    first_id: int = 1,
) -> list[Case]:
    """``n`` synthetic cases (see the module docstring for the mix and its sources).

    Parameters
    ----------
    n:
        Number of cases, 0 to :data:`MAX_CASES`; persons per case vary, so the batch has more
        persons than cases.
    seed:
        Seed of :func:`numpy.random.default_rng`, a whole number ≥ 0; the same ``n``, ``seed``,
        municipalities and population give identical cases.
    kommuner:
        Municipalities used for close family, job offers, institutions and latest stays.
    population:
        Population by kommunekode, the weight for where close family, jobs and institutions
        are; default: the embedded newest vintage (then every municipality must be in it).
    family_mix:
        Relative frequency of each family type, in the order of :data:`FAMILY_TYPES`;
        default: the shares of :data:`FAMILY_TYPES` (a simulation draws its own mix).
    first_id:
        Number of the first case id, so that a later synthetic week on the same ledger gets
        new ids (``first_id=301`` gives ``SYN-000301`` ...).  It changes the ids only, never
        the draws: a new week needs a new ``seed`` too.

    Returns
    -------
    list of Case
        Cases ``SYN-{first_id:06d}`` ... in order.

    Raises
    ------
    ValueError
        If ``n`` is not 0 to :data:`MAX_CASES`, the ids would pass ``SYN-999999`` (see
        :func:`last_id_problem`), ``seed`` is negative, a municipality has no
        population, or ``family_mix`` does not give one non-negative weight per family type
        with a positive sum.
    """
    if not 0 <= n <= MAX_CASES:
        raise ValueError(f"n must be from 0 to {MAX_CASES}, not {n}")
    if (problem := last_id_problem(n, first_id)) is not None:
        raise ValueError(f"first_id {problem}")
    if seed < 0:
        raise ValueError(f"seed must be ≥ 0, not {seed}")
    if family_mix is not None and (
        len(family_mix) != len(FAMILY_TYPES) or min(family_mix) < 0 or not sum(family_mix) > 0
    ):
        raise ValueError(
            f"family_mix needs {len(FAMILY_TYPES)} non-negative weights with a positive sum"
        )
    weights = _population(kommuner, population)
    codes = list(weights)
    p_place = _probabilities([weights[c] for c in codes])
    centres = [c for c in ASYLUM_CENTRES if c in kommuner]
    if centres:
        p_centre = _probabilities([ASYLUM_CENTRES[c][1] for c in centres])
    else:  # a municipality list without the centres (e.g. a test fixture): any municipality
        centres, p_centre = codes, p_place
    draw = _Draw(seed)
    tables = _Tables(family_mix)
    cases = []
    for i in range(first_id, first_id + n):
        cases.append(_case(f"SYN-{i:06d}", draw, tables, codes, p_place, centres, p_centre))
    return cases


def last_id_problem(n: int, first_id: int) -> str | None:
    """Why ``n`` ids from ``first_id`` cannot all have six digits, or None if they can."""
    if first_id < 1:
        return f"must be a whole number ≥ 1, got {first_id}"
    if first_id + max(n, 1) - 1 > MAX_CASES:
        return (
            f"{first_id:,} with {n:,} cases would number past SYN-{MAX_CASES:06d}; "
            f"the first id can be at most {max(MAX_CASES - max(n, 1) + 1, 1):,}"
        )
    return None


class _Tables:
    """The module's shares as option lists with normalised probabilities."""

    def __init__(self, family_mix: Sequence[float] | None = None) -> None:
        self.family_types = list(FAMILY_TYPES)
        mix = list(FAMILY_TYPES.values()) if family_mix is None else list(family_mix)
        self.p_family = _probabilities(mix)
        self.nationalities = list(NATIONALITIES)
        self.p_nationality = _probabilities([share for share, _ in NATIONALITIES.values()])
        self.education = list(EDUCATION)
        self.p_education = _probabilities(list(EDUCATION.values()))
        self.p_hours = _probabilities(JOB_HOUR_WEIGHTS)


def _case(
    case_id: str,
    draw: _Draw,
    t: _Tables,
    codes: list[int],
    p_place: Probabilities,
    centres: list[int],
    p_centre: Probabilities,
) -> Case:
    family_type = draw.pick(t.family_types, t.p_family)
    adults, children = _household(family_type, draw)
    nationality = draw.pick(t.nationalities, t.p_nationality)
    if family_type is FamilyType.UNACCOMPANIED_MINOR:
        education = Education.BASIC if draw.chance(0.75) else Education.NONE
        occupation = None
    else:
        education = draw.pick(t.education, t.p_education)
        share, occupations = OCCUPATIONS[education]
        occupation = None
        if draw.chance(share):
            occupation = occupations[int(draw.rng.integers(len(occupations)))]
    needs = tuple(code for code, share in NEEDS.items() if draw.chance(share))

    def place() -> int:
        return draw.pick(codes, p_place)

    close_family = place() if draw.chance(CLOSE_FAMILY_SHARE) else None
    job_kommune: int | None = None
    hours: float | None = None
    if adults and draw.chance(JOB_OFFER_SHARE):
        job_kommune = place()
        hours = draw.pick(JOB_HOURS, t.p_hours)
    institution_share = INSTITUTION_SHARE.get(family_type, INSTITUTION_SHARE_OTHERS)
    institution = place() if draw.chance(institution_share) else None
    special = (
        draw.pick(SPECIAL_CIRCUMSTANCES, _probabilities([0.4, 0.4, 0.2]))
        if draw.chance(SPECIAL_SHARE)
        else None
    )
    quota_refugee = draw.chance(QUOTA_REFUGEE_SHARE)
    centre = draw.pick(centres, p_centre)
    return Case(
        case_id=case_id,
        persons=adults + children,
        adults=adults,
        children=children,
        family_type=family_type,
        nationality=nationality,
        language=NATIONALITIES[nationality][1],
        education=education,
        occupation=occupation,
        needs=needs,
        close_family_kommune=close_family,
        institution_kommune=institution,
        job_offer_kommune=job_kommune,
        job_offer_hours=hours,
        latest_stay_kommune=None if quota_refugee else centre,
        special_circumstances=special,
        quota_refugee=quota_refugee,
    )


def _household(family_type: FamilyType, draw: _Draw) -> tuple[int, int]:
    """(adults, children) for a household of ``family_type``."""
    if family_type in (FamilyType.SINGLE_MAN, FamilyType.SINGLE_WOMAN):
        return 1, 0
    if family_type is FamilyType.COUPLE:
        return 2, 0
    if family_type is FamilyType.UNACCOMPANIED_MINOR:
        return 0, 2 if draw.chance(UNACCOMPANIED_SIBLING_SHARE) else 1
    adults = 1 if draw.chance(ONE_ADULT_FAMILY_SHARE) else 2
    children = min(1 + int(draw.rng.poisson(CHILDREN_EXTRA_MEAN)), MAX_CHILDREN)
    return adults, children


def matching_quotas(
    cases: Sequence[Case],
    kommuner: Kommuner,
    population: Mapping[int, int] | None = None,
) -> dict[int, int]:
    """Whole-year remaining quotas that exactly fit a batch: Σ quotas = Σ persons of ``cases``,
    and the cases can be placed in them with every family whole.

    The batch's persons are split in proportion to population and rounded by largest remainder
    (:func:`visitering.kvoter.apportionment.apportion`; on an exact tie the lower kommunekode
    wins).  Those are targets: quotas that only add up would often leave a family larger than
    any quota left (a 5-person family against quotas of 0-2).  So the families are packed,
    largest first, each into the municipality with the most target left (on a tie the lower
    kommunekode), and each quota is what its municipality received: within one family of its
    target.  This is a stand-in for a real year's kommunekvoter when the cases are the whole
    year's placements, not the § 4 key.

    Parameters
    ----------
    cases:
        The batch.
    kommuner:
        Municipalities to give quotas to.
    population:
        Population by kommunekode; default: the embedded newest vintage.

    Returns
    -------
    dict of int to int
        kommunekode → quota, for every municipality of ``kommuner`` (zeros included).
    """
    weights = _population(kommuner, population)
    total = sum(case.persons for case in cases)
    whole = sum(weights.values())
    codes = list(weights)
    exact = [Fraction(total * weights[code], whole) for code in codes]
    left = np.array(apportion(exact, total, Method.LARGEST_REMAINDER), dtype=np.int64)
    received = np.zeros(len(codes), dtype=np.int64)
    order = np.argsort(codes, kind="stable")  # argmax takes the first: the lower kommunekode
    for persons in sorted((case.persons for case in cases), reverse=True):
        k = order[int(np.argmax(left[order]))]
        left[k] -= persons
        received[k] += persons
    return {code: int(received[i]) for i, code in enumerate(codes)}


def _hours_text(hours: float | None, dialect: csvtext.Dialect) -> str | None:
    """Hours exactly as read back: shortest positional text (never an exponent), decimal comma
    in the Danish dialect."""
    if hours is None:
        return None
    text = np.format_float_positional(hours, unique=True, trim="-")
    return text.replace(".", ",") if dialect is csvtext.Dialect.DANISH else text


def cases_csv(cases: Sequence[Case], dialect: csvtext.Dialect, notes: Sequence[str] = ()) -> bytes:
    """Cases as a cases file that :func:`visitering.inputs.cases.read_cases` reads back equal.

    Parameters
    ----------
    cases:
        The cases, written in order, all :data:`~visitering.inputs.cases.CASE_COLUMNS`.
    dialect:
        ``DANISH`` (semicolon, decimal comma, BOM) or ``STANDARD`` (comma, decimal point).
    notes:
        ``# note`` lines above the header, e.g. that the cases are synthetic.

    Returns
    -------
    bytes
        The file.  ``needs`` is written ``;``-separated (quoted in the Danish dialect, where
        ``;`` is the field separator); ``quota_refugee`` as ``ja``/``nej``.
    """
    rows: list[list[csvtext.Cell]] = [
        [
            case.case_id,
            case.persons,
            case.adults,
            case.children,
            case.family_type.value if case.family_type else None,
            case.nationality,
            case.language,
            case.education.value if case.education else None,
            case.occupation,
            ";".join(case.needs) or None,
            case.close_family_kommune,
            case.institution_kommune,
            case.job_offer_kommune,
            _hours_text(case.job_offer_hours, dialect),
            case.job_offer_kind.value if case.job_offer_kind else None,
            case.latest_stay_kommune,
            case.special_circumstances,
            case.special_circumstances_kommune,
            case.quota_refugee,
        ]
        for case in cases
    ]
    return csvtext.render(CASE_COLUMNS, rows, dialect, notes=notes)
