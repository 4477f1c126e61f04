"""Checks of TOML values that name the dotted key path of every problem.

A scenario problem reads ``scenarios/x.toml: kvoter.revisions[1].landstal: expected a positive
whole number, got "abc"``: the file, the key as a reader would look it up, what was expected and
what was found (TOML spelling), so a typo can be fixed without reading code.

:class:`FileRefs` reads the CSV files a scenario names, relative to it; their problems keep their
own file, row and column.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from visitering.errors import InputError, Problem
from visitering.formats import csvtext

Reader = Callable[[Path], bytes]
"""Reads a file a scenario refers to (the CLI passes :func:`visitering.io.read_input`)."""


def show(value: Any) -> str:
    """A value as TOML writes it (``"abc"``, ``true``, ``2016-08-31``, ``[1, 2]``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} = {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


class Checker:
    """Collects problems of one scenario document; every message starts with its key path."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def add(self, key: str, message: str) -> None:
        self.problems.append(Problem(f"{key}: {message}" if key else message, self.source))

    def expected(self, key: str, what: str, value: Any) -> None:
        """``value`` is not ``what`` was expected (``None``: the key is missing)."""
        if value is None:
            self.add(key, f"missing; expected {what}")
        else:
            self.add(key, f"expected {what}, got {show(value)}")

    def table(self, parent: Mapping[str, Any], key: str, path: str) -> dict[str, Any] | None:
        """``parent[key]`` if it is a table (absent: ``None``)."""
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.expected(path, "a table", value)
            return None
        return value

    def unknown(self, table: Mapping[str, Any], known: Iterable[str], prefix: str) -> None:
        """Every key of ``table`` not in ``known`` is a problem (typo protection)."""
        names = sorted(known)
        for key in sorted(set(table) - set(names)):
            self.add(f"{prefix}{key}", f"unknown key; expected one of {', '.join(names)}")

    def whole(self, value: Any, key: str, minimum: int = 1) -> int | None:
        """A whole number ≥ ``minimum`` (1: positive, 0: non-negative)."""
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            what = "a positive whole number" if minimum == 1 else f"a whole number >= {minimum}"
            self.expected(key, what, value)
            return None
        return value

    def text(self, value: Any, key: str) -> str | None:
        if not isinstance(value, str):
            self.expected(key, "a string", value)
            return None
        return value

    def flag(self, value: Any, key: str) -> bool | None:
        if not isinstance(value, bool):
            self.expected(key, "true or false", value)
            return None
        return value

    def date(self, value: Any, key: str) -> dt.date | None:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            self.expected(key, "a date such as 2016-08-31", value)
            return None
        return value


class FileRefs:
    """Reads the CSV files a scenario names; their own problems keep their file, row, column."""

    def __init__(self, checker: Checker, read: Reader | None, base: Path | None) -> None:
        self.checker, self.read, self.base = checker, read, base

    def table(
        self,
        name: str,
        key: str,
        aliases: dict[str, str] | None = None,
        known: Collection[str] | None = None,
    ) -> csvtext.Table | None:
        if self.read is None:
            self.checker.add(key, "a file can only be named in a scenario read from a file")
            return None
        path = (self.base or Path()) / name
        try:
            data = self.read(path)
            text, encoding = csvtext.decode(data, str(path))
            return csvtext.parse(text, str(path), aliases=aliases, encoding=encoding, known=known)
        except InputError as exc:
            self.checker.problems.extend(self._named(exc.problems, key))
            return None

    def _named(self, problems: Iterable[Problem], key: str) -> Iterator[Problem]:
        """``problems`` of a file as a whole (not found, empty, not text) say which key of the
        scenario named the file; a row's problem names its row and column instead."""
        named = f" (named by {key} in {self.checker.source})"
        for p in problems:
            yield p if p.row is not None else replace(p, message=p.message + named)

    def load(
        self,
        name: str,
        key: str,
        convert: Callable[[csvtext.Table], Any],
        known: Collection[str] | None = None,
    ) -> Any:
        table = self.table(name, key, known=known)
        if table is None:
            return None
        try:
            return convert(table)
        except InputError as exc:
            self.checker.problems.extend(exc.problems)
            return None
