"""`copier update` on a generated project: template changes arrive, the learner's edits stay.

Each test releases a throw-away git copy of this template (tag v1.0.0), renders a project from
it and commits it as a learner would, edits the project, releases a second template version and
updates. Nothing here reaches the network: the template is a local git repository.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from copier import run_copy, run_update

from tests.helpers.combinations import DIMENSIONS
from tests.helpers.facts import ENABLED_LANGUAGES, TEMPLATE_ROOT, options_for
from tests.helpers.questions import QUESTIONS

SLUG = "demo-svc"


@dataclass(frozen=True)
class AppCode:
    """A source file of the generated project, its template, and the learner's addition to it."""

    path: str
    template: str
    first_line: str  # a line the template's next version rewords
    addition: str


APP_CODE = {
    "python": AppCode(
        "src/demo_svc/about.py",
        'template/{% if language == "python" %}src{% endif %}/{{ project_slug | snake }}/about.py.jinja',
        '"""The project\'s name and description, from the answers given to the template."""',
        '\n\ndef greeting() -> str:\n    return f"Hello from {TITLE}"\n',
    ),
    "go": AppCode(
        "internal/config/config.go",
        'template/{% if language == "go" %}internal{% endif %}/config/config.go',
        "// Package config reads the service's settings from the environment (see docs/contract.md).",
        '\n// Greeting is the learner\'s own code.\nfunc Greeting() string { return "hello" }\n',
    ),
}
# What the template needs to render; its own tests and tools stay out of the copy.
TEMPLATE_PARTS = ("copier.yml", "extensions", "licenses", "template")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Update Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "update-test@example.invalid")


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """This template as a git repository with one release, v1.0.0."""
    repo = tmp_path / "template-repo"
    repo.mkdir()
    for part in TEMPLATE_PARTS:
        source = TEMPLATE_ROOT / part
        if source.is_dir():
            shutil.copytree(source, repo / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, repo / part)
    git(repo, "init", "-q", "-b", "main")
    release(repo, "v1.0.0", {})
    return repo


def release(repo: Path, tag: str, edits: dict[str, tuple[str, str]]) -> None:
    """Commit `edits` ({path: (old, new)}, each old text present once) and tag the commit."""
    for path, (old, new) in edits.items():
        file = repo / path
        text = file.read_text()
        assert text.count(old) == 1, f"{path}: {old!r} must occur once to be edited"
        file.write_text(text.replace(old, new))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", f"release {tag}")
    git(repo, "tag", tag)


def render(template: Path, destination: Path, **answers: str) -> Path:
    run_copy(
        str(template),
        destination,
        data={"project_slug": SLUG, **answers},
        defaults=True,
        unsafe=True,  # the template loads Jinja extensions
        vcs_ref="v1.0.0",
        quiet=True,
    )
    return destination


def committed_project(template: Path, destination: Path, **answers: str) -> Path:
    """A rendered project committed to its own git repository, as `copier update` requires."""
    project = render(template, destination, **answers)
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "generated")
    return project


def commit_edits(project: Path, edits: dict[str, str]) -> None:
    """The learner's edits: {path: its new text}, committed."""
    for path, text in edits.items():
        (project / path).write_text(text)
    git(project, "commit", "-q", "-am", "my edits")


def update(project: Path, **answers: str) -> None:
    run_update(
        project, data=answers, defaults=True, overwrite=True, unsafe=True, quiet=True, conflict="inline"
    )


def files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): path.read_text(errors="replace")
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


HELLO_TARGET = "\nhello: ## Say hello\n\t@echo hello\n"


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_update_brings_template_changes_and_keeps_the_learners_edits(
    template: Path, tmp_path: Path, language: str
):
    code = APP_CODE[language]
    project = committed_project(template, tmp_path / "project", language=language)
    makefile = (project / "Makefile").read_text()
    first_line = makefile.splitlines()[0]
    # The learner's edits: new app code, a Makefile target of their own, and their wording of
    # the Makefile's first line, which a later template version rewords too.
    commit_edits(
        project,
        {
            code.path: (project / code.path).read_text() + code.addition,
            "Makefile": makefile.replace(first_line, "# The commands I use every day.", 1) + HELLO_TARGET,
        },
    )

    reworded = code.first_line.replace("The project's name", "The name").replace("reads", "loads")
    assert reworded != code.first_line
    release(
        template,
        "v1.1.0",
        {
            code.template: (code.first_line, reworded),
            "template/Makefile.jinja": (
                "lint:{{ generate }} ## Check style, formatting and types",
                "lint:{{ generate }} ## Check style, formatting and types (CI runs the same)",
            ),
        },
    )
    release(
        template,
        "v1.2.0",
        {
            "template/Makefile.jinja": (
                "# Everyday commands of {{ project_name }}; `make help` lists them.",
                "# Everyday commands of {{ project_name }} (`make help` lists them).",
            )
        },
    )
    update(project)

    source = (project / code.path).read_text()
    assert source.startswith(reworded), "the template's change arrived"
    assert source.endswith(code.addition), "the learner's code survived"
    makefile = (project / "Makefile").read_text()
    assert "## Check style, formatting and types (CI runs the same)" in makefile
    assert makefile.rstrip("\n").endswith(HELLO_TARGET.rstrip("\n")), "the learner's target survived"
    # Both changed the first line: a normal git conflict, both sides shown.
    assert makefile.startswith("<<<<<<< "), makefile[:400]
    conflict = makefile.split(">>>>>>> ", 1)[0]
    assert "# The commands I use every day." in conflict
    assert "(`make help` lists them)" in conflict
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v1.2.0"


