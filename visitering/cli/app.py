"""The Typer application object shared by the command modules."""

from __future__ import annotations

import inspect
from typing import Any

import typer
from typer.core import TyperCommand

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


class OptionsOnce(TyperCommand):
    """A command that refuses an option given twice (Click takes the last one silently: a
    caseworker's ``--landstal 600 ... --landstal 6000`` placed against 6,000).  Options that
    may repeat (``multiple``, e.g. ``--re-place``) and flags are left alone."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        options = [p for p in self.params if p.param_type_name == "option"]
        valued = {n for p in options if not getattr(p, "is_flag", False) for n in p.opts}
        once = {
            n: p
            for p in options
            if not getattr(p, "multiple", False)
            for n in p.opts
            if n in valued
        }
        given: dict[str, list[str]] = {}
        at = 0
        while at < len(args):
            token = args[at]
            if token == "--":
                break  # the rest are arguments, as Click reads them
            if token in ctx.help_option_names:
                return list(super().parse_args(ctx, args))  # the help, whatever else is given
            name, eq, value = token.partition("=")
            if name in valued and not eq:
                at += 1  # the next token is this option's value, whatever it looks like
                value = args[at] if at < len(args) else ""
            if name in once:
                given.setdefault(once[name].name or name, []).append(f"{name} {value}".strip())
            at += 1
        for uses in given.values():
            if len(uses) > 1:
                raise typer.BadParameter(
                    f"given {len(uses)} times ({'; '.join(uses)}): give it once",
                    ctx=ctx,
                    param_hint=f"'{uses[0].split()[0]}'",
                )
        return list(super().parse_args(ctx, args))


def refuse_repeated_options(typer_app: typer.Typer) -> None:
    """Make every command an :class:`OptionsOnce`, the whole tree down."""
    for info in typer_app.registered_commands:
        info.cls = OptionsOnce
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            refuse_repeated_options(group.typer_instance)
