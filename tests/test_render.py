"""Rendering: the defaults and every enabled choice produce a complete project with no template residue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.helpers.answer_sets import ANSWER_SETS
from tests.helpers.facts import CLOUDS, CONTRACT, facts_for, naming, stacks
from tests.helpers.questions import QUESTIONS, choices

# Our own context names; Prometheus, Grafana and GitHub use `{{ }}` too, so only these count as residue.
_RESIDUE = re.compile(r"\{%|\{\{-?\s*(project_|stack|db\b|db\.|contract|resource|databases|stacks|_copier)")


def _enabled_choices() -> list[tuple[str, object]]:
    """Every non-default (question, value) a learner can pick, booleans included."""
    found = [
        (question, value)
        for question, value, disabled in choices()
        if not disabled and value != QUESTIONS[question]["default"]
    ]
    found += [
        (question, not spec["default"])
        for question, spec in QUESTIONS.items()
        if spec.get("type") == "bool" and not spec.get("validator")
    ]
    return found


def _files(project: Path) -> list[Path]:
    return [path for path in project.rglob("*") if path.is_file() and ".git" not in path.parts]


def test_defaults_render_the_shared_files_and_the_stack_files(default_project):
    stack = facts_for("python", "backend-roadmap-service")
    for relative in [
        "README.md",
        "LICENSE",
        "docs/contract.md",
        ".gitignore",
        ".copier-answers.yml",
        stack["paths"]["manifest"],
        stack["paths"]["lockfile"],
    ]:
        assert (default_project / relative).is_file(), relative
    assert (default_project / stack["paths"]["source"]).is_dir()
    assert (default_project / stack["paths"]["tests"]).is_dir()


def test_no_template_residue(default_project):
    for path in _files(default_project):
        assert not path.name.endswith(".jinja"), path
        assert "{%" not in path.name and "{{" not in path.name, path
        text = path.read_text(errors="replace")
        match = _RESIDUE.search(text)
        assert match is None, f"{path.relative_to(default_project)}: unrendered {match.group(0)!r}"


ENABLED = _enabled_choices()


@pytest.mark.parametrize(("question", "value"), ENABLED, ids=[f"{q}={v}" for q, v in ENABLED])
def test_each_enabled_choice_renders(render, question, value):
    project = render(**{question: value})
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers[question] == value
    for path in _files(project):
        assert _RESIDUE.search(path.read_text(errors="replace")) is None, path


# The files that describe or wire the deployment; the cloud answer changes nothing else.
CLOUD_FILES = {
    ".copier-answers.yml",
    ".dockerignore",
    ".github/dependabot.yml",
    ".github/workflows/ci.yml",
    ".gitignore",
    ".gitlab-ci.yml",
    "renovate.json",
    "Jenkinsfile",
    "Dockerfile",
    "README.md",
    "compose.yaml",
    "docs/contract.md",
    # With Jenkins, the image the manifests run is in the cloud's registry.
    "deploy/kubernetes/deployment.yaml",
    "deploy/kubernetes/kustomization.yaml",
}
NO_CLOUD = [name for name, answers in ANSWER_SETS.items() if answers.get("cloud") == "none"]


def _texts(project: Path) -> dict[str, str]:
    return {str(path.relative_to(project)): path.read_text(errors="replace") for path in _files(project)}


@pytest.mark.parametrize("answer_set", NO_CLOUD)
def test_without_a_cloud_only_the_deployment_files_change(render, answer_set):
    """cloud=none drops the Terraform and rewords the ops files; the service, its tests, manifest
    and lockfile are byte for byte those of the AWS render, so its build and tests prove them too."""
    answers = ANSWER_SETS[answer_set]
    none = _texts(render(**answers))
    aws = _texts(render(**{**answers, "cloud": "aws"}))
    terraform = {path for path in aws if path.startswith(CLOUDS["aws"]["terraform_dir"] + "/")}
    assert terraform, "the AWS render has Terraform"
    assert set(none) == set(aws) - terraform, "the same files but the Terraform"
    changed = sorted(path for path in none if none[path] != aws[path])
    assert set(changed) <= CLOUD_FILES, f"cloud=none changes more than the deployment files: {changed}"
    ci = yaml.safe_load(none[".copier-answers.yml"])["ci"]
    assert {"README.md", stacks.CI_SYSTEMS[ci]["files"][0]} <= set(changed)


ON_GCP = [name for name, answers in ANSWER_SETS.items() if answers.get("cloud") == "gcp"]


@pytest.mark.parametrize("answer_set", ON_GCP)
def test_on_google_cloud_only_the_deployment_files_change(render, answer_set):
    """cloud=gcp swaps AWS's Terraform for Google Cloud's and rewords the ops files; the service, its
    tests, manifest and lockfile are byte for byte those of the AWS render."""
    answers = ANSWER_SETS[answer_set]
    gcp = _texts(render(**answers))
    aws = _texts(render(**{**answers, "cloud": "aws"}))

    def outside_terraform(texts: dict[str, str], cloud: str) -> dict[str, str]:
        inside = {path for path in texts if path.startswith(CLOUDS[cloud]["terraform_dir"] + "/")}
        assert inside, f"the {cloud} render has Terraform"
        return {path: text for path, text in texts.items() if path not in inside}

    gcp, aws = outside_terraform(gcp, "gcp"), outside_terraform(aws, "aws")
    assert set(gcp) == set(aws), "the same files but the Terraform"
    changed = sorted(path for path in gcp if gcp[path] != aws[path])
    assert set(changed) <= CLOUD_FILES, f"cloud=gcp changes more than the deployment files: {changed}"
    assert "README.md" in changed


def test_answers_file_records_every_question(default_project):
    answers = yaml.safe_load((default_project / ".copier-answers.yml").read_text())
    questions = set(QUESTIONS)
    assert questions <= set(answers), questions - set(answers)
    assert "_src_path" in answers and "_commit" in answers


@pytest.mark.parametrize(("license_id", "marker"), [("MIT", "MIT License"), ("Apache-2.0", "Apache License")])
def test_license_text_matches_the_answer(render, license_id, marker):
    text = (render(license=license_id, author_name="Ada Lovelace") / "LICENSE").read_text()
    assert text.lstrip().startswith(marker)
    if license_id == "MIT":
        assert "Ada Lovelace" in text
    else:
        assert "END OF TERMS AND CONDITIONS" in text


def test_resource_names_flow_into_the_contract(render):
    project = render(resource="category", project_slug="shop-api")
    contract = (project / "docs/contract.md").read_text()
    assert f"{CONTRACT['api_prefix']}/categories/{{id}}" in contract
    assert naming.pluralize("category") == "categories"


@pytest.mark.parametrize(
    ("word", "plural"),
    [
        ("note", "notes"),
        ("book", "books"),
        ("recipe", "recipes"),
        ("category", "categories"),
        ("box", "boxes"),
        ("match", "matches"),
        ("day", "days"),
        ("leaf", "leaves"),
        ("knife", "knives"),
        ("person", "people"),
    ],
)
def test_pluralize(word, plural):
    assert naming.pluralize(word) == plural


@pytest.mark.parametrize(
    ("value", "forms"),
    [
        ("shop-api", ("shop_api", "ShopApi", "shopApi")),
        ("my-cool-service2", ("my_cool_service2", "MyCoolService2", "myCoolService2")),
    ],
)
def test_case_filters(value, forms):
    assert (naming.snake(value), naming.pascal(value), naming.camel(value)) == forms


def test_slugify_derives_the_default_slug():
    assert naming.slugify("  My Cool Service! ") == "my-cool-service"


TRICKY = {
    "project_name": 'Ada\'s "Quoted" \\ Service: #1',
    "project_slug": "ada-service",
    "description": "Says \"hi\", uses a \\ backslash, a 'quote', {braces} and # hashes: ok?",
    "author_name": 'O\'Brien "Bob" Smith',
}


def test_free_text_with_quotes_and_backslashes_stays_valid_in_every_file(render):
    import ast
    import json
    import tomllib

    project = render(**TRICKY)
    checked = 0
    parsers = {
        ".py": lambda text, name: ast.parse(text, filename=name),
        ".toml": lambda text, name: tomllib.loads(text),
        ".yml": lambda text, name: list(yaml.safe_load_all(text)),
        ".yaml": lambda text, name: list(yaml.safe_load_all(text)),
        ".json": lambda text, name: json.loads(text),
    }
    for path in _files(project):
        parse = parsers.get(path.suffix)
        if parse is None:
            continue
        relative = str(path.relative_to(project))
        try:
            parse(path.read_text(), relative)
        except Exception as error:
            raise AssertionError(
                f"{relative} no longer parses with quotes in the answers: {error}"
            ) from error
        checked += 1
    assert checked > 5
