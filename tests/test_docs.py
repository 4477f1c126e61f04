"""The domain reference the code cites: every ``docs/rules.md § N`` citation must resolve.

Regression (architecture audit, stop 28): the code cited ``rules.md`` about twenty times, and
the housing diagnosis printed "rules.md § 2 (housing)" as its legal source, but the file was
not in the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "rules.md"


def _sections() -> set[str]:
    text = RULES.read_text(encoding="utf-8")
    return set(re.findall(r"^## (\d+)\. ", text, flags=re.MULTILINE))


def _citations() -> list[tuple[Path, str, str]]:
    """(file, cited section, what follows) of every citation in the package and tests."""
    found = []
    for path in sorted([*ROOT.joinpath("visitering").rglob("*.py"), *ROOT.glob("tests/*.py")]):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"rules\.md`{0,2}\s+§ (\d+)(, \"([^\"]+)\")?", text):
            found.append((path, m.group(1), m.group(3) or ""))
    return found


def test_every_rules_citation_names_a_section_of_docs_rules_md():
    sections = _sections()
    assert sections == {"1", "2", "3"}
    text = RULES.read_text(encoding="utf-8")
    citations = _citations()
    assert len(citations) >= 10
    for path, section, topic in citations:
        assert section in sections, f"{path}: docs/rules.md has no § {section}"
        if topic:  # a named paragraph, e.g. "Timing"
            assert topic in text, f"{path}: docs/rules.md has no {topic!r}"


def test_the_package_cites_rules_md_by_its_path_in_the_repository():
    for path in sorted(ROOT.joinpath("visitering").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?<![/`])rules\.md", text), f"{path}: cite docs/rules.md"
