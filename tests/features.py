"""What the README's feature table claims, and which tests verify each claim, per language.

Patterns are regexes over pytest node ids. A language with no entry for a
feature shows as "not offered yet"; the template disables that choice.
"""

from __future__ import annotations

STATIC = r"^tests/test_static_checks\.py::"

FEATURES: list[tuple[str, dict[str, list[str]]]] = [
    (
        "Questions validated; unfinished choices disabled with a reason",
        {"python": [r"^tests/test_questions\.py::"]},
    ),
    (
        "Defaults and every enabled choice render, no template residue",
        {"python": [r"^tests/test_render\.py::"]},
    ),
    (
        "Generated `make test` passes (SQLite)",
        {"python": [r"^tests/test_e2e\.py::.*\[python-sqlite\]"]},
    ),
    (
        "Generated `make test` passes against a real PostgreSQL",
        {"python": [r"^tests/test_e2e\.py::.*\[python-postgresql\]"]},
    ),
    (
        "Generated `make test` passes with other resource and project names (irregular plurals, long slugs)",
        {"python": [r"^tests/test_e2e\.py::test_generated_make_test_passes_with_other_names\[.*python"]},
    ),
    (
        "Generated `make lint` (linter, formatter check, type checker) and `make build` pass",
        {"python": [r"^tests/test_e2e\.py::test_generated_make_lint_and_build_pass\[python-"]},
    ),
    (
        "Service contract suite passes (SQLite): probes, metrics, CRUD, problem details, JWT, logs, SIGTERM",
        {"python": [r"^tests/contract/.*\[python-sqlite"]},
    ),
    (
        "Service contract suite passes against a real PostgreSQL",
        {"python": [r"^tests/contract/.*\[python-postgresql"]},
    ),
    (
        "Committed lockfile matches the manifest; one lockfile serves every database",
        {"python": [r"^tests/test_lockfiles\.py::.*\[python\]"]},
    ),
    (
        "Dockerfile played stage by stage (no Docker engine): non-root image from build artifacts only, HEALTHCHECK passes, probes answer, SIGTERM exits 0",
        {"python": [r"^tests/test_image\.py::.*\[python\]"]},
    ),
    ("Dockerfile passes hadolint", {"python": [STATIC + r"test_hadolint"]}),
    ("CI workflow passes actionlint", {"python": [STATIC + r"test_actionlint"]}),
    ("compose.yaml matches the compose spec", {"python": [STATIC + r"test_compose"]}),
    ("Terraform is `terraform fmt` clean and parses", {"python": [STATIC + r"test_terraform"]}),
    (
        "Prometheus config and rules pass promtool; alert unit tests pass",
        {"python": [STATIC + r"test_promtool"]},
    ),
    (
        "Port, health and metrics paths agree across Dockerfile, compose, Prometheus, Terraform, CI, Makefile",
        {"python": [r"^tests/test_wiring\.py::"]},
    ),
    (
        "Real Prometheus scrapes the service; every alert and dashboard query evaluates on real series",
        {"python": [r"^tests/test_prometheus_live\.py::"]},
    ),
]
