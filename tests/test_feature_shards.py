"""The merge of a sharded run's outcomes (tests/helpers/feature_shards.py), on synthetic shards.

A two-feature, two-language table stands in for tests/features.py, and the README is a copy in
tmp_path: the merge must refuse, compare and rewrite exactly as a single run's plugin would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import feature_table
from tests.helpers.facts import TEMPLATE_ROOT
from tests.helpers.feature_shards import main, write_shard_outcomes
from tests.helpers.shard import Shard

FEATURES = [
    ("Renders", {"python": [r"test_render\[python"], "go": [r"test_render\[go"]}),
    ("Serves", {"python": [r"test_serve\[python"]}),
]
STACKS = {"python": {"label": "Python"}, "go": {"label": "Go"}, "java": {"label": "Java"}}
# One run's outcomes, spread over three shards the way --shard=I/3 splits a run.
SHARDS = {
    1: {"tests/t.py::test_render[python-sqlite]": "passed", "tests/t.py::test_questions": "passed"},
    2: {"tests/t.py::test_render[go-sqlite]": "passed", "tests/t.py::test_render[python-mysql]": "passed"},
    3: {"tests/t.py::test_serve[python-sqlite]": "passed"},
}
EXPECTED_TABLE = """| feature | Python | Go | Java |
|---|---|---|---|
| Renders | ✅ | ✅ | — |
| Serves | ✅ | — | — |"""


@pytest.fixture(autouse=True)
def synthetic_features(monkeypatch):
    monkeypatch.setattr(feature_table, "FEATURES", FEATURES)
    monkeypatch.setattr(feature_table, "STACKS", STACKS)


@pytest.fixture
def readme(tmp_path: Path) -> Path:
    path = tmp_path / "README.md"
    path.write_text(f"# Title\n\n{feature_table.START}\nold table\n{feature_table.END}\n\nAfter.\n")
    return path


def _shards(tmp_path: Path, shards: dict[int, dict[str, str]], count: int = 3) -> list[str]:
    return [str(write_shard_outcomes(Shard(i, count), outcomes, tmp_path)) for i, outcomes in shards.items()]


def _merge(tmp_path: Path, readme: Path, *args: str) -> int:
    return main(["merge", *args], readme=readme, report=tmp_path / "features.json")


def test_merge_rewrites_the_readme_table_only(tmp_path, readme):
    assert _merge(tmp_path, readme, *_shards(tmp_path, SHARDS), "--update-readme") == 0
    text = readme.read_text()
    assert text.startswith(f"# Title\n\n{feature_table.START}\n{EXPECTED_TABLE}\n\n")
    assert text.endswith(f"{feature_table.END}\n\nAfter.\n")
    report = json.loads((tmp_path / "features.json").read_text())
    assert report["complete"] is True
    assert report["features"]["Serves"] == {"python": "yes", "go": "planned", "java": "planned"}
    # Compared again, the rewritten README matches.
    assert _merge(tmp_path, readme, *_shards(tmp_path, SHARDS)) == 0


def test_merge_fails_when_the_readme_does_not_match(tmp_path, readme, capsys):
    before = readme.read_text()
    assert _merge(tmp_path, readme, *_shards(tmp_path, SHARDS)) == 1
    assert "does not match" in capsys.readouterr().err
    assert readme.read_text() == before


def test_a_failed_test_in_any_shard_shows_as_failing(tmp_path, readme):
    shards = {**SHARDS, 2: {**SHARDS[2], "tests/t.py::test_render[go-sqlite]": "failed"}}
    assert _merge(tmp_path, readme, *_shards(tmp_path, shards), "--update-readme") == 0
    assert "| Renders | ✅ | ❌ | — |" in readme.read_text()


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ({1: SHARDS[1], 3: SHARDS[3]}, "missing shard(s) 2/3"),
        ({1: SHARDS[1], 2: {}, 3: {"tests/t.py::test_questions": "passed"}}, "repeats tests"),
    ],
)
def test_merge_refuses_a_split_that_is_not_whole(tmp_path, readme, capsys, files, problem):
    before = readme.read_text()
    assert _merge(tmp_path, readme, *_shards(tmp_path, files), "--update-readme") == 1
    assert problem in capsys.readouterr().err
    assert readme.read_text() == before
    assert not (tmp_path / "features.json").exists()


def test_merge_refuses_shards_of_different_splits(tmp_path, readme, capsys):
    files = _shards(tmp_path, {1: SHARDS[1]}, count=1) + _shards(tmp_path, {1: {}, 2: {}}, count=2)
    assert _merge(tmp_path, readme, *files) == 1
    assert "different numbers of shards" in capsys.readouterr().err


def test_merge_refuses_the_same_shard_twice(tmp_path, readme, capsys):
    first = _shards(tmp_path / "a", {1: SHARDS[1]}, count=1)
    again = _shards(tmp_path / "b", {1: SHARDS[1]}, count=1)
    assert _merge(tmp_path, readme, *first, *again) == 1
    assert "given twice" in capsys.readouterr().err


def test_merge_refuses_to_update_the_readme_from_an_incomplete_run(tmp_path, readme, capsys):
    # Every shard is there, but no test of "Serves" ran.
    shards = {1: SHARDS[1], 2: SHARDS[2], 3: {}}
    before = readme.read_text()
    assert _merge(tmp_path, readme, *_shards(tmp_path, shards), "--update-readme") == 1
    assert "did not cover every feature" in capsys.readouterr().err
    assert readme.read_text() == before
    assert json.loads((tmp_path / "features.json").read_text())["complete"] is False


def test_merge_rejects_a_file_that_is_not_shard_outcomes(tmp_path, readme, capsys):
    bogus = tmp_path / "features.json"
    bogus.write_text(json.dumps({"complete": True, "features": {}}))
    assert _merge(tmp_path, readme, str(bogus)) == 1
    assert "not a shard outcomes file" in capsys.readouterr().err


def test_merge_command_line_exits_non_zero_on_missing_shards(tmp_path):
    """The documented command, end to end; its refusal happens before any README or report is touched."""
    files = _shards(tmp_path, {2: SHARDS[2]})
    result = subprocess.run(
        [sys.executable, "-m", "tests.helpers.feature_report", "merge", *files],
        cwd=TEMPLATE_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "missing shard(s) 1/3, 3/3" in result.stderr
