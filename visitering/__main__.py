"""``python -m visitering`` runs the command-line interface."""

from visitering.cli import main

if __name__ == "__main__":  # worker processes started with spawn import this module again
    main()