def test_update_brings_changed_stack_facts(template: Path, tmp_path: Path):
    """The facts table is Python the template loads: an update must render with the new release's
    table, not with the old one that `copier update` loaded first to replay the project."""
    project = committed_project(template, tmp_path / "project")
    release(
        template,
        "v1.1.0",
        {"extensions/stacks.py": ('"shutdown_grace_seconds": 10,', '"shutdown_grace_seconds": 12,')},
    )
    update(project)

    assert "with code 0 within 12 seconds" in (project / "docs" / "contract.md").read_text()
    assert "stopTimeout = 17" in (project / "infra" / "terraform" / "ecs.tf").read_text()


CONTRACT_EDIT = "\n## Our team's additions\n\nRequests carry a tenant header.\n"
# How a release that moves a generated file keeps the learner's copy: it moves that copy first.
MOVE_MIGRATION = """
_migrations:
  - version: v1.1.0
    when: "{{ _stage == 'before' }}"
    command: [git, mv, docs/contract.md, docs/service-contract.md]
"""


@pytest.mark.parametrize("with_migration", [True, False], ids=["with-migration", "without"])
def test_a_moved_file_keeps_the_learners_edits_through_a_migration(
    template: Path, tmp_path: Path, with_migration: bool
):
    project = committed_project(template, tmp_path / "project")
    contract = (project / "docs" / "contract.md").read_text()
    commit_edits(project, {"docs/contract.md": contract + CONTRACT_EDIT})

    git(template, "mv", "template/docs/contract.md.jinja", "template/docs/service-contract.md.jinja")
    if with_migration:
        with (template / "copier.yml").open("a") as config:
            config.write(MOVE_MIGRATION)
    release(template, "v1.1.0", {})
    update(project)

    moved = (project / "docs" / "service-contract.md").read_text()
    assert moved.startswith("# Service contract\n"), "the template's text is at the new path"
    assert not (project / "docs" / "contract.md").exists()
    if with_migration:
        # The file is new on both sides, so where they differ git shows a conflict to resolve.
        assert CONTRACT_EDIT in moved, "the learner's section moved with the file"
    else:
        # The update deletes the learner's copy with the old path: their section is only in history.
        assert CONTRACT_EDIT not in moved


# The combination dimensions, and the cloud: it changes no service file (tests/test_render.py), so
# no built and tested combination varies it, but an update that changes it drops or adds a directory.
UPDATED_QUESTIONS = {**DIMENSIONS, "cloud": QUESTIONS["cloud"]["default"]}


def other_answers() -> list[tuple[str, str, str | bool]]:
    """(language, question, answer): for each language and question, one answer besides the default
    (every other cloud: each swaps or drops the Terraform directory); nginx turned on, which adds a
    service to compose and takes the app's port off the host; and kubernetes turned on, which adds a
    directory and a README section; ci=gitlab and ci=jenkins, which swap .github/ for their pipeline
    and renovate.json and add Terraform; and log_stack=loki, which adds compose services, monitoring
    directories and Grafana provisioning."""
    return [
        (language, question, value)
        for language in ENABLED_LANGUAGES
        for question, default in UPDATED_QUESTIONS.items()
        for value in [value for value in options_for(language, question) if value != default][
            : None if question == "cloud" else 1
        ]
    ] + [
        (language, toggle, value)
        for language in ENABLED_LANGUAGES
        for toggle, value in (
            ("nginx", True),
            ("kubernetes", True),
            ("ci", "gitlab"),
            ("ci", "jenkins"),
            ("log_stack", "loki"),
        )
    ]


@pytest.mark.parametrize(("language", "question", "answer"), other_answers(), ids=lambda value: str(value))
def test_changing_an_answer_equals_a_fresh_render_plus_the_learners_edits(
    template: Path, tmp_path: Path, language: str, question: str, answer: str | bool
):
    code = APP_CODE[language]
    project = committed_project(template, tmp_path / "project", language=language)
    commit_edits(project, {code.path: (project / code.path).read_text() + code.addition})

    update(project, **{question: answer})

    fresh = files(render(template, tmp_path / "fresh", language=language, **{question: answer}))
    fresh[code.path] += code.addition
    updated = files(project)
    assert sorted(updated) == sorted(fresh), "the same files as a fresh render"
    differing = [path for path in fresh if updated[path] != fresh[path]]
    assert not differing, f"files that differ from a fresh render with {question}={answer}: {differing}"
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())[question] == answer
