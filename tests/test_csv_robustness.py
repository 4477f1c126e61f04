"""The shared CSV reader and number checks on hostile or broken files: every problem is an
InputError naming file and row (never a traceback, never a cell's text), and numbers are plain
ASCII digits of a sensible length wherever a count or a code is read."""

from __future__ import annotations

import csv

import pytest

from visitering.cli.common import parse_landstal
from visitering.errors import InputError, Problem
from visitering.formats import csvtext
from visitering.formats.csvtext import Dialect
from visitering.inputs import embedded, tables
from visitering.inputs.placeringer import read_placement
from visitering.report.placering import PLACERING_COLUMNS
from visitering.scenario import parse_scenario

KOMMUNER = embedded.kommuner()


def parse_problems(text: str, source: str = "f.csv") -> list[str]:
    with pytest.raises(InputError) as err:
        csvtext.parse(text, source)
    return [str(p) for p in err.value.problems]


def decode_problems(data: bytes) -> list[str]:
    with pytest.raises(InputError) as err:
        csvtext.decode(data, "f.csv")
    return [str(p) for p in err.value.problems]


# --- unclosed quotes, long cells, empty files ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('a;b\n1;2\n"3;4\n5;6\n7;8\n', "f.csv, row 3, column a"),
        ('a;b\n1;2\n3;"4\n5;6\n7;8', "f.csv, row 3, column b"),
        ('"a;b\n1;2\n', "f.csv, row 1"),
    ],
)
def test_a_quote_never_closed_names_its_row_not_the_rest_of_the_file(text, expected):
    assert parse_problems(text) == [
        f'{expected}: a quote (") opened in this row is never closed, so the rest of the file '
        "would be read as one cell; close the quote or remove it"
    ]


def test_a_quote_never_closed_before_a_long_rest_names_its_row():
    text = 'a;b\n1;2\n"3;4\n' + "5;secret\n" * 20_000
    assert parse_problems(text) == [
        f"f.csv, row 3: a cell is longer than {csv.field_size_limit():,} characters; "
        'is a quote (") opened in this row never closed?'
    ]


def test_a_cell_over_the_field_limit_is_an_input_error():
    text = 'a;b\n1;2\n3;"' + "x" * 140_000 + '"\n'
    [problem] = parse_problems(text)
    assert problem.startswith("f.csv, row 3: a cell is longer than 131,072 characters")


@pytest.mark.parametrize(
    "text", [";;;", ";;;\r\n;;;\r\n", '" "', '" "\r\n" "\r\n', "# note\n;;;\n", ""]
)
def test_a_file_without_a_header_cell_is_empty(text):
    assert parse_problems(text) == ["f.csv: the file is empty (no header row)"]


def test_quoted_cells_may_still_hold_line_breaks():
    table = csvtext.parse('a;b\r\n1;"first\r\nsecond"\r\n2;x\r\n', "f.csv")
    assert [(r.number, r.lines, r.cells["b"]) for r in table.rows] == [
        (2, 2, "first\r\nsecond"),
        (4, 1, "x"),
    ]
    assert csvtext.line_break_problems(table) == [
        Problem(
            'a quote (") opened in this row is closed only in row 3, so those rows are read as '
            "one; remove the stray quote (a cell in this file cannot hold a line break)",
            "f.csv",
            2,
            "b",
        )
    ]


def test_rows_run_together_by_a_stray_quote_say_where_it_closes():
    assert parse_problems('a;b\n1;"2\n3;4\n5";6;7\n') == [
        "f.csv, row 2: 4 cells but the header has 2 columns (a quote opened in this row is "
        "closed only 2 rows later)"
    ]


