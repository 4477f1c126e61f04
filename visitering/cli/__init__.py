"""Command-line interface: parses arguments, calls the library, maps errors to exit codes.

Exit codes: 0 success; 2 bad input (one message naming file, row and column of every problem,
and no output files written); 3 infeasible placement; 4 Danmarks Statistik could not be reached
or gave an unusable answer (``data fetch``); 5 the ledger kept changing under other runs, nothing
recorded; 6 the result could not be printed (standard output full or closed), what was done
before it stands.

Everything printed is UTF-8, whatever the locale: the same input gives the same bytes.
"""

from __future__ import annotations

import sys

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
from visitering.cli.app import app, reflow_help, refuse_repeated_options

reflow_help(app)
refuse_repeated_options(app)


def main() -> None:
    """Entry point of the ``visitering`` console script: standard output and error in UTF-8
    (a Latin-1 locale made the JSON Latin-1, and '→' or 'Σ' crashed the text after a batch
    was recorded), then the app."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")
    app()
