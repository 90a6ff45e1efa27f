"""README.md's feature table, built from test outcomes (node id -> passed, failed or skipped).

The one table builder: the pytest plugin (tests/helpers/feature_report.py) and the merge of a
sharded run's outcomes (tests/helpers/feature_merge.py) both go through `build_table` and
`settle_readme`, so a sharded full tier and a single run produce the same README.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from tests.features import FEATURES
from tests.helpers.facts import STACKS, TEMPLATE_ROOT

README = TEMPLATE_ROOT / "README.md"
BUILD = TEMPLATE_ROOT / "build"
REPORT = BUILD / "features.json"
START, END = "<!-- features:start -->", "<!-- features:end -->"
MARKS = {"yes": "✅", "no": "❌", "planned": "—", "not run": "?"}
LEGEND = "✅ verified by the test suite in CI · ❌ failing · — not offered yet (disabled in copier.yml)"


class Table(NamedTuple):
    markdown: str
    results: dict[str, dict[str, str]]
    # Every feature a language offers had at least one test run: only then may the README change.
    complete: bool


class Verdict(NamedTuple):
    ok: bool
    message: str | None


def _cell(outcomes: Mapping[str, str], patterns: list[str]) -> str | None:
    """'yes' when matching tests ran and all passed, 'no' when one failed, None when none ran."""
    matched = [outcome for nodeid, outcome in outcomes.items() if any(re.search(p, nodeid) for p in patterns)]
    if not matched:
        return None
    return "yes" if all(outcome == "passed" for outcome in matched) else "no"


def build_table(outcomes: Mapping[str, str]) -> Table:
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
            cell = _cell(outcomes, patterns)
            if cell is None:
                complete = False
            results[feature][language] = cell or "not run"
    header = "| feature | " + " | ".join(STACKS[lang]["label"] for lang in languages) + " |"
    rule = "|---|" + "---|" * len(languages)
    rows = [
        f"| {feature} | " + " | ".join(MARKS[results[feature][lang]] for lang in languages) + " |"
        for feature, _ in FEATURES
    ]
    return Table("\n".join([header, rule, *rows, "", LEGEND]), results, complete)


def write_report(table: Table, path: Path = REPORT) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {"complete": table.complete, "features": table.results}
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def settle_readme(table: Table, *, update: bool, readme: Path = README, how_to_update: str) -> Verdict:
    """Compare the README's table with `table`, or rewrite it when `update` and the run was complete.

    A run that did not cover every feature is never compared: it says nothing of what it skipped.
    """
    text = readme.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    wanted = f"{head}{START}\n{table.markdown}\n{END}{tail}"
    if update:
        if not table.complete:
            return Verdict(False, "README feature table NOT updated: this run did not cover every feature.")
        if wanted != text:
            readme.write_text(wanted)
            return Verdict(True, "README feature table updated from this run.")
        return Verdict(True, None)
    if table.complete and wanted != text:
        return Verdict(
            False,
            f"README.md's feature table does not match what this run verified; {how_to_update} "
            "and commit the result.",
        )
    return Verdict(True, None)
