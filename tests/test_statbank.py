"""The StatBank loader against recorded answers served on 127.0.0.1 (tests/fixtures/statbank/,
constructed to the documented format): the request, retries, and every failure a user can meet."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from statbank_server import FIXTURES, Answer
from typer.testing import CliRunner

from visitering.cli import app
from visitering.formats.csvtext import Dialect
from visitering.inputs import embedded
from visitering.report import grundlagsfil
from visitering.statbank.http import FetchError, StatbankClient
from visitering.statbank.tabeller import BEFOLKNING, INDVANDRERE, hent, parse_bulk

runner = CliRunner()
KOMMUNER = embedded.kommuner()
CLOCK = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def client(url: str, sleeps: list[float] | None = None, **options: float) -> StatbankClient:
    pauses = sleeps if sleeps is not None else []
    return StatbankClient(url, sleep=pauses.append, **options)


def test_fetch_reads_both_tables_and_checks_against_the_embedded_population(statbank):
    result = hent(client(statbank.url), 2025, KOMMUNER, lambda: CLOCK)
    embedded_2025 = embedded.embedded_grundlag(2025)
    # FOLK1A 2025K1 and FOLK1AM 2025M01 are the same count (1 January), so they must agree.
    assert result.befolkning == {g.kommune.kode: g.befolkning for g in embedded_2025.kommuner}
    assert sum(result.befolkning.values()) == 5_992_644  # data/README.md, 98 kommuner
    assert len(result.indvandrere) == 98 and result.indvandrere[101] == 65_572
    assert (result.hentet, result.url) == (CLOCK, f"{statbank.url}/data")


def test_the_requests_ask_for_1_january_and_the_documented_selection(statbank):
    hent(client(statbank.url), 2025, KOMMUNER, lambda: CLOCK)
    assert [r["path"] for r in statbank.requests] == ["/v1/data", "/v1/data"]
    folk1a, folk1e = statbank.requests
    common = {"format": "BULK", "lang": "da", "valuePresentation": "Code"}
    assert folk1a == {
        "path": "/v1/data",
        "table": "FOLK1A",
        **common,
        "variables": [
            {"code": "OMRÅDE", "values": ["*"]},
            {"code": "KØN", "values": ["TOT"]},
            {"code": "ALDER", "values": ["IALT"]},
            {"code": "CIVILSTAND", "values": ["TOT"]},
            {"code": "Tid", "values": ["2025K1"]},
        ],
    }
    assert folk1e["table"] == "FOLK1E"
    assert {"code": "HERKOMST", "values": ["25"]} in folk1e["variables"]
    assert {"code": "Tid", "values": ["2025K1"]} in folk1e["variables"]


def test_a_server_error_is_retried_with_exponential_backoff(statbank):
    statbank.answer(
        "FOLK1A",
        Answer(500, "error_500.html"),
        Answer(503),
        Answer(fixture="folk1a_2025K1.csv"),
    )
    sleeps: list[float] = []
    result = hent(client(statbank.url, sleeps, backoff=0.5), 2025, KOMMUNER, lambda: CLOCK)
    assert sum(result.befolkning.values()) == 5_992_644
    assert sleeps == [0.5, 1.0]
    assert [r["table"] for r in statbank.requests] == ["FOLK1A"] * 3 + ["FOLK1E"]


def test_too_many_requests_waits_as_long_as_retry_after_says(statbank):
    statbank.answer("FOLK1E", Answer(429, headers={"Retry-After": "7"}), OK_FOLK1E)
    sleeps: list[float] = []
    hent(client(statbank.url, sleeps), 2025, KOMMUNER, lambda: CLOCK)
    assert sleeps == [7.0]


OK_FOLK1E = Answer(fixture="folk1e_2025K1_herkomst25.csv")


def test_retries_are_bounded_and_the_error_says_what_happened(statbank):
    statbank.answer("FOLK1A", Answer(502))
    sleeps: list[float] = []
    with pytest.raises(FetchError) as caught:
        hent(client(statbank.url, sleeps, attempts=3), 2025, KOMMUNER)
    assert sleeps == [1.0, 2.0]
    assert len(statbank.requests) == 3
    assert str(caught.value) == (
        f"cannot retrieve FOLK1A from the StatBank API at {statbank.url}/data: HTTP 502 "
        "(tried 3 times). The service is down or overloaded; try again later."
    )


def test_an_error_answer_is_reported_at_once_with_the_apis_message(statbank):
    statbank.answer("FOLK1A", Answer(400, "error_400_extract_notfound.json"))
    sleeps: list[float] = []
    with pytest.raises(FetchError) as caught:
        hent(client(statbank.url, sleeps), 2031, KOMMUNER)
    assert sleeps == [] and len(statbank.requests) == 1
    assert str(caught.value) == (
        "the StatBank API refused the request for FOLK1A (HTTP 400, EXTRACT-NOTFOUND: Kan ikke "
        f"finde værdien: 2031K1 (Tid)) at {statbank.url}/data. The API or the table may have "
        "changed; check the table at https://www.statistikbanken.dk/ and report it."
    )


def test_no_answer_within_the_timeout_is_retried_then_reported(statbank):
    statbank.answer("FOLK1A", Answer(delay=1.0, fixture="folk1a_2025K1.csv"))
    sleeps: list[float] = []
    with pytest.raises(FetchError, match=r"FOLK1A .*: no answer within 0\.2 s \(tried 2 times\)"):
        hent(client(statbank.url, sleeps, timeout=0.2, attempts=2), 2025, KOMMUNER)
    assert sleeps == [1.0]


def test_offline_a_refused_connection_says_so():
    with socket.socket() as probe:  # a port on loopback that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(FetchError) as caught:
        hent(client(url, attempts=2), 2025, KOMMUNER)
    assert str(caught.value) == (
        f"cannot retrieve FOLK1A from the StatBank API at {url}/data: the connection was "
        "refused (tried 2 times). Are you offline? Without a network, write the inputs file by "
        "hand (see README, 'Your own figures')."
    )


def test_a_table_missing_a_municipality_names_it(statbank, tmp_path):
    statbank.answer("FOLK1E", Answer(fixture="folk1e_2025K1_missing_laesoe.csv"))
    out = tmp_path / "grundlag.csv"
    result = runner.invoke(
        app, ["data", "fetch", "--year", "2025", "--api-url", statbank.url, "--out", str(out)]
    )
    assert result.exit_code == 4
    assert result.stderr == (
        "error: FOLK1E 2025K1: the table is missing municipalities: 825 (Læsø)\n"
    )
    assert not out.exists()


def test_an_answer_with_labels_instead_of_codes_is_an_api_change():
    data = (FIXTURES / "folk1a_2025K1_labels.csv").read_bytes()
    with pytest.raises(FetchError) as caught:
        parse_bulk(data, BEFOLKNING, 2025, KOMMUNER)
    assert str(caught.value) == (
        "FOLK1A 2025K1: the API changed its answer: OMRÅDE holds names such as 'Hele landet', "
        "not codes (valuePresentation=Code was not honoured)"
    )


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            lambda t: t.replace("INDHOLD", "VALUE"),
            "the API changed its answer: expected the columns "
            "OMRÅDE;KØN;ALDER;HERKOMST;TID;INDHOLD, got OMRÅDE;KØN;ALDER;HERKOMST;TID;VALUE",
        ),
        (
            lambda t: re.sub(r"\n461;(.*);\d+", r"\n461;\1;..", t),
            "kommunekode 461 (Odense) has no count (INDHOLD '..')",
        ),
        (lambda t: t + "101;TOT;IALT;25;2025K1;1\r\n", "kommunekode 101 appears twice"),
        (
            lambda t: t.replace("\n147;TOT;IALT;25;2025K1", "\n147;TOT;IALT;25;2025K2"),
            "TID is '2025K2', asked for '2025K1'",
        ),
        (lambda t: t + "999;TOT;IALT;25;2025K1;1\r\n", "OMRÅDE '999' is not a known municipality"),
        (lambda t: "", "the API changed its answer: expected the columns"),
        (
            lambda t: t.replace("\n101;TOT;IALT;25", "\n101;TOT;IALT;24"),
            "line 4: HERKOMST is '24', asked for '25'",
        ),
        # Regressions: these crashed with a traceback instead of a FetchError.
        (lambda t: t + "4\u00b2;TOT;IALT;25;2025K1;1\r\n", "OMRÅDE '4²' is not a known"),
        (
            lambda t: re.sub(r"\n461;(.*);\d+", r"\n461;\1;" + "9" * 5000, t),
            "kommunekode 461 (Odense) has no count (INDHOLD a value of 5,000 characters)",
        ),
        (
            lambda t: t + '101;"' + "x" * 200_000 + '"\r\n',
            "the answer is not the expected CSV (field larger than field limit",
        ),
    ],
)
def test_every_deviation_from_the_documented_answer_is_caught(edit, problem):
    text = (FIXTURES / "folk1e_2025K1_herkomst25.csv").read_text(encoding="utf-8")
    with pytest.raises(FetchError, match=r"^FOLK1E 2025K1: ") as caught:
        parse_bulk(edit(text).encode("utf-8"), INDVANDRERE, 2025, KOMMUNER)
    assert problem in str(caught.value)


FOLK1A_TEXT = (FIXTURES / "folk1a_2025K1.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        # Regression (audit, stop 25): a body cut off in transit (no Content-Length) ended
        # with Hjørring's 63311 cut to 6331, and every other check accepted it.
        (
            lambda t: t.rstrip("\r\n")[:-1] + "\r\n",
            "Hele landet (000) is 5,992,734, but its municipalities sum to 5,935,754: a figure "
            "is wrong or was cut off; Region Nordjylland (081) is 592,768, but its "
            "municipalities sum to 535,788",
        ),
        (
            lambda t: t.replace("\n000;TOT;IALT;TOT;2025K1;5992734", "\n000;TOT;IALT;TOT;2025K1;1"),
            "Hele landet (000) is 1, but its municipalities sum to 5,992,734",
        ),
        (
            lambda t: re.sub(r"\n825;(.*);\d+", r"\n825;\1;0", t),
            "kommunekode 825 (Læsø) has population 0; every municipality has at least 1",
        ),
    ],
    ids=["cut-off", "country", "nobody"],
)
def test_municipal_figures_must_add_up_to_the_answers_own_totals(edit, problem):
    assert edit(FOLK1A_TEXT) != FOLK1A_TEXT
    with pytest.raises(FetchError, match=r"^FOLK1A 2025K1: ") as caught:
        parse_bulk(edit(FOLK1A_TEXT).encode("utf-8"), BEFOLKNING, 2025, KOMMUNER)
    assert problem in str(caught.value)


def test_the_totals_hold_with_christiansoe_in_region_hovedstaden():
    """DST counts Christiansø (411, in no kommune) in Hele landet and in Region Hovedstaden."""
    counts = parse_bulk(FOLK1A_TEXT.encode(), BEFOLKNING, 2025, KOMMUNER)
    assert sum(counts.values()) + 90 == 5_992_734


def test_an_answer_without_its_totals_is_refused():
    """An answer for OMRÅDE=* has the country's and the regions' totals.  Regression (data
    audit, stop 27): without them the totals check was skipped, and an answer whose last
    figure was cut (Hjørring 63311 → 6331) was written."""
    bare = "".join(
        line for line in FOLK1A_TEXT.splitlines(keepends=True)
        if not line.startswith(("000;", "081;", "082;", "083;", "084;", "085;", "411;"))
    )  # fmt: skip
    cut = bare.rstrip("\r\n")[:-1] + "\r\n"
    for text in (bare, cut):
        with pytest.raises(FetchError) as caught:
            parse_bulk(text.encode(), BEFOLKNING, 2025, KOMMUNER)
        assert str(caught.value) == (
            "FOLK1A 2025K1: the answer lacks the totals of 000, 081, 082, 083, 084, 085, which "
            "an answer for every area has: it may have been cut off"
        )


def test_more_immigrants_than_inhabitants_is_refused(statbank, tmp_path):
    folk1e = (FIXTURES / "folk1e_2025K1_herkomst25.csv").read_text(encoding="utf-8")
    # København raised to 700,000, and the country's and Hovedstaden's totals with it.
    old = int(re.search(r"\n101;.*;(\d+)", folk1e).group(1))
    for area in ("000", "084"):
        total = int(re.search(rf"\n{area};.*;(\d+)", folk1e).group(1))
        folk1e = re.sub(rf"\n{area};(.*);\d+", rf"\n{area};\g<1>;{total + 700_000 - old}", folk1e)
    folk1e = re.sub(r"\n101;(.*);\d+", r"\n101;\1;700000", folk1e)
    statbank.answer("FOLK1E", Answer(body=folk1e.encode()))
    result = fetch(statbank, tmp_path / "g.csv")
    assert (result.exit_code, result.stderr) == (
        4,
        "error: FOLK1E 2025K1 counts more immigrants than FOLK1A counts inhabitants: 101 "
        "(København): 700,000 immigrants but 667,099 inhabitants\n",
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--timeout", "-1", "--timeout: must be a positive number of seconds, got -1.0"),
        ("--timeout", "nan", "--timeout: must be a positive number of seconds, got nan"),
        ("--timeout", "inf", "--timeout: must be a positive number of seconds, got inf"),
        ("--timeout", "0", "--timeout: must be a positive number of seconds, got 0.0"),
        (
            "--api-url",
            "notaurl",
            "--api-url: 'notaurl' is not an http:// or https:// address (the default is "
            "https://api.statbank.dk/v1)",
        ),
    ],
)
def test_fetch_options_are_checked_before_asking(statbank, tmp_path, option, value, message):
    """Regression (audit, stop 25): these ended in a traceback (exit 1), or for 0 in a
    misleading "are you offline?"."""
    args = ["data", "fetch", "--year", "2025", "--out", str(tmp_path / "g.csv")]
    if option == "--timeout":
        args += ["--api-url", statbank.url]
    result = runner.invoke(app, [*args, option, value])
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: 1 problem in the input:\n  {message}\n",
    )
    assert statbank.requests == [] and list(tmp_path.iterdir()) == []


def test_a_trailing_slash_on_the_api_root_is_not_doubled(statbank):
    result = hent(client(statbank.url + "/"), 2025, KOMMUNER, lambda: CLOCK)
    assert result.url == f"{statbank.url}/data"


def test_bom_and_plain_line_ends_are_accepted():
    text = (FIXTURES / "folk1a_2025K1.csv").read_text(encoding="utf-8")
    plain = parse_bulk(text.encode("utf-8"), BEFOLKNING, 2025, KOMMUNER)
    bom = parse_bulk(("\ufeff" + text.replace("\r\n", "\n")).encode(), BEFOLKNING, 2025, KOMMUNER)
    assert plain == bom and len(plain) == 98


def test_a_year_before_the_tables_begin_is_refused_without_asking(statbank, tmp_path):
    out = str(tmp_path / "g.csv")
    result = runner.invoke(
        app, ["data", "fetch", "--year", "2007", "--api-url", statbank.url, "--out", out]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "error: 1 problem in the input:\n"
        "  --year: FOLK1A and FOLK1E start on 1 January 2008, got 2007\n"
    )
    assert statbank.requests == []


def test_an_output_path_that_cannot_be_written_is_refused_before_asking(statbank, tmp_path):
    # Regression (CLI audit, stop 26): `--out /tmp` was refused only after both downloads.
    result = fetch(statbank, tmp_path)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: 1 problem in the input:\n  {tmp_path}: is a directory; give a file name to write\n"
    )
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = fetch(statbank, tmp_path / "file" / "g.csv")
    assert result.exit_code == 2
    assert f"{tmp_path / 'file'}: is a file, not a directory" in result.stderr
    assert statbank.requests == []


def test_an_answer_that_breaks_off_is_retried(statbank):
    # Content-Length promises more than is sent: http.client raises IncompleteRead.
    broken = Answer(body=b"OMR", headers={"Content-Length": "1000"})
    statbank.answer("FOLK1A", broken, Answer(fixture="folk1a_2025K1.csv"))
    sleeps: list[float] = []
    hent(client(statbank.url, sleeps, timeout=5), 2025, KOMMUNER, lambda: CLOCK)
    assert sleeps == [1.0]


def fetch(statbank, out: Path, *extra: str):
    return runner.invoke(
        app,
        ["data", "fetch", "--year", "2025", "--api-url", statbank.url, "--out", str(out), *extra],
    )


def test_fetch_writes_an_inputs_file_the_quota_engine_reads(statbank, tmp_path):
    out = tmp_path / "grundlag_2025.csv"
    result = fetch(statbank, out)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"Wrote {out}: population (FOLK1A) and non-Western immigrants (FOLK1E, HERKOMST=25) on "
        "1 January 2025 for 98 municipalities, retrieved "
    )
    text = out.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[1] == "# data_year: 2025"
    assert lines[2].startswith("# retrieved: ") and f"from {statbank.url}/data" in lines[2]
    assert lines[3] == (
        "# P_k befolkning: DST FOLK1A, Tid 2025K1 (KØN=TOT, ALDER=IALT, CIVILSTAND=TOT), "
        "population on 1 January 2025"
    )
    assert lines[6] == "kommunekode;kommune;befolkning;indvandrere;familiesammenfoerte"
    assert lines[7] == "101;København;667099;65572;"

    quotas = runner.invoke(app, ["quotas", "--landstal", "600", "--inputs", str(out)])
    assert quotas.exit_code == 0, quotas.output
    assert quotas.stderr == (
        "warning: familiesammenfoerte (F_k, § 4 stk. 3) is empty for 98 of 98 municipalities in "
        f"{out.name} (101, 147, 151, 153, 155, ...); they are taken as 0 until you fill them in.\n"
    )
    for line in (
        f"Data: user inputs: {out.name}\n",
        "PROXY DATA - not official quotas: I_k does not apply US's exclusion of those who came "
        "in 1997 or later on a study, au-pair, trainee or work permit (not public); F_k is empty "
        "for 98 of 98 municipalities and taken as 0.\n",
        "I_k indvandrere: DST FOLK1E, Tid 2025K1 (KØN=TOT, ALDER=IALT, HERKOMST=25), immigrants "
        "from non-Western countries on 1 January 2025 (proxy: yes)\n",
        "Data year: 2025 (P_k on 1 January 2025, each column's source and date below)\n",
        "P_k befolkning: DST FOLK1A, Tid 2025K1 (KØN=TOT, ALDER=IALT, CIVILSTAND=TOT), "
        "population on 1 January 2025 (proxy: no)\n",
        f"F_k familiesammenfoerte: empty for 98 of 98 municipalities in {out.name}, taken as 0 "
        "(proxy: yes)\n",
    ):
        assert line in quotas.stdout


def test_filled_in_f_k_silences_the_warning_and_is_not_a_proxy(statbank, tmp_path):
    out = tmp_path / "grundlag.csv"
    assert fetch(statbank, out, "--csv-dialect", "standard").exit_code == 0
    filled = out.read_text(encoding="utf-8").replace(",\n", ",3\n")
    out.write_text(filled, encoding="utf-8")
    quotas = runner.invoke(app, ["quotas", "--landstal", "600", "--inputs", str(out), "--json"])
    assert quotas.exit_code == 0, quotas.output
    assert quotas.stderr == ""
    import json

    payload = json.loads(quotas.stdout)
    assert payload["data_aar"] == 2025
    assert payload["summer"]["familiesammenfoerte"] == 3 * 98
    assert [(k["symbol"], k["proxy"]) for k in payload["kolonner"]] == [
        ("P_k", False),
        ("I_k", True),
        ("F_k", False),
    ]


def test_same_answers_same_bytes_except_the_retrieval_time(statbank):
    first = hent(client(statbank.url), 2025, KOMMUNER, lambda: CLOCK)
    later = hent(client(statbank.url), 2025, KOMMUNER, lambda: datetime(2026, 3, 2, tzinfo=UTC))
    a = grundlagsfil.render(first, KOMMUNER, Dialect.DANISH)
    b = grundlagsfil.render(later, KOMMUNER, Dialect.DANISH)
    assert a != b
    differing = [(x, y) for x, y in zip(a.splitlines(), b.splitlines(), strict=True) if x != y]
    assert differing == [
        (
            f"# retrieved: 2026-03-01T12:00:00Z from {statbank.url}/data (Kilde: Danmarks "
            "Statistik, CC BY 4.0)".encode(),
            f"# retrieved: 2026-03-02T00:00:00Z from {statbank.url}/data (Kilde: Danmarks "
            "Statistik, CC BY 4.0)".encode(),
        )
    ]


def test_the_quota_path_does_not_load_the_statbank_client():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from visitering.cli import app\n"
        "CliRunner().invoke(app, ['quotas', '--landstal', '600'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('visitering.statbank')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
