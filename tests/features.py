"""What the README's feature table claims, and which tests verify each claim, per language.

Patterns are regexes over pytest node ids. A language with no entry for a
feature shows as "not offered yet"; the template disables that choice.
"""

from __future__ import annotations

FEATURES: list[tuple[str, dict[str, list[str]]]] = [
    (
        "Questions validated, unfinished choices disabled with a reason",
        {"python": [r"^tests/test_questions\.py::"]},
    ),
    (
        "Defaults and every enabled choice render with no template residue",
        {"python": [r"^tests/test_render\.py::"]},
    ),
]
