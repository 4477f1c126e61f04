"""Validation of a cases file (one row per case to place) into :class:`~visitering.cases.Case`.

A case is a family or a single person placed together (a family is never split, BEK nr.
550/2022 § 10).  The file has one row per case; the columns are listed in :data:`CASE_COLUMNS`,
of which ``case_id`` and ``persons`` are required and every other column is used when present.

Privacy: case data is personal and sensitive.  A problem found in a case is reported with its
file, row, column and (where it helps) the ``case_id``.  A bad value is repeated only when it
looks like a short mistyped number or kommunekode (at most 6 characters, digits, ``.``, ``,`` and
``-`` only), never when it is text or a long number (a CPR or telephone number), since a shifted
column can put any personal value anywhere.  Personal values (nationality, language, education,
family type, occupation, needs, special circumstances, quota status) are never echoed, so that
error output can be logged or shared without exposing anyone.  Nor is a ``case_id`` that holds a
separator, a quote, a line break or a control character, or is longer than an id: that is
probably other cells run together (a stray quote makes one cell of the rows after it); such a
problem names the row only.  A file without a header row is reported as such, without its first
row (the first case) being repeated as column names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from visitering.cases import Case, Education, FamilyType, JobOfferKind
from visitering.domain import Kommuner
from visitering.errors import InputError, Problem
from visitering.formats import csvtext
from visitering.formats.csvtext import Row, Table, ascii_int, parse_count, require_columns

REQUIRED_COLUMNS = ("case_id", "persons")
OPTIONAL_COLUMNS = (
    "adults",
    "children",
    "family_type",
    "nationality",
    "language",
    "education",
    "occupation",
    "needs",
    "close_family_kommune",
    "institution_kommune",
    "job_offer_kommune",
    "job_offer_hours",
    "job_offer_kind",
    "latest_stay_kommune",
    "special_circumstances",
    "special_circumstances_kommune",
    "quota_refugee",
)
CASE_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
"""Every column a cases file may have, in the order :func:`visitering.synth.cases_csv` writes."""

KOMMUNE_COLUMNS = (
    "close_family_kommune",
    "institution_kommune",
    "job_offer_kommune",
    "latest_stay_kommune",
    "special_circumstances_kommune",
)

MAX_JOB_OFFER_HOURS = 168
"""Hours in a week: a weekly job offer above this is a typing error."""

MAX_REASON_LENGTH = 40
"""``special_circumstances`` is a reason code, not a case narrative (which would be personal)."""

MAX_COUNT_DIGITS = 3
"""Digits of ``persons``, ``adults`` and ``children``: a case is one family, never 1,000 people
(and a longer number is more likely a CPR or telephone number in the wrong column)."""

MAX_SHOWN_ID = 40
"""Length above which a ``case_id`` is not repeated in a message (it is probably other cells)."""

_TRUE = frozenset({"true", "ja", "yes", "1", "sand"})
_FALSE = frozenset({"false", "nej", "no", "0", "falsk"})
_ALPHA3 = re.compile(r"[A-Z]{3}")
_CODE = re.compile(r"\w+")
_REASON = re.compile(r"[\w-]+")
_LIST_SEPARATORS = re.compile(r"[;|,]")
_NUMBER_LIKE = re.compile(r"[0-9.,-]{1,6}")
_NOT_IN_SHOWN_ID = re.compile(r'[;,"]')
_HOURS = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+")
HEADER_MISSING = (
    "none of the first row's cells is a column name of a cases file (case_id, persons, ...): "
    "the header row seems to be missing or misnamed"
)


def _echo_safe(raw: str) -> bool:
    """Whether a bad value in a number or kommunekode column may be repeated in a message: only
    when it looks like a short mistyped number, never when it could be text (a shifted column may
    put a personal value there) or a long number such as a CPR or telephone number."""
    return _NUMBER_LIKE.fullmatch(raw) is not None


def _id_shown(case_id: str) -> bool:
    """Whether a ``case_id`` may be repeated in a message (see the module docstring)."""
    return (
        len(case_id) <= MAX_SHOWN_ID
        and case_id.isprintable()
        and not _NOT_IN_SHOWN_ID.search(case_id)
    )


def split_codes(raw: str) -> tuple[tuple[str, ...], bool]:
    """Split a list field into normalised codes; also say whether every code was well formed.

    Items are separated by ``;``, ``|`` or ``,``.  Each item is lower-cased and runs of spaces or
    hyphens become one ``_`` (``"Chronic illness"`` → ``"chronic_illness"``); empty items are
    dropped and repeats removed, keeping the first.  A well-formed code has only letters, digits
    and ``_``.

    Parameters
    ----------
    raw:
        The cell text, e.g. ``"trauma;chronic_illness"``.

    Returns
    -------
    tuple of (tuple of str, bool)
        The codes in order of first appearance, and ``False`` if any item was not a code.
    """
    codes: list[str] = []
    ok = True
    for item in _LIST_SEPARATORS.split(raw):
        code = re.sub(r"[\s-]+", "_", item.strip().lower())
        if not code:
            continue
        if not _CODE.fullmatch(code):
            ok = False
            continue
        if code not in codes:
            codes.append(code)
    return tuple(codes), ok


def normalise_text(raw: str) -> str:
    """Free text compared across files (occupations): single spaces, lower case."""
    return " ".join(raw.split()).lower()


def read_cases(table: Table, kommuner: Kommuner) -> list[Case]:
    """The cases of a cases file, in file order, or every problem in it at once.

    Parameters
    ----------
    table:
        The parsed file (comma or semicolon separated; see :mod:`visitering.formats.csvtext`).
    kommuner:
        The municipalities; every kommunekode in the file must be one of them.

    Returns
    -------
    list of Case
        One case per data row.

    Raises
    ------
    InputError
        With every problem found, each with file, row and column: no header row, a missing
        required column, an unknown column (usually a typo), a cell with a line break (a stray
        quote), a repeated ``case_id`` (naming both rows), a value that is not valid for its
        column, ``adults`` + ``children`` different from ``persons``, a ``family_type`` that does
        not fit the number of persons, or ``job_offer_hours`` without a ``job_offer_kommune``.

    Notes
    -----
    Rules per column (an empty cell in an optional column means "not known"):

    * ``persons`` ≥ 1; ``adults`` and ``children`` ≥ 0 and, when both are given, summing to
      ``persons``; either alone must not exceed ``persons``.  All three are plain digits (no
      sign, space or thousands separator), at most :data:`MAX_COUNT_DIGITS` of them.
    * ``family_type``: one of :class:`~visitering.cases.FamilyType`; ``single_man`` and
      ``single_woman`` are 1 person, ``couple`` 2, ``family`` at least 2; an
      ``unaccompanied_minor`` case has no adults.
    * ``nationality``: ISO 3166-1 alpha-3 (three letters, upper-cased when read); the ICAO codes
      ``XXA`` (stateless), ``XXB``/``XXC`` (refugee) and ``XXX`` (unspecified) fit the same form.
    * ``education``: one of :class:`~visitering.cases.Education`.
    * ``needs``: treatment-need codes separated by ``;``, ``|`` or ``,`` (in a semicolon
      separated file a field with ``;`` must be quoted, as spreadsheets do), normalised by
      :func:`split_codes`.
    * ``occupation``: free text, normalised by :func:`normalise_text`; ``language``: free text.
    * municipality columns: a kommunekode of ``kommuner`` (plain digits).
    * ``job_offer_hours``: hours a week, 0 to 168, decimal point or comma (no spaces); only
      together with ``job_offer_kommune``.
    * ``job_offer_kind``: ``permanent``, ``time_limited`` or ``igu``
      (:class:`~visitering.cases.JobOfferKind`; empty: not stated, taken as a real offer); only
      together with ``job_offer_kommune``.  A time-limited offer does not open § 11 stk. 4.
    * ``special_circumstances``: one reason code such as ``safety``: letters, digits, ``_`` or
      ``-``, no spaces, at most 40 characters; lower-cased, ``-`` becomes ``_``.  A free-text
      description is refused, since it would be personal.
    * ``special_circumstances_kommune``: where those circumstances point (a kommunekode); only
      together with ``special_circumstances``.  Empty: the exception opens every municipality.
    * ``quota_refugee``: true/false, ja/nej, yes/no, 1/0 (empty: false).
    """
    problems: list[Problem] = []
    if not _check_columns(table, problems):
        raise InputError(problems)
    first_row: dict[str, int] = {}
    cases: list[Case] = []
    for row in table.rows:
        broken = csvtext.line_break_problem(row, table.source)
        if broken is not None:  # its cells are other rows run together: not read
            problems.append(broken)
            continue
        case = _read_case(row, table, kommuner, first_row, problems)
        if case is not None:
            cases.append(case)
    if problems:
        raise InputError(problems)
    return cases


def _check_columns(table: Table, problems: list[Problem]) -> bool:
    """Add the header's problems; ``False`` if the first row is not a header at all.

    A first row without any known column name is probably the first case, so its cells are not
    listed (they would be personal data).
    """
    if not any(name in CASE_COLUMNS for name in table.columns):
        hint = csvtext.delimiter_hint(table)
        problems.append(Problem(hint or HEADER_MISSING, table.source, table.header_row))
        return False
    try:
        require_columns(table, REQUIRED_COLUMNS)
    except InputError as error:
        problems.extend(error.problems)
    for name in table.columns:
        if name in CASE_COLUMNS:
            continue
        if not name:
            if any(row.cells.get(name) for row in table.rows):
                problems.append(
                    Problem("a column with values has no name", table.source, table.header_row)
                )
            continue
        problems.append(
            Problem(
                unknown_column_message(name, CASE_COLUMNS), table.source, table.header_row, name
            )
        )
    return True


def unknown_column_message(name: str, known: Iterable[str]) -> str:
    """The message for a column a reader does not know, with the nearest known name if any."""
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"known columns: {', '.join(known)}"
    return f"unknown column {name!r}; {hint}"


class _RowReader:
    """Reads one row's cells, recording located problems without echoing personal values."""

    def __init__(self, row: Row, table: Table, problems: list[Problem]) -> None:
        self.row = row
        self.table = table
        self.problems = problems
        self.case_id = ""

    def cell(self, column: str) -> str:
        return self.row.cells.get(column, "")

    def problem(self, message: str, column: str) -> None:
        prefix = f"case {self.case_id!r}: " if self.case_id and _id_shown(self.case_id) else ""
        self.problems.append(Problem(prefix + message, self.table.source, self.row.number, column))

    def count(self, column: str, required: bool = False) -> int | None:
        raw = self.cell(column)
        if not raw and not required:
            return None
        found: list[Problem] = []
        value = parse_count(
            raw,
            found,
            self.table.source,
            self.row.number,
            column,
            plain=True,
            max_digits=MAX_COUNT_DIGITS,
            echo=_echo_safe(raw),
        )
        for p in found:
            self.problem(p.message, column)
        return value

    def choice(
        self,
        column: str,
        enum: type[FamilyType] | type[Education] | type[JobOfferKind],
        what: str,
    ) -> str | None:
        raw = self.cell(column).lower()
        if not raw:
            return None
        allowed = [member.value for member in enum]
        if raw not in allowed:
            self.problem(f"not a known {what}; expected one of {', '.join(allowed)}", column)
            return None
        return raw

    def kommune(self, column: str, kommuner: Kommuner) -> int | None:
        raw = self.cell(column)
        if not raw:
            return None
        code = ascii_int(raw)
        if code is None:
            what = f"{raw!r} is not" if _echo_safe(raw) else "not"
            self.problem(f"{what} a kommunekode", column)
            return None
        if code not in kommuner:
            what = f"{raw} is not" if _echo_safe(raw) else "not"
            self.problem(f"{what} the code of a Danish municipality", column)
            return None
        return code

    def hours(self, column: str) -> float | None:
        raw = self.cell(column)
        if not raw:
            return None
        text = raw.replace(",", ".")
        if not _HOURS.fullmatch(text):
            what = f"{raw!r} is not" if _echo_safe(raw) else "not"
            self.problem(f"{what} a number of hours (e.g. 37 or 37,5)", column)
            return None
        value = float(text)
        if value > MAX_JOB_OFFER_HOURS:
            what = f"{raw} hours is" if _echo_safe(raw) else "it is"
            self.problem(f"{what} more than the {MAX_JOB_OFFER_HOURS} hours of a week", column)
            return None
        return value

    def flag(self, column: str) -> bool | None:
        raw = self.cell(column).lower()
        if not raw or raw in _FALSE:
            return False
        if raw in _TRUE:
            return True
        self.problem("not a yes/no value; expected true/false, ja/nej, yes/no or 1/0", column)
        return None


