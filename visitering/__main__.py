"""``python -m visitering`` runs the command-line interface."""

from visitering.cli import main

main()
