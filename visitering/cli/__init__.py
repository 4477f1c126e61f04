"""Command-line interface: parses arguments, calls the library, maps errors to exit codes.

Exit codes: 0 success; 2 bad input (one message naming file, row and column of every problem,
and no output files written); 3 infeasible placement; 4 Danmarks Statistik could not be reached
or gave an unusable answer (``data fetch``).
"""

from __future__ import annotations

from visitering.cli import (  # noqa: F401  (registers commands)
    assign,
    cases,
    data,
    quotas,
    revise,
    scenario,
    simulate,
    ukraine,
)
from visitering.cli.app import app, reflow_help

reflow_help(app)


def main() -> None:
    """Entry point of the ``visitering`` console script."""
    app()