def _read_case(
    row: Row,
    table: Table,
    kommuner: Kommuner,
    first_row: dict[str, int],
    problems: list[Problem],
) -> Case | None:
    r = _RowReader(row, table, problems)
    before = len(problems)
    case_id = r.cell("case_id")
    if "case_id" in table.columns:
        if not case_id:
            r.problem("a case_id is required", "case_id")
        elif not case_id.isprintable():
            # It goes into exports, the ledger and terminal output: an escape sequence there
            # could rewrite what a caseworker sees.
            r.problem("a case_id must not contain control characters or line breaks", "case_id")
        elif case_id in first_row:
            which = f"case_id {case_id!r}" if _id_shown(case_id) else "this case_id"
            r.problem(f"{which} appears again (first in row {first_row[case_id]})", "case_id")
        else:
            first_row[case_id] = row.number
    r.case_id = case_id

    persons = r.count("persons", required="persons" in table.columns)
    if persons == 0:
        r.problem("a case has at least 1 person", "persons")
        persons = None
    adults = r.count("adults")
    children = r.count("children")
    family_type = r.choice("family_type", FamilyType, "family type")
    _check_composition(r, persons, adults, children, family_type)

    nationality = r.cell("nationality").upper() or None
    if nationality is not None and not _ALPHA3.fullmatch(nationality):
        r.problem(
            "not an ISO 3166 alpha-3 country code (three letters, e.g. SYR; XXA for stateless)",
            "nationality",
        )
    education = r.choice("education", Education, "education level")
    needs, needs_ok = split_codes(r.cell("needs"))
    if not needs_ok:
        r.problem(
            "a treatment need is not a code (letters, digits and _ only); separate needs "
            "with ';', '|' or ','",
            "needs",
        )
    places = {column: r.kommune(column, kommuner) for column in KOMMUNE_COLUMNS}
    hours = r.hours("job_offer_hours")
    for column in ("job_offer_hours", "job_offer_kind"):
        if r.cell(column) and not r.cell("job_offer_kommune"):
            r.problem(f"{column} is given without a job_offer_kommune", column)
    job_kind = r.choice("job_offer_kind", JobOfferKind, "kind of job offer")
    reason = _reason(r)
    if r.cell("special_circumstances_kommune") and not r.cell("special_circumstances"):
        r.problem(
            "special_circumstances_kommune is given without a special_circumstances reason",
            "special_circumstances_kommune",
        )
    quota_refugee = r.flag("quota_refugee")

    if len(problems) > before:
        # Report a row's problems left to right, as the caseworker reads the row.
        order = {name: i for i, name in enumerate(table.columns)}
        problems[before:] = sorted(problems[before:], key=lambda p: order.get(p.column or "", 0))
        return None
    if persons is None:
        return None
    return Case(
        case_id=case_id,
        persons=persons,
        adults=adults,
        children=children,
        family_type=FamilyType(family_type) if family_type else None,
        nationality=nationality,
        language=" ".join(r.cell("language").split()) or None,
        education=Education(education) if education else None,
        occupation=normalise_text(r.cell("occupation")) or None,
        needs=needs,
        close_family_kommune=places["close_family_kommune"],
        institution_kommune=places["institution_kommune"],
        job_offer_kommune=places["job_offer_kommune"],
        job_offer_hours=hours,
        latest_stay_kommune=places["latest_stay_kommune"],
        special_circumstances=reason,
        quota_refugee=bool(quota_refugee),
        job_offer_kind=JobOfferKind(job_kind) if job_kind else None,
        special_circumstances_kommune=places["special_circumstances_kommune"],
    )