COMMA_HINT = (
    "; in a comma-separated file a cell holding a comma (a decimal comma, or a comma in a text) "
    "must be quoted (\"22,5\"), or separate the columns with ';'"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # an unquoted decimal comma
            "case_id,persons,job_offer_hours\nA,1,22,5\n",
            "f.csv, row 2: 4 cells but the header has 3 columns" + COMMA_HINT,
        ),
        (  # an unquoted comma in a text
            "case_id,persons,occupation\nA,1,cook, chef\n",
            "f.csv, row 2: 4 cells but the header has 3 columns" + COMMA_HINT,
        ),
        (  # a semicolon file: no comma to quote
            "a;b\n1;2;3\n",
            "f.csv, row 2: 3 cells but the header has 2 columns",
        ),
    ],
)
def test_a_row_too_long_in_a_comma_file_says_to_quote_commas(text, expected):
    """Regression: an unquoted ``22,5`` in a comma-separated file gave only the cell count;
    then a first hint spoke of decimal commas where a text held the comma (audit)."""
    assert parse_problems(text) == [expected]


@pytest.mark.parametrize(
    ("header", "separators", "column"),
    [
        ("case_id,persons;needs", "',' and ';'", "'persons;needs' holds a ';'"),
        ("a;b;c,d", "';' and ','", "'c,d' holds a ','"),
    ],
)
def test_a_header_mixing_separators_is_named(header, separators, column):
    """Regression: ``case_id,persons;needs`` read as a column 'persons;needs', reported as a
    missing column and an unknown one."""
    assert parse_problems(header + "\n1,2\n") == [
        f"f.csv, row 1: the header row mixes {separators}: column {column}; separate every "
        "column with the same one"
    ]


def test_header_problems_name_the_headers_row_and_stop_there():
    """Regression (audit): below '#' notes a header problem was still said to be in row 1, and
    every data row read against the broken header added a problem of its own."""
    text = "# a note\n# another\ncase_id,persons;needs\nA,1,x,y\nB,2,z,w\n"
    assert parse_problems(text) == [
        "f.csv, row 3: the header row mixes ',' and ';': column 'persons;needs' holds a ';'; "
        "separate every column with the same one"
    ]
    assert parse_problems("# n\na;b;a\n1;2;3;4\n") == ["f.csv, row 2: column 'a' appears twice"]


# --- note lines ---------------------------------------------------------------------------------


def test_a_hash_line_below_the_header_is_an_error_and_a_quoted_hash_is_data():
    assert parse_problems("a;b\n1;2\n#3;4\n# note\n") == [
        "f.csv, row 3: the row starts with '#': notes ('# ...') belong above the header row; "
        'delete the row, or quote the first cell ("#...") if it is data',
        "f.csv, row 4: the row starts with '#': notes ('# ...') belong above the header row; "
        'delete the row, or quote the first cell ("#...") if it is data',
    ]
    table = csvtext.parse('a;b\n"#3";4\n', "f.csv")
    assert [r.cells for r in table.rows] == [{"a": "#3", "b": "4"}]


def test_notes_above_the_header_even_with_quotes_in_them():
    text = (
        '# source: "DST, FOLK1A\n'  # a quote in a note must not open a cell
        '"# saved again by Excel: ""quoted"";;"\n'
        "a,b\n1,2\n"
    )
    table = csvtext.parse(text, "f.csv")
    assert table.notes == ('source: "DST, FOLK1A', 'saved again by Excel: "quoted"')
    assert table.columns == ("a", "b")
    assert [(r.number, r.cells) for r in table.rows] == [(4, {"a": "1", "b": "2"})]


@pytest.mark.parametrize("dialect", list(Dialect))
def test_a_first_cell_starting_with_hash_is_written_quoted_and_reads_back(dialect):
    data = csvtext.render(["id", "n"], [["#A3", 2], ["B", 1]], dialect, ['a note, "quoted"'])
    text, _ = csvtext.decode(data, "t.csv")
    table = csvtext.parse(text, "t.csv")
    assert [r.cells for r in table.rows] == [{"id": "#A3", "n": "2"}, {"id": "B", "n": "1"}]
    assert table.notes == ('a note, "quoted"',)


# --- encodings and separators -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_refused_with_how_to_save_it(encoding):
    data = "kommunekode;befolkning\n101;5\n".encode(encoding)
    assert decode_problems(data) in (
        ["f.csv: the file is UTF-16 text; save it as 'CSV UTF-8' (or Windows-1252)"],
        [
            "f.csv: the file has NUL bytes, so it is not CSV text (UTF-16 text or a spreadsheet "
            "file?); save it as 'CSV UTF-8'"
        ],
    )


