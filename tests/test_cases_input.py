"""Reading a cases file: every rule, every problem at once with exact text, no personal value in
any message, and a lossless round trip of rendered cases in both dialects."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visitering import synth
from visitering.cases import Case, Education, FamilyType, JobOfferKind
from visitering.errors import InputError
from visitering.formats import csvtext
from visitering.formats.csvtext import Dialect
from visitering.inputs import embedded
from visitering.inputs.cases import CASE_COLUMNS, read_cases, split_codes
from visitering.inputs.placeringer import read_placement

KOMMUNER = embedded.kommuner()


def read(text: str, source: str = "sager.csv") -> list[Case]:
    return read_cases(csvtext.parse(text, source, known=CASE_COLUMNS), KOMMUNER)


def problems(text: str, source: str = "sager.csv") -> list[str]:
    with pytest.raises(InputError) as err:
        read(text, source)
    return [str(p) for p in err.value.problems]


def read_bytes(data: bytes) -> list[Case]:
    text, encoding = csvtext.decode(data, "sager.csv")
    table = csvtext.parse(text, "sager.csv", encoding=encoding, known=CASE_COLUMNS)
    return read_cases(table, KOMMUNER)


def test_minimal_file():
    assert read("case_id,persons\nA,1\nB,4\n") == [Case("A", 1), Case("B", 4)]


def test_every_column_is_read_and_normalised():
    text = (
        "case_id;persons;adults;children;family_type;nationality;language;education;occupation;"
        "needs;close_family_kommune;institution_kommune;job_offer_kommune;job_offer_hours;"
        "latest_stay_kommune;special_circumstances;quota_refugee\n"
        'S-1;4;2;2;Family;syr; Arabic ;Tertiary;  Civil   Engineer ;"Trauma; chronic illness";'
        "101;147;751;37,5;201;Treatment-Continuity;Ja\n"
    )
    assert read(text) == [
        Case(
            case_id="S-1",
            persons=4,
            adults=2,
            children=2,
            family_type=FamilyType.FAMILY,
            nationality="SYR",
            language="Arabic",
            education=Education.TERTIARY,
            occupation="civil engineer",
            needs=("trauma", "chronic_illness"),
            close_family_kommune=101,
            institution_kommune=147,
            job_offer_kommune=751,
            job_offer_hours=37.5,
            latest_stay_kommune=201,
            special_circumstances="treatment_continuity",
            quota_refugee=True,
        )
    ]


def test_empty_optional_cells_mean_unknown():
    text = "case_id,persons,adults,education,needs,quota_refugee\nA,2,,,,\n"
    assert read(text) == [Case("A", 2)]


@pytest.mark.parametrize(
    "text",
    [
        'case_id;persons;needs\nA;1;"trauma;physical_disability"\n',
        "case_id;persons;needs\nA;1;trauma|physical_disability\n",
        'case_id,persons,needs\nA,1,"trauma,physical_disability"\n',
        "case_id,persons,needs\nA,1,trauma;physical_disability\n",
        "case_id,persons,needs\nA,1,trauma | physical_disability | trauma\n",
    ],
)
def test_needs_separators(text):
    assert read(text)[0].needs == ("trauma", "physical_disability")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("true", True),
        ("JA", True),
        ("yes", True),
        ("1", True),
        ("nej", False),
        ("0", False),
        ("No", False),
        ("false", False),
        ("", False),
    ],
)
def test_quota_refugee_values(raw, value):
    assert read(f"case_id,persons,quota_refugee\nA,1,{raw}\n")[0].quota_refugee is value


@pytest.mark.parametrize(
    ("raw", "hours"), [("20", 20.0), ('"37,5"', 37.5), ("37.5", 37.5), ("0", 0.0), ("168", 168.0)]
)
def test_job_offer_hours(raw, hours):
    text = f"case_id,persons,job_offer_kommune,job_offer_hours\nA,1,101,{raw}\n"
    assert read(text)[0].job_offer_hours == hours


def test_every_problem_is_reported_at_once_with_file_row_and_column():
    text = (
        "case_id;persons;adults;children;family_type;nationality;education;needs;"
        "close_family_kommune;job_offer_kommune;job_offer_hours;special_circumstances;"
        "quota_refugee;natonality\n"
        "A1;3;2;2;family;SYR;basic;trauma;101;;;;ja;\n"
        'A2;0;;;;Syrien;universitet;"trauma/ptsd";999;;20;;måske;\n'
        "A1;1;;;single_man;AFG;;;abc;;;;nej;\n"
        ";2;1;1;couple;IRN;;;;851;200;Flugt fra voldelig ægtefælle;;\n"
        "A5;x;;;;;;;;;;;;\n"
        "A6;1;2;;unaccompanied_minor;ERI;;;;;;;;\n"
        "A7;1;;;single_woman;SOM;;;;;;;;\n"
    )
    assert problems(text) == [
        "sager.csv, row 1, column natonality: unknown column 'natonality'; "
        "did you mean 'nationality'?",
        # Regression (audit, stop 24): the family's figures were repeated here.
        "sager.csv, row 2, column persons: case 'A1': adults + children is not persons",
        "sager.csv, row 3, column persons: case 'A2': a case has at least 1 person",
        "sager.csv, row 3, column nationality: case 'A2': not an ISO 3166 alpha-3 country code "
        "(three letters, e.g. SYR; XXA for stateless)",
        "sager.csv, row 3, column education: case 'A2': not a known education level; "
        "expected one of none, basic, secondary, tertiary",
        "sager.csv, row 3, column needs: case 'A2': a treatment need is not a code "
        "(letters, digits and _ only); separate needs with ';', '|' or ','",
        "sager.csv, row 3, column close_family_kommune: case 'A2': 999 is not the code of a "
        "Danish municipality",
        "sager.csv, row 3, column job_offer_hours: case 'A2': job_offer_hours is given without "
        "a job_offer_kommune",
        "sager.csv, row 3, column quota_refugee: case 'A2': not a yes/no value; "
        "expected true/false, ja/nej, yes/no or 1/0",
        "sager.csv, row 4, column case_id: case_id 'A1' appears again (first in row 2)",
        "sager.csv, row 4, column close_family_kommune: case 'A1': not a kommunekode",
        "sager.csv, row 5, column case_id: a case_id is required",
        "sager.csv, row 5, column job_offer_hours: 200 hours is more than the 168 hours of a week",
        "sager.csv, row 5, column special_circumstances: special_circumstances must be one "
        "short reason code (letters, digits, _ or -, no spaces, at most 40 characters), "
        "not a description",
        "sager.csv, row 6, column persons: case 'A5': not a whole number",
        "sager.csv, row 7, column adults: case 'A6': adults is more than persons",
        "sager.csv, row 7, column family_type: case 'A6': family_type does not fit the case's "
        "persons: single_man and single_woman are 1 person, couple 2, family at least 2, and "
        "unaccompanied_minor has no adults",
    ]


def test_missing_required_and_unknown_columns_are_reported_together():
    assert problems("case_id,persns,family type,colour\nA,1,,\n") == [
        "sager.csv, row 1: required column 'persons' is missing "
        "(columns found: case_id, persns, family type, colour)",
        "sager.csv, row 1, column persns: unknown column 'persns'; did you mean 'persons'?",
        "sager.csv, row 1, column family type: unknown column 'family type'; "
        "did you mean 'family_type'?",
        "sager.csv, row 1, column colour: unknown column 'colour'; known columns: case_id, "
        "persons, adults, children, family_type, nationality, language, education, occupation, "
        "needs, close_family_kommune, institution_kommune, job_offer_kommune, job_offer_hours, "
        "job_offer_kind, "
        "latest_stay_kommune, special_circumstances, special_circumstances_kommune, "
        "quota_refugee",
    ]


def test_trailing_empty_column_is_ignored_but_unnamed_values_are_not():
    assert read("case_id,persons,\nA,1,\n") == [Case("A", 1)]
    assert problems("case_id,persons,\nA,1,x\n") == [
        "sager.csv, row 1: a column with values has no name"
    ]


def test_duplicate_case_id_names_both_rows():
    assert problems("# note\ncase_id,persons\nX,1\nY,1\nX,2\n") == [
        "sager.csv, row 5, column case_id: case_id 'X' appears again (first in row 3)"
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1,1,0,single_man", None),
        ("1,,,single_woman", None),
        ("2,2,0,couple", None),
        ("2,1,1,family", None),
        ("2,0,2,unaccompanied_minor", None),
        ("2,,,single_man", "family_type does not fit"),
        ("3,,,couple", "family_type does not fit"),
        ("1,1,0,family", "family_type does not fit"),
        ("1,1,0,unaccompanied_minor", "family_type does not fit"),
        ("2,,3,", "children is more than persons"),
    ],
)
def test_family_composition(row, message):
    text = f"case_id,persons,adults,children,family_type\nA,{row}\n"
    if message is None:
        assert len(read(text)) == 1
    else:
        assert message in problems(text)[0]


def test_job_offer_hours_need_a_job_offer_kommune_but_not_vice_versa():
    assert read("case_id,persons,job_offer_kommune\nA,1,101\n")[0].job_offer_hours is None
    assert problems('case_id,persons,job_offer_hours\nA,1,"15,0"\n') == [
        "sager.csv, row 2, column job_offer_hours: case 'A': job_offer_hours is given without "
        "a job_offer_kommune"
    ]


def test_kommunekode_and_number_values_may_be_echoed():
    found = problems(
        "case_id,persons,latest_stay_kommune,job_offer_kommune,job_offer_hours\n"
        'A,-2,1.01,102,"37,5,5"\n'
    )
    assert found == [
        "sager.csv, row 2, column persons: case 'A': '-2' is negative",
        "sager.csv, row 2, column latest_stay_kommune: case 'A': '1.01' is not a kommunekode",
        "sager.csv, row 2, column job_offer_kommune: case 'A': 102 is not the code of a "
        "Danish municipality",
        "sager.csv, row 2, column job_offer_hours: case 'A': '37,5,5' is not a number of hours "
        "(e.g. 37 or 37,5)",
    ]


PERSONAL = {
    "persons": "Hassan",
    "adults": "Ahmed Mohamud",
    "family_type": "widowedmother",
    "nationality": "Kurdistan",
    "education": "Universitetsgrad",
    "needs": "HIV/positiv",
    "close_family_kommune": "Aleppo",
    "job_offer_kommune": "Salling Group",
    "job_offer_hours": "fuldtid",
    "special_circumstances": "Forfulgt af klanen i Mogadishu",
    "quota_refugee": "Måske-kvote",
}


def test_messages_never_echo_personal_values():
    """Privacy: a personal value (nationality, needs, education, family type, reason, quota
    status) is never repeated in a message, nor is text in a number or kommunekode column
    (where a shifted column may have put it); only the case id, row and column locate it."""
    header = "case_id;" + ";".join(PERSONAL) + ";occupation;language"
    row = "SAG-17;" + ";".join(PERSONAL.values()) + ";Imam;Kurmanji"
    with pytest.raises(InputError) as err:
        read(f"{header}\n{row}\n")
    rendered = str(err.value)
    assert [p.column for p in err.value.problems] == list(PERSONAL)
    assert all(p.row == 2 and "case 'SAG-17'" in p.message for p in err.value.problems)
    for value in [*PERSONAL.values(), "Imam", "Kurmanji"]:
        for word in value.replace("/", " ").split():
            if len(word) >= 3:  # "af", "i" occur in any text
                assert word.lower() not in rendered.lower(), word


def synthetic_lines() -> list[str]:
    cases = synth.generate_cases(30, 1, KOMMUNER)
    return synth.cases_csv(cases, Dialect.DANISH).decode("utf-8-sig").splitlines(keepends=True)


@pytest.mark.parametrize("column", ["case_id", "language"])
def test_a_quote_never_closed_names_its_row_and_leaks_no_case(column):
    """Privacy: a stray quote made the csv module read the rest of the file as one cell, which
    was then echoed as a case id (or silently dropped every later case)."""
    lines = synthetic_lines()
    index = list(CASE_COLUMNS).index(column)
    cells = lines[5].split(";")
    cells[index] = '"' + cells[index]
    lines[5] = ";".join(cells)
    with pytest.raises(InputError) as err:
        read("".join(lines))
    assert [str(p) for p in err.value.problems] == [
        f'sager.csv, row 6, column {column}: a quote (") opened in this row is never closed, so '
        "the rest of the file would be read as one cell; close the quote or remove it"
    ]
    assert "SYN-" not in str(err.value)


def test_a_stray_quote_closed_rows_later_is_an_error_not_lost_cases():
    text = (
        "case_id;persons;language;needs\n"
        "A1;1;arabic;\n"
        'A2;1;"dari;\n'
        "A3;2;somali;trauma\n"
        'A4;1;tigrinya";\n'
        "A5;1;farsi;\n"
    )
    assert problems(text) == [
        'sager.csv, row 3, column language: a quote (") opened in this row is closed only in '
        "row 5, so those rows are read as one; remove the stray quote (a cell in this file "
        "cannot hold a line break)"
    ]


def test_a_case_id_that_looks_like_other_cells_is_not_repeated():
    long_id = "B" * 41
    text = (
        "case_id,persons\n"
        '"A;2;SYR;arabic",x\n'
        '"A;2;SYR;arabic",1\n'
        f"{long_id},x\n"
        '"C""D",x\n'
        "E\x07,x\n"
        "F-1,x\n"
    )
    assert problems(text) == [
        "sager.csv, row 2, column persons: not a whole number",
        "sager.csv, row 3, column case_id: this case_id appears again (first in row 2)",
        "sager.csv, row 4, column persons: not a whole number",
        "sager.csv, row 5, column persons: not a whole number",
        "sager.csv, row 6, column case_id: a case_id must not contain control characters or "
        "line breaks",
        "sager.csv, row 6, column persons: not a whole number",
        "sager.csv, row 7, column persons: case 'F-1': not a whole number",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "A1;3;SYR;nurse;trauma\nA2;1;IRN;;\n",
            "none of the first row's cells is a column name of a cases file (case_id, persons, "
            "...): the header row seems to be missing or misnamed",
        ),
        (
            # Regression (CLI audit): the repeated name was reported first, as a column name
            # ("column 'fatima ali' appears twice"), before the header was found missing.
            "0101201234;Fatima Ali;Fatima Ali;2\n",
            "none of the first row's cells is a column name of a cases file (case_id, persons, "
            "...): the header row seems to be missing or misnamed",
        ),
        (
            "A1\t3\tSYR\tnurse\ttrauma\n",
            "the header row is read as one column, but it contains tabs: separate the columns "
            "with ';' or ',' (and do not quote the whole row)",
        ),
    ],
)
def test_a_missing_header_row_is_named_without_repeating_the_first_case(text, message):
    assert problems(text) == [f"sager.csv, row 1: {message}"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1 0", "not a whole number"),
        ("2.000", "'2.000' is not a whole number"),
        ("+2", "not a whole number"),
        ("+45 12 34", "not a whole number"),
        ("１", "not a whole number"),
        ("1000", "too large: a number here has at most 3 digits"),
        ("1" * 5000, "too large: a number here has at most 3 digits"),
    ],
)
def test_counts_in_a_cases_file_are_plain_digits(raw, message):
    assert problems(f"case_id,persons\nA,{raw}\n") == [
        f"sager.csv, row 2, column persons: case 'A': {message}"
    ]


def test_long_numbers_such_as_cpr_or_telephone_numbers_are_never_repeated():
    text = (
        "case_id;persons;close_family_kommune;job_offer_kommune;job_offer_hours\n"
        "A;010190-1234;010190-1234;101;010190-1234\n"
        "B;1;4512345678;101;4512345678\n"
        "C;+45 12 34 56 78;10¹;101;1 2\n"
    )
    with pytest.raises(InputError) as err:
        read(text)
    assert [str(p) for p in err.value.problems] == [
        "sager.csv, row 2, column persons: case 'A': not a whole number",
        "sager.csv, row 2, column close_family_kommune: case 'A': not a kommunekode",
        "sager.csv, row 2, column job_offer_hours: case 'A': not a number of hours "
        "(e.g. 37 or 37,5)",
        "sager.csv, row 3, column close_family_kommune: case 'B': not the code of a Danish "
        "municipality",
        "sager.csv, row 3, column job_offer_hours: case 'B': it is more than the 168 hours of a "
        "week",
        "sager.csv, row 4, column persons: case 'C': not a whole number",
        "sager.csv, row 4, column close_family_kommune: case 'C': not a kommunekode",
        "sager.csv, row 4, column job_offer_hours: case 'C': not a number of hours "
        "(e.g. 37 or 37,5)",
    ]
    for digits in ("0101", "1234", "4512", "45 12", "10¹"):
        assert digits not in str(err.value)


def test_a_hash_row_below_the_header_is_an_error_and_a_quoted_hash_id_is_a_case():
    assert problems('case_id;persons\nA1;1\n#A2;3\n"#A3";2\n') == [
        "sager.csv, row 3: the row starts with '#': notes ('# ...') belong above the header "
        'row; delete the row, or quote the first cell ("#...") if it is data'
    ]
    assert read('# a note\ncase_id;persons\n"#A3";2\n') == [Case("#A3", 2)]


@pytest.mark.parametrize("dialect", list(Dialect))
def test_a_case_id_starting_with_hash_round_trips(dialect):
    cases = [Case("#A3", 2), Case("B", 1)]
    assert read_bytes(synth.cases_csv(cases, dialect)) == cases


@pytest.mark.parametrize("dialect", list(Dialect))
@pytest.mark.parametrize("seed", [1, 2])
def test_synthetic_cases_round_trip(dialect, seed):
    cases = synth.generate_cases(400, seed, KOMMUNER)
    assert any(len(c.needs) > 1 for c in cases)  # the quoted ";" inside the needs cell
    assert read_bytes(synth.cases_csv(cases, dialect)) == cases


def test_danish_dialect_quotes_needs_and_writes_decimal_comma():
    case = Case(
        "A",
        1,
        needs=("trauma", "chronic_illness"),
        job_offer_kommune=101,
        job_offer_hours=37.5,
        quota_refugee=True,
    )
    text = synth.cases_csv([case], Dialect.DANISH).decode("utf-8-sig").splitlines()[1]
    assert text == 'A;1;;;;;;;;"trauma;chronic_illness";;;101;37,5;;;;;ja'


def test_split_codes():
    assert split_codes(" Trauma ;; Chronic  illness | physical-disability,trauma") == (
        ("trauma", "chronic_illness", "physical_disability"),
        True,
    )
    assert split_codes("trauma/ptsd") == ((), False)


# --- round trip of arbitrary valid cases --------------------------------------------------------

CODES = list(KOMMUNER)
_safe_start = st.characters(whitelist_categories=("L", "N"))
_text_char = st.characters(
    whitelist_categories=("L", "N", "Zs", "P"), blacklist_characters="\u00a0\u2007\u202f"
)
_code = st.from_regex(r"[a-z0-9_]{1,20}", fullmatch=True)


def _free_text(lower: bool) -> st.SearchStrategy[str]:
    """Text as the reader normalises it (single spaces, no edge spaces), never starting with a
    character a spreadsheet would take as a formula (which the writer escapes)."""
    raw = st.tuples(_safe_start, st.text(_text_char, max_size=25)).map(lambda t: t[0] + t[1])
    normalised = raw.map(lambda s: " ".join(s.split()))
    return normalised.map(str.lower) if lower else normalised


@st.composite
def cases(draw: st.DrawFn, case_id: str) -> Case:
    family_type = draw(st.none() | st.sampled_from(list(FamilyType)))
    adults, children = {
        FamilyType.SINGLE_MAN: (1, 0),
        FamilyType.SINGLE_WOMAN: (1, 0),
        FamilyType.COUPLE: (2, 0),
        FamilyType.FAMILY: (draw(st.integers(1, 2)), draw(st.integers(1, 8))),
        FamilyType.UNACCOMPANIED_MINOR: (0, draw(st.integers(1, 3))),
        None: (draw(st.integers(0, 3)), draw(st.integers(0, 6))),
    }[family_type]
    persons = max(adults + children, 1)
    if adults + children == 0:
        adults = 1
    known_split = draw(st.booleans())
    kommune = st.none() | st.sampled_from(CODES)
    job = draw(kommune)
    return Case(
        case_id=case_id,
        persons=persons,
        adults=adults if known_split else None,
        children=children if known_split else None,
        family_type=family_type,
        nationality=draw(st.none() | st.from_regex(r"[A-Z]{3}", fullmatch=True)),
        language=draw(st.none() | _free_text(lower=False)),
        education=draw(st.none() | st.sampled_from(list(Education))),
        occupation=draw(st.none() | _free_text(lower=True)),
        needs=tuple(dict.fromkeys(draw(st.lists(_code, max_size=4)))),
        close_family_kommune=draw(kommune),
        institution_kommune=draw(kommune),
        job_offer_kommune=job,
        job_offer_hours=None if job is None else draw(st.integers(0, 672)) / 4,
        latest_stay_kommune=draw(kommune),
        special_circumstances=(reason := draw(st.none() | _code)),
        quota_refugee=draw(st.booleans()),
        special_circumstances_kommune=None if reason is None else draw(kommune),
    )


@st.composite
def case_lists(draw: st.DrawFn) -> list[Case]:
    ids = draw(
        st.lists(
            st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ;,\"'/_-]{0,12}[A-Za-z0-9]", fullmatch=True),
            unique=True,
            min_size=1,
            max_size=6,
        )
    )
    return [draw(cases(case_id)) for case_id in ids]


@settings(max_examples=60, deadline=None)
@given(case_lists(), st.sampled_from(list(Dialect)))
def test_any_valid_cases_round_trip(cases_, dialect):
    assert read_bytes(synth.cases_csv(cases_, dialect)) == cases_


def test_explain_case_shows_an_unprintable_id_escaped(tmp_path):
    """Regression: an id with an escape sequence was echoed raw to the terminal."""
    export = tmp_path / "placeringer.csv"
    export.write_text("case_id;kommunekode;persons;grundlag\nA;101;1;quota\n", encoding="utf-8")
    table = csvtext.parse(export.read_text(encoding="utf-8"), str(export))
    with pytest.raises(InputError) as err:
        read_placement(table, "x\x1b[2J")
    assert str(err.value.problems[0]) == f"{export}: case 'x\\x1b[2J' is not in this file"


def test_job_offer_kind_is_read_and_needs_a_workplace():
    """§ 11 stk. 4 counts a real offer that is not time-limited, except IGU."""
    cases = read(
        "case_id;persons;job_offer_kommune;job_offer_hours;job_offer_kind\n"
        "A;1;101;37;igu\nB;1;101;37;Time_Limited\nC;1;101;37;\n"
    )
    assert [c.job_offer_kind for c in cases] == [
        JobOfferKind.IGU,
        JobOfferKind.TIME_LIMITED,
        None,
    ]
    assert problems("case_id;persons;job_offer_kind\nA;1;permanent\nB;1;casual\n") == [
        "sager.csv, row 2, column job_offer_kind: case 'A': job_offer_kind is given without a "
        "job_offer_kommune",
        "sager.csv, row 3, column job_offer_kind: case 'B': job_offer_kind is given without a "
        "job_offer_kommune",
        "sager.csv, row 3, column job_offer_kind: case 'B': not a known kind of job offer; "
        "expected one of permanent, time_limited, igu",
    ]


def test_special_circumstances_kommune_is_read_and_needs_a_reason():
    """The municipality "ganske særlige forhold" point to (§ 11 stk. 3) is a kommunekode, and
    means nothing without the reason it rests on."""
    cases = read(
        "case_id;persons;special_circumstances;special_circumstances_kommune\n"
        "A;1;safety;101\nB;1;safety;\n"
    )
    assert [c.special_circumstances_kommune for c in cases] == [101, None]
    assert problems(
        "case_id;persons;special_circumstances;special_circumstances_kommune\n"
        "A;1;;101\nB;1;safety;9999\n"
    ) == [
        "sager.csv, row 2, column special_circumstances_kommune: case 'A': "
        "special_circumstances_kommune is given without a special_circumstances reason",
        "sager.csv, row 3, column special_circumstances_kommune: case 'B': 9999 is not the code "
        "of a Danish municipality",
    ]


def test_case_hashes_recorded_before_job_offer_kind_are_kept():
    """Pinned from the code before the column existed: a ledger's recorded batches keep their
    inputs' hashes, so re-running one still finds it."""
    from visitering.batch import case_hash

    assert case_hash(Case("A", 1)) == (
        "2a5cf12a84ad1009a3ae22891679a6d8d46e6b065b2c7b5853da1d5eed0fc548"
    )
    assert case_hash(Case("B", 2, job_offer_kommune=101, job_offer_hours=20.0)) == (
        "6ad1526395b0499eeb9c00333749da448667e3b035cac5224c10de5b999f077f"
    )
    assert case_hash(
        Case("B", 2, job_offer_kommune=101, job_offer_hours=20.0, job_offer_kind=JobOfferKind.IGU)
    ) != case_hash(Case("B", 2, job_offer_kommune=101, job_offer_hours=20.0))


def test_case_hashes_recorded_before_special_circumstances_kommune_are_kept():
    """Pinned from the code before the column existed (as for ``job_offer_kind``)."""
    from visitering.batch import case_hash

    assert case_hash(Case("C", 3, special_circumstances="safety")) == (
        "2d3b21a924f56e188a21f2fedfc931d576bdacc9e63ce4c7c7adde95ae7c50ce"
    )
    assert case_hash(
        Case("C", 3, special_circumstances="safety", special_circumstances_kommune=101)
    ) != case_hash(Case("C", 3, special_circumstances="safety"))


def test_a_header_below_note_lines_is_named_by_its_own_row():
    """Regression (CLI audit, stop 26): a cases file from ``cases synth`` has a note on line 1
    and its header on line 2, and a misspelt column was reported on "row 1" while a bad value
    on line 5 said "row 5"."""
    assert problems("# SYNTHETIC CASES\n# another note\ncase_id;persns\nA;1\n") == [
        "sager.csv, row 3: required column 'persons' is missing (columns found: case_id, persns)",
        "sager.csv, row 3, column persns: unknown column 'persns'; did you mean 'persons'?",
    ]
