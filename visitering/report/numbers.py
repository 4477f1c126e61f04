"""Number formatting shared by the terminal, explanations and JSON."""

from __future__ import annotations

from fractions import Fraction

from visitering.formats.csvtext import Dialect, format_number


def dec(value: Fraction | int, decimals: int = 6) -> str:
    """``value`` with ``decimals`` places and a decimal point (exact rounding, half to even)."""
    return format_number(Fraction(value), decimals, Dialect.STANDARD)


def thousands(value: int) -> str:
    """An integer with thin-space-free thousands separators: ``6,025,511``."""
    return f"{value:,}"