def test_a_file_mixing_utf8_and_windows_1252_is_refused_naming_the_rows():
    """Regression (CLI audit): one Windows-1252 byte made the whole file read as Windows-1252,
    so a UTF-8 "Ø1" became "Ã˜1", and a case written in both encodings was placed twice."""
    data = "case_id;persons;occupation\nØ1;1;x\nN2;1;køkken\n".encode()
    data = data.replace("køkken".encode(), "køkken".encode("cp1252"))
    assert decode_problems(data) == [
        "f.csv, row 3: the file mixes encodings: this row is not UTF-8, while row 2 is; save "
        "the whole file as 'CSV UTF-8'"
    ]
    # Danish letters in Windows-1252 alone are no UTF-8 and read as before.
    text, encoding = csvtext.decode("id;by\nÆ1;Århus\nØ2;Køge\n".encode("cp1252"), "f.csv")
    assert (text, encoding) == ("id;by\nÆ1;Århus\nØ2;Køge\n", "cp1252")


@pytest.mark.parametrize(("separator", "name"), [("\t", "tabs"), ("|", "'|'")])
def test_a_header_with_another_separator_gets_a_hint(separator, name):
    table = csvtext.parse(f"kommunekode{separator}antal\n101{separator}1\n", "f.csv")
    with pytest.raises(InputError) as err:
        tables.read_counts(table, KOMMUNER, "antal")
    assert [str(p) for p in err.value.problems] == [
        f"f.csv, row 1: the header row is read as one column, but it contains {name}: separate "
        "the columns with ';' or ',' (and do not quote the whole row) (columns found: "
        f"kommunekode{separator}antal)"
    ]


# --- numbers and codes: ASCII digits, bounded ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1" * 5000, "too large: a number here has at most 12 digits"),
        ("1234567890123", "too large: a number here has at most 12 digits"),
        ("４²", "'４²' is not a whole number"),
        ("６００", "'６００' is not a whole number"),
        ("x" * 30, "a value of 30 characters is not a whole number"),
    ],
)
def test_counts_are_ascii_digits_of_bounded_length(raw, message):
    problems: list[Problem] = []
    assert csvtext.parse_count(raw, problems, "f.csv", 2, "antal") is None
    assert [str(p) for p in problems] == [f"f.csv, row 2, column antal: {message}"]


def test_counts_outside_cases_files_still_take_danish_separators():
    problems: list[Problem] = []
    assert csvtext.parse_count("12.345", problems, "f", 2, "c") == 12345
    assert csvtext.parse_count("1 000", problems, "f", 2, "c") == 1000
    assert csvtext.parse_count("123456789012", problems, "f", 2, "c") == 123456789012
    assert problems == []


@pytest.mark.parametrize("code", ["10¹", "4²", "１０１", "1" * 5000])
def test_kommunekode_must_be_ascii_digits(code):
    table = csvtext.parse(f"kommunekode;antal\n{code};1\n", "f.csv")
    with pytest.raises(InputError) as err:
        tables.read_counts(table, KOMMUNER, "antal")
    [problem] = err.value.problems
    assert (problem.row, problem.column) == (2, "kommunekode")
    assert problem.message.endswith(" is not a kommunekode")


def test_deviation_code_must_be_ascii_digits():
    table = csvtext.parse("kode;kvote;begrundelse\n10¹;1;x\n", "f.csv")
    with pytest.raises(InputError) as err:
        tables.read_afvigelser(table, KOMMUNER)
    assert [str(p) for p in err.value.problems] == [
        "f.csv, row 2, column kode: '10¹' is neither a kommunekode nor a regionskode"
    ]


def test_a_data_year_note_that_is_not_ascii_digits_is_not_a_year():
    lines = ["# data_year: 2²", "kommunekode;befolkning;indvandrere;familiesammenfoerte"]
    figures = embedded.embedded_grundlag(2026).kommuner
    lines += [f"{g.kommune.kode};{g.befolkning};{g.indvandrere};1" for g in figures]
    table = csvtext.parse("\n".join(lines) + "\n", "f.csv")
    assert tables.read_fordelingsgrundlag(table, KOMMUNER).data_aar is None


