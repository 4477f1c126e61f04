"""Every help text reaches the terminal whole and wrapped as prose.

Typer renders help as Rich markup, in which a bracketed word such as ``[simulering]`` is a
style tag and vanishes unless escaped (``\\[``): ``--scenario`` once read "Scenario TOML with
and .".  And it keeps a docstring's line breaks after its first paragraph, which came out
ragged in an 80-column terminal until :func:`visitering.cli.app.reflow_help`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from rich.text import Text
from typer.testing import CliRunner

from visitering.cli import app

runner = CliRunner()


def _help_texts(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """(where, text) of every command's and parameter's help, the whole tree down."""
    where = " ".join(("visitering", *path))
    yield where, getattr(command, "help", None) or ""
    for param in getattr(command, "params", []):
        yield f"{where} {param.name}", getattr(param, "help", None) or ""
    for name, sub in getattr(command, "commands", {}).items():
        yield from _help_texts(sub, (*path, name))


def test_no_help_text_loses_words_to_rich_markup():
    texts = list(_help_texts(typer.main.get_command(app)))
    assert len(texts) > 100  # the walk reaches every command and option
    lost = [
        (where, text)
        for where, text in texts
        if Text.from_markup(text).plain != text.replace("\\[", "[")
    ]
    assert lost == []


def _shown(*args: str) -> str:
    """What ``visitering ARGS`` prints, its panel borders and line wrapping undone."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0
    return " ".join(result.stdout.replace("│", " ").split())


def test_scenario_sections_are_named_in_the_help():
    assign = _shown("assign", "--help")
    assert (
        "Scenario TOML with [visitering.weights] and [visitering.parameters]; its [kvoter] "
        "section (with [data]) gives the quotas when neither --quotas, --landstal nor an "
        "existing --ledger does."
    ) in assign
    assert "Scenario TOML with a [simulering] section." in _shown("simulate", "--help")


def test_every_help_paragraph_is_one_line_for_the_terminal_to_wrap():
    texts = list(_help_texts(typer.main.get_command(app)))
    broken = [
        (where, text)
        for where, text in texts
        if any("\n" in paragraph for paragraph in text.split("\n\n"))
    ]
    assert broken == []
    # The second paragraph of ``data fetch`` fills its lines (it broke after "with").
    result = runner.invoke(app, ["data", "fetch", "--help"])
    assert " municipality, with the tables, the date and the retrieval time recorded in the " in (
        result.stdout
    )


@pytest.mark.parametrize(
    "args",
    [
        ("cases", "synth", "--n", "1.000", "--out", "x.csv"),
        ("cases", "synth", "--n", "5", "--first-id", "1,000", "--out", "x.csv"),
        ("ukraine", "--block-size", "10.000"),
        ("simulate", "scenarios/simulering_2026.toml", "--runs", "1.000"),
        ("quotas", "--data-year", "2.025"),
        ("data", "fetch", "--year", "2.025"),
    ],
)
def test_a_danish_thousands_separator_is_refused_not_read_as_a_smaller_number(args, tmp_path):
    """Regression (CLI audit, stop 26): Typer's int conversion read "10.000" as 10, so
    ``ukraine --block-size 10.000`` computed a block of 10 persons and ``cases synth --n 1.000``
    wrote one case, both with exit code 0."""
    result = CliRunner().invoke(app, [a if a != "x.csv" else str(tmp_path / a) for a in args])
    assert result.exit_code == 2
    words = " ".join(result.stderr.replace("│", " ").split())  # Rich wraps the error box
    assert "is not a whole number (write it without a thousands separator)" in words
    assert not (tmp_path / "x.csv").exists()


def _commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every command, the whole tree down."""
    subs = getattr(command, "commands", {})
    if not subs:
        yield path
    for name, sub in subs.items():
        yield from _commands(sub, (*path, name))


def test_a_flag_shows_no_value_in_the_help():
    """Regression (noticed at stop 28): Typer showed "--allow-overshoot <bool>" as if a value
    followed the flag, and "--allow-overshoot true" is refused.  Only Typer's own --help keeps
    it."""
    paths = list(_commands(typer.main.get_command(app)))
    assert len(paths) > 10
    shown = {path: _shown(*path, "--help") for path in paths}
    assert {path for path, text in shown.items() if text.count("<bool>") > 1} == set()
    assert "--allow-overshoot Place everyone" in shown[("assign",)]
