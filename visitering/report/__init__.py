"""Presentation: terminal tables, export tables, explanations and JSON (no file access)."""
