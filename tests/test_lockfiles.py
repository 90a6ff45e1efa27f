"""The generated project's committed lockfile is current and holds exactly what its answers need.

A stack whose facts name `option_packages` (Python) adds the packages of the
chosen database, cache, API style and auth to its manifest, and its lock holds
those and nothing else; a stack without them ships one lockfile for every answer.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.helpers.facts import ENABLED_LANGUAGES, STACKS, databases_for, facts_for, options_for
from tests.helpers.questions import QUESTIONS
from tests.helpers.tools import require

# The questions whose answers may add packages (extensions/backend_roadmap.py's `options`).
OPTION_QUESTIONS = ("database", "cache", "api_style", "auth")


def _option_packages(language: str) -> dict[str, set[str]]:
    """Per answer, the names of the packages it adds (runtime and dev)."""
    stack = STACKS[language]
    packages: dict[str, set[str]] = {}
    for table in ("option_packages", "option_dev_packages"):
        for value, requirements in stack.get(table, {}).items():
            names = {canonicalize_name(Requirement(requirement).name) for requirement in requirements}
            packages.setdefault(value, set()).update(names)
    return {value: names for value, names in packages.items() if names}


def _offered(language: str) -> list[tuple[str, str]]:
    """(question, answer) of every answer that adds packages and that copier offers with `language`
    (the option rows of extensions/stacks.py name the languages that implement each answer)."""
    packages = _option_packages(language)
    return [
        (question, value)
        for question in OPTION_QUESTIONS
        for value in options_for(language, question)
        if value in packages
    ]


def _default_packages(language: str) -> set[str]:
    """What the default answers add (jwt's packages, say): every default project holds them."""
    packages = _option_packages(language)
    defaults = {QUESTIONS[question]["default"] for question in OPTION_QUESTIONS}
    return set().union(*(packages.get(value, set()) for value in defaults))


WITH_OPTIONS = [language for language in ENABLED_LANGUAGES if _option_packages(language)]
WITHOUT_OPTIONS = [language for language in ENABLED_LANGUAGES if language not in WITH_OPTIONS]


def _lock_check(project: Path, language: str) -> None:
    stack = facts_for(language, "backend-roadmap-service")
    require(stack["commands"]["lock_check"].split()[0])
    result = subprocess.run(
        stack["commands"]["lock_check"],
        shell=True,
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f"{stack['paths']['lockfile']} of {project.name} is stale for the manifest; regenerate it "
        f"(for Python: uv run python scripts/relock_python.py):\n{result.stdout}{result.stderr}"
    )


class Lock:
    """A uv.lock: its packages, the project's own entry and what that entry's requirements reach."""

    def __init__(self, project: Path, language: str) -> None:
        data = tomllib.loads((project / facts_for(language)["paths"]["lockfile"]).read_text())
        self.packages = data["package"]
        self.names = {package["name"] for package in self.packages}
        [self.project] = [p for p in self.packages if p.get("source", {}).get("editable") == "."]
        self.roots = self.project.get("dependencies", []) + [
            dependency for group in self.project.get("dev-dependencies", {}).values() for dependency in group
        ]
        self.direct = {dependency["name"] for dependency in self.roots}

    def reach(self, roots: list[dict]) -> set[str]:
        """The names of the packages `roots` need, following `extra = [...]` into optional dependencies."""
        seen: set[tuple[str, str]] = set()
        stack = list(roots)
        while stack:
            dependency = stack.pop()
            for extra in ["", *dependency.get("extra", [])]:
                if (dependency["name"], extra) in seen:
                    continue
                seen.add((dependency["name"], extra))
                for package in self.packages:
                    if package["name"] == dependency["name"]:
                        if extra:
                            stack.extend(package.get("optional-dependencies", {}).get(extra, []))
                        else:
                            stack.extend(package.get("dependencies", []))
        return {name for name, _ in seen}

    def unneeded(self) -> set[str]:
        return self.names - self.reach(self.roots) - {self.project["name"]}


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_lockfile_matches_the_manifest(render, language):
    _lock_check(render(language=language), language)


@pytest.mark.parametrize("language", WITHOUT_OPTIONS)
def test_one_lockfile_serves_every_database(render, language):
    lockfile = facts_for(language)["paths"]["lockfile"]
    locks = {
        database: (render(language=language, database=database) / lockfile).read_text()
        for database in databases_for(language)
    }
    assert len(set(locks.values())) == 1, f"{lockfile} differs between databases {sorted(locks)}"


@pytest.mark.parametrize("language", WITH_OPTIONS)
def test_the_default_lock_holds_only_what_the_defaults_need(render, language):
    lock = Lock(render(language=language), language)
    assert not lock.unneeded(), f"the default project's lock holds packages nothing needs: {lock.unneeded()}"
    defaults = {QUESTIONS[question]["default"] for question in OPTION_QUESTIONS}
    for value, names in _option_packages(language).items():
        if value not in defaults:
            extra = (names - _default_packages(language)) & lock.direct
            assert not extra, f"the default project requires {extra} of {value!r}"


@pytest.mark.parametrize("language", WITH_OPTIONS)
def test_each_answer_locks_its_packages_and_the_default_does_not(render, language):
    offered = _offered(language)
    if not offered:
        pytest.skip(f"copier offers no answer that adds packages with {language} yet")
    default = Lock(render(language=language), language)
    packages = _option_packages(language)
    for question, value in offered:
        project = render(language=language, **{question: value})
        _lock_check(project, language)
        lock = Lock(project, language)
        chosen = f"{question}={value}"
        assert packages[value] <= lock.direct, f"{chosen}: the project does not require {packages[value]}"
        assert packages[value] <= lock.names, f"{chosen}: the lock lacks {packages[value] - lock.names}"
        assert not lock.unneeded(), f"{chosen}: the lock holds packages nothing needs: {lock.unneeded()}"
        # What only this answer's packages need (psycopg and its binary for PostgreSQL, say)...
        others = [dependency for dependency in lock.roots if dependency["name"] not in packages[value]]
        own = lock.names - lock.reach(others) - {lock.project["name"]}
        # ...minus what the default answers' own packages need as well (jwt's pyjwt and cffi,
        # say, which oauth2's pyjwt[crypto] needs too)...
        own -= default.reach([root for root in default.roots if root["name"] in _default_packages(language)])
        # ...is left out of a default project's lock (unless the answer is the default).
        if value != QUESTIONS[question]["default"]:
            assert not own & default.names, (
                f"the default project's lock holds {own & default.names} of {chosen}"
            )
