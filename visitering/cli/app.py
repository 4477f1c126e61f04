"""The Typer application object shared by the command modules."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="visitering",
    help="Refugee placement quotas (kommunekvoter) under BEK nr. 550/2022, auditable to every "
    "intermediate number.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
