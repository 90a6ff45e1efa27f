"""The README's feature table, produced from the tests that ran and passed.

Each feature names the tests that verify it, per language, as node-id
regexes. At the end of a run that covered every feature, the table built from
the outcomes is compared with README.md (a mismatch fails the run);
`--update-readme` rewrites the README's table instead. The outcomes are also
written to build/features.json. A sharded run (`--shard=I/N`) writes its raw
outcomes for the merge instead (tests/helpers/feature_shards.py):

    uv run --frozen python -m tests.helpers.feature_report merge build/features-shard-*.json
"""

from __future__ import annotations

import sys

import pytest

from tests.helpers.feature_shards import main, write_shard_outcomes
from tests.helpers.feature_table import build_table, settle_readme, write_report


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

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # Under xdist each worker sees only its share; the controller gets every report.
        if hasattr(self.config, "workerinput"):
            return
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        shard = self.config.getoption("shard", None)
        if shard is not None:
            # Written even when empty (the merge must see that this shard ran), but not for a
            # --collect-only, which ran nothing.
            if not self.config.option.collectonly:
                path = write_shard_outcomes(shard, self.outcomes)
                reporter.write_line(f"shard {shard}: outcomes written to {path} for the merge.")
            return
        if not self.outcomes:
            return
        table = build_table(self.outcomes)
        write_report(table)
        verdict = settle_readme(
            table,
            update=self.config.getoption("--update-readme"),
            how_to_update="run `uv run pytest --update-readme`",
        )
        if verdict.message:
            reporter.write_line(verdict.message, red=not verdict.ok)
        if not verdict.ok:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("shard", None) is not None and config.getoption("--update-readme"):
        raise pytest.UsageError(
            "--update-readme needs every feature, which one shard never covers: run the shards, then "
            "`python -m tests.helpers.feature_report merge build/features-shard-*.json --update-readme`"
        )
    config.pluginmanager.register(FeatureReport(config), "feature_report")


if __name__ == "__main__":
    sys.exit(main())
