"""The README's feature table, produced from the tests that ran and passed.

Each feature names the tests that verify it, per language, as node-id
regexes. At the end of a run that covered every feature, the table built from
the outcomes is compared with README.md (a mismatch fails the run);
`--update-readme` rewrites the README's table instead. The outcomes are also
written to build/features.json.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.features import FEATURES
from tests.helpers.facts import STACKS, TEMPLATE_ROOT

README = TEMPLATE_ROOT / "README.md"
REPORT = TEMPLATE_ROOT / "build" / "features.json"
START, END = "<!-- features:start -->", "<!-- features:end -->"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-readme", action="store_true", help="rewrite README.md's feature table from this run"
    )


class FeatureReport:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.outcomes: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        elif report.when == "call" and report.nodeid not in self.outcomes:
            self.outcomes[report.nodeid] = "skipped" if report.skipped else "passed"

    def _cell(self, patterns: list[str]) -> str | None:
        """'yes' when matching tests ran and all passed, 'no' when one failed, None when none ran."""
        matched = [
            outcome
            for nodeid, outcome in self.outcomes.items()
            if any(re.search(p, nodeid) for p in patterns)
        ]
        if not matched:
            return None
        return "yes" if all(outcome == "passed" for outcome in matched) else "no"

    def table(self) -> tuple[str, dict, bool]:
        languages = list(STACKS)
        results: dict[str, dict[str, str]] = {}
        complete = True
        for feature, per_language in FEATURES:
            results[feature] = {}
            for language in languages:
                patterns = per_language.get(language)
                if not patterns:
                    results[feature][language] = "planned"
                    continue
                cell = self._cell(patterns)
                if cell is None:
                    complete = False
                results[feature][language] = cell or "not run"
        marks = {"yes": "✅", "no": "❌", "planned": "—", "not run": "?"}
        header = "| feature | " + " | ".join(STACKS[lang]["label"] for lang in languages) + " |"
        rule = "|---|" + "---|" * len(languages)
        rows = [
            f"| {feature} | " + " | ".join(marks[results[feature][lang]] for lang in languages) + " |"
            for feature, _ in FEATURES
        ]
        legend = (
            "✅ verified by the test suite in CI · ❌ failing · — not offered yet (disabled in copier.yml)"
        )
        return "\n".join([header, rule, *rows, "", legend]), results, complete

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # Under xdist each worker sees only its share; the controller gets every report.
        if not self.outcomes or hasattr(self.config, "workerinput"):
            return
        table, results, complete = self.table()
        REPORT.parent.mkdir(exist_ok=True)
        REPORT.write_text(
            json.dumps({"complete": complete, "features": results}, indent=2, ensure_ascii=False) + "\n"
        )
        text = README.read_text()
        head, _, rest = text.partition(START)
        _, _, tail = rest.partition(END)
        wanted = f"{head}{START}\n{table}\n{END}{tail}"
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if self.config.getoption("--update-readme"):
            if not complete:
                reporter.write_line(
                    "README feature table NOT updated: this run did not cover every feature.", red=True
                )
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
            elif wanted != text:
                README.write_text(wanted)
                reporter.write_line("README feature table updated from this run.")
        elif complete and wanted != text:
            reporter.write_line(
                "README.md's feature table does not match what this run verified; "
                "run `uv run pytest --update-readme` and commit the result.",
                red=True,
            )
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(FeatureReport(config), "feature_report")
