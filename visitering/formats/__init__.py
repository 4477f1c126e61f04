"""Text and binary formats: parsing input tables and rendering exports (no file access)."""
