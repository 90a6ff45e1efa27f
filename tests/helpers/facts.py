"""The template's own facts table and naming rules, imported the way copier loads them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(
        f"backend_roadmap_{name}", TEMPLATE_ROOT / "extensions" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


stacks = _load("stacks")
naming = _load("naming")

CONTRACT = stacks.CONTRACT
STACKS = stacks.STACKS
DATABASES = stacks.DATABASES
ENABLED_LANGUAGES = [key for key, row in STACKS.items() if row["enabled"]]
ENABLED_DATABASES = [key for key, row in DATABASES.items() if row["enabled"]]
facts_for = stacks.facts_for


def databases_for(language: str) -> list[str]:
    """The enabled databases the language's service implements."""
    return [key for key in ENABLED_DATABASES if language in DATABASES[key]["languages"]]


# Every (language, database) a learner can choose.
SUPPORTED = [(language, database) for language in ENABLED_LANGUAGES for database in databases_for(language)]
