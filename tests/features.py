"""What the README's feature table claims, and which tests verify each claim, per language.

Patterns are regexes over pytest node ids, with `{lang}` standing for the language key. Only
enabled languages get patterns; the others show as "not offered yet" (copier.yml disables them).
"""

from __future__ import annotations

from tests.helpers.facts import ENABLED_LANGUAGES, databases_for, options_for

STATIC = r"^tests/test_static_checks\.py::"


def each_language(*patterns: str) -> dict[str, list[str]]:
    return {lang: [pattern.format(lang=lang) for pattern in patterns] for lang in ENABLED_LANGUAGES}


def each_language_with(database: str, *patterns: str) -> dict[str, list[str]]:
    """Patterns for the languages that implement `database`; the others show as not offered."""
    return {
        lang: [pattern.format(lang=lang) for pattern in patterns]
        for lang in ENABLED_LANGUAGES
        if database in databases_for(lang)
    }


def each_language_offering(question: str, value: str, *patterns: str) -> dict[str, list[str]]:
    """Patterns for the languages that implement answer `value` to `question`; the others show as not offered."""
    return {
        lang: [pattern.format(lang=lang) for pattern in patterns]
        for lang in ENABLED_LANGUAGES
        if value in options_for(lang, question)
    }


FEATURES: list[tuple[str, dict[str, list[str]]]] = [
    (
        "Questions validated; unfinished choices disabled with a reason",
        each_language(r"^tests/test_questions\.py::"),
    ),
    (
        "Defaults and every enabled choice render, no template residue",
        each_language(r"^tests/test_render\.py::"),
    ),
    (
        "Generated `make test` passes (SQLite)",
        each_language(r"^tests/test_e2e\.py::test_generated_make_test_passes\[{lang}-sqlite\]"),
    ),
    (
        "Generated `make test` passes against a real PostgreSQL",
        each_language_with(
            "postgresql", r"^tests/test_e2e\.py::test_generated_make_test_passes\[{lang}-postgresql\]"
        ),
    ),
    (
        "Generated `make test` passes against a real MySQL-compatible server (MariaDB)",
        each_language_with("mysql", r"^tests/test_e2e\.py::test_generated_make_test_passes\[{lang}-mysql\]"),
    ),
    (
        "Generated `make test` passes with other resource and project names (irregular plurals, long slugs)",
        each_language(r"^tests/test_e2e\.py::test_generated_make_test_passes_with_other_names\[.*{lang}"),
    ),
    (
        "Generated `make lint` (linter, formatter check, type checker) and `make build` pass",
        each_language(r"^tests/test_e2e\.py::test_generated_make_lint_and_build_pass\[{lang}-"),
    ),
    (
        "Service contract suite passes (SQLite): probes, metrics, CRUD, problem details, JWT, logs, SIGTERM",
        each_language(r"^tests/contract/.*\[{lang}-sqlite"),
    ),
    (
        "Service contract suite passes against a real PostgreSQL",
        each_language_with("postgresql", r"^tests/contract/.*\[{lang}-postgresql"),
    ),
    (
        "Service contract suite passes against a real MySQL-compatible server (MariaDB)",
        each_language_with("mysql", r"^tests/contract/.*\[{lang}-mysql"),
    ),
    (
        "GraphQL API at /graphql: the documented schema (introspected), queries and mutations, JWT on writes, coded errors, depth and alias limits",
        each_language_offering(
            "api_style",
            "graphql",
            r"^tests/contract/test_contract_graphql\.py::.*\[{lang}-sqlite-api_style=graphql",
        ),
    ),
    (
        "Generated `make test` and `make lint` pass with the GraphQL API",
        each_language_offering(
            "api_style",
            "graphql",
            r"^tests/test_e2e\.py::test_generated_make_test_passes\[{lang}-sqlite-api_style=graphql\]",
            r"^tests/test_e2e\.py::test_generated_make_lint_and_build_pass\[{lang}-sqlite-api_style=graphql-",
        ),
    ),
    (
        "Committed lockfile matches the manifest for every answer",
        each_language(r"^tests/test_lockfiles\.py::.*\[{lang}\]"),
    ),
    (
        "Dockerfile played stage by stage (no Docker engine): non-root image from build artifacts only, HEALTHCHECK passes, probes answer, SIGTERM exits 0",
        each_language(r"^tests/test_image\.py::.*\[{lang}\]"),
    ),
    ("Dockerfile passes hadolint", each_language(STATIC + r"test_hadolint\[{lang}")),
    ("CI workflow passes actionlint", each_language(STATIC + r"test_actionlint\[{lang}")),
    ("compose.yaml matches the compose spec", each_language(STATIC + r"test_compose.*\[{lang}")),
    ("Terraform is `terraform fmt` clean and parses", each_language(STATIC + r"test_terraform.*\[{lang}")),
    (
        "Prometheus config and rules pass promtool; alert unit tests pass",
        each_language(STATIC + r"test_promtool.*\[{lang}"),
    ),
    (
        "Port, health and metrics paths agree across Dockerfile, compose, Prometheus, Terraform, CI, Makefile",
        each_language(r"^tests/test_wiring\.py::test_wiring\[[a-z]+-{lang}"),
    ),
    (
        "Real Prometheus scrapes the service; every alert and dashboard query evaluates on real series",
        each_language(r"^tests/test_prometheus_live\.py::.*\[{lang}\]"),
    ),
]
