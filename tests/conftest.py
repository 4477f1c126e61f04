"""Shared fixtures: a tiny hand-computable country and the embedded 98-municipality data."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from visitering.domain import Fordelingsgrundlag, Kommune, KommuneGrundlag, Region
from visitering.inputs import embedded

X = Region(1, "Region X")
Y = Region(2, "Region Y")


def tiny_grundlag(
    befolkning: Sequence[int] = (500, 300, 150, 50),
    indvandrere: Sequence[int] = (100, 100, 100, 100),
    familiesammenfoerte: Sequence[int] = (10, 0, 0, 0),
) -> Fordelingsgrundlag:
    """Four municipalities A=11, B=12 (region X), C=21, D=22 (region Y)."""
    kommuner = [Kommune(11, "A", X), Kommune(12, "B", X), Kommune(21, "C", Y), Kommune(22, "D", Y)]
    rows = tuple(
        KommuneGrundlag(k, p, i, f)
        for k, p, i, f in zip(kommuner, befolkning, indvandrere, familiesammenfoerte, strict=True)
    )
    return Fordelingsgrundlag(rows, "tiny hand-computed example")


@pytest.fixture
def tiny() -> Fordelingsgrundlag:
    return tiny_grundlag()


@pytest.fixture(scope="session")
def real() -> Fordelingsgrundlag:
    return embedded.embedded_grundlag()


@pytest.fixture
def statbank():
    """A StatBank stand-in on 127.0.0.1 serving the recorded answers (tests/statbank_server.py)."""
    from statbank_server import FakeStatbank

    yield from FakeStatbank().run()


HEAVY = ("ortools", "pandas", "numpy", "openpyxl", "matplotlib", "numba")
"""Modules a light command must not import."""


def run_and_list_heavy(argv: Sequence[str]) -> tuple[str, list[str]]:
    """Run ``python -m visitering *argv`` in a fresh interpreter: its standard output, and
    which of :data:`HEAVY` it imported."""
    import json
    import subprocess
    import sys

    code = (
        f"import json, sys, runpy; sys.argv = ['visitering', *{list(argv)!r}]\n"
        "try:\n    runpy.run_module('visitering', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    body, _, last = out.stdout.rstrip("\n").rpartition("\n")
    return body, json.loads(last)
