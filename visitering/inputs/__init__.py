"""Validated inputs: the embedded dataset and user-supplied tables, checked in full."""
