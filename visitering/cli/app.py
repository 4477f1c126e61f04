"""The Typer application object shared by the command modules."""

from __future__ import annotations

import inspect

import typer

app = typer.Typer(
    name="visitering",
    help="Refugee placement quotas (kommunekvoter) under BEK nr. 550/2022, auditable to every "
    "intermediate number.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def reflow_help(typer_app: typer.Typer) -> None:
    """Make every command's docstring paragraphs one line each, the whole tree down.

    Typer renders help in Rich mode with the source's line breaks kept after the first
    paragraph (and in the command lists), so a docstring wrapped at 100 columns came out
    ragged in an 80-column terminal; joined, the terminal wraps each paragraph as a whole.
    """
    for info in typer_app.registered_commands:
        text = info.help or inspect.getdoc(info.callback) or ""
        paragraphs = inspect.cleandoc(text).split("\n\n")
        info.help = "\n\n".join(" ".join(p.split()) for p in paragraphs)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            reflow_help(group.typer_instance)