@pytest.mark.parametrize("raw", ["6²", "６００", "+-5", "9" * 5000, "6 00"])
def test_landstal_must_be_ascii_digits(raw):
    with pytest.raises(InputError) as err:
        parse_landstal(raw)
    [problem] = err.value.problems
    assert problem.source == "--landstal"
    assert problem.message.endswith("is not a whole number")


def test_landstal_still_takes_underscores_and_a_plus():
    assert parse_landstal("7_500") == 7500
    assert parse_landstal("+600") == 600


@pytest.mark.parametrize("key", ["volunteers", "agreements"])
def test_scenario_kommunekoder_must_be_ascii_digits(key):
    text = f'name = "x"\n[kvoter]\nlandstal = 600\n{key} = {{"4²" = 1, "８５１" = 2}}\n'
    with pytest.raises(InputError) as err:
        parse_scenario(text, "s.toml", KOMMUNER)
    assert [str(p) for p in err.value.problems] == [
        f"s.toml: kvoter.{key}.4²: not a kommunekode",
        f"s.toml: kvoter.{key}.８５１: not a kommunekode",
    ]


def test_a_stray_quote_cannot_swallow_rows_of_a_counts_file():
    table = csvtext.parse('kommunekode;antal;note\n101;1;"x\n147;2;y\n151;3;z"\n', "f.csv")
    with pytest.raises(InputError) as err:
        tables.read_counts(table, KOMMUNER, "antal")
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "note")]


# --- a placeringer.csv export read back by explain-case -----------------------------------------


def placement(**changes: str) -> csvtext.Table:
    cells = dict.fromkeys(PLACERING_COLUMNS, "0")
    cells.update(
        case_id="A",
        kommunekode="101",
        kommune="København",
        persons="2",
        grundlag="quota",
        alternativ_kommunekode="147",
        alternativ_meromkostning="-1,5",
        kvote_optaget_kommunekode="",
        kvote_optaget_kommune="",
        kvote_optaget_besparelse="",
        ubrugte_undtagelser="",
        genvisitering="",
        erstattet_senere="",
    )
    cells.update(changes)
    text = ";".join(PLACERING_COLUMNS) + "\n" + ";".join(cells[c] for c in PLACERING_COLUMNS)
    return csvtext.parse(text + "\n", "p.csv")


def test_a_valid_placement_reads_back():
    kode, persons, record = read_placement(placement(), "A")
    assert (kode, persons) == (101, 2)
    assert record["alternative_kommune"] == 147
    assert record["alternative_extra_cost"] == -1.5
    assert record["alternative_priced"] == "move" and "taken_kommune" not in record
    taken = placement(kvote_optaget_kommunekode="461", kvote_optaget_besparelse="4")
    assert read_placement(taken, "A")[2].items() >= {("taken_kommune", 461), ("taken_saving", 4)}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"kommunekode": "99999"},
            ["p.csv, row 2, column kommunekode: 99999 is not the code of a Danish municipality"],
        ),
        ({"kommunekode": "1.5"}, ["p.csv, row 2, column kommunekode: '1.5' is not a kommunekode"]),
        ({"kommunekode": "inf"}, ["p.csv, row 2, column kommunekode: 'inf' is not a kommunekode"]),
        ({"persons": "1e400"}, ["p.csv, row 2, column persons: '1e400' is not a whole number"]),
        ({"persons": "nan"}, ["p.csv, row 2, column persons: 'nan' is not a whole number"]),
        ({"persons": "0"}, ["p.csv, row 2, column persons: a case has at least 1 person"]),
        (
            {"alternativ_kommunekode": "99999", "omkostning": "1e400", "term_wishes": "nan"},
            [
                "p.csv, row 2, column alternativ_kommunekode: 99999 is not the code of a Danish "
                "municipality",
                "p.csv, row 2, column omkostning: '1e400' is not a number",
                "p.csv, row 2, column term_wishes: 'nan' is not a number",
            ],
        ),
    ],
)
def test_a_bad_placement_row_is_an_input_error(changes, expected):
    with pytest.raises(InputError) as err:
        read_placement(placement(**changes), "A")
    assert [str(p) for p in err.value.problems] == expected
