"""copier.yml's questions and the choices they offer, read once for the tests."""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from tests.helpers.facts import TEMPLATE_ROOT

COPIER_YML: dict = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())

QUESTIONS: dict[str, dict] = {
    name: spec for name, spec in COPIER_YML.items() if not name.startswith("_") and isinstance(spec, dict)
}


def choices() -> Iterator[tuple[str, object, str | None]]:
    """(question, value, validator or None) for every choice of every question."""
    for question, spec in QUESTIONS.items():
        for choice in (spec.get("choices") or {}).values():
            if isinstance(choice, dict):
                yield question, choice["value"], choice.get("validator")
            else:
                yield question, choice, None
