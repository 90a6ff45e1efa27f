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
CACHES = stacks.CACHES
OPTIONS = stacks.OPTIONS
AUTHS = stacks.AUTHS
CLOUDS = stacks.CLOUDS
ENABLED_LANGUAGES = [key for key, row in STACKS.items() if row["enabled"]]
ENABLED_DATABASES = [key for key, row in DATABASES.items() if row["enabled"]]
facts_for = stacks.facts_for


def options_for(language: str, question: str) -> list[str]:
    """The enabled answers to `question` (database, cache, api_style, auth) the language implements."""
    return [key for key, row in OPTIONS[question].items() if row["enabled"] and language in row["languages"]]


def databases_for(language: str) -> list[str]:
    """The enabled databases the language's service implements."""
    return options_for(language, "database")


# Every (language, database) a learner can choose.
SUPPORTED = [(language, database) for language in ENABLED_LANGUAGES for database in databases_for(language)]