def _check_composition(
    r: _RowReader,
    persons: int | None,
    adults: int | None,
    children: int | None,
    family_type: str | None,
) -> None:
    if persons is None:
        return
    if adults is not None and children is not None:
        if adults + children != persons:
            # No figures: a family's composition stays out of messages (the row says where).
            r.problem("adults + children is not persons", "persons")
    else:
        for column, part in (("adults", adults), ("children", children)):
            if part is not None and part > persons:
                r.problem(f"{column} is more than persons", column)
    if family_type is None:
        return
    fits = {
        FamilyType.SINGLE_MAN: persons == 1,
        FamilyType.SINGLE_WOMAN: persons == 1,
        FamilyType.COUPLE: persons == 2,
        FamilyType.FAMILY: persons >= 2,
        FamilyType.UNACCOMPANIED_MINOR: not adults,
    }[FamilyType(family_type)]
    if not fits:
        r.problem(
            "family_type does not fit the case's persons: single_man and single_woman are "
            "1 person, couple 2, family at least 2, and unaccompanied_minor has no adults",
            "family_type",
        )


def _reason(r: _RowReader) -> str | None:
    raw = r.cell("special_circumstances")
    if not raw:
        return None
    if len(raw) > MAX_REASON_LENGTH or not _REASON.fullmatch(raw):
        r.problem(
            "special_circumstances must be one short reason code (letters, digits, _ or -, no "
            f"spaces, at most {MAX_REASON_LENGTH} characters), not a description",
            "special_circumstances",
        )
        return None
    return raw.lower().replace("-", "_")
