"""copier.yml: every free-text answer is validated, every unimplemented choice is disabled with a reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from copier import run_copy

from tests.helpers.facts import ENABLED_LANGUAGES, OPTIONS, STACKS, TEMPLATE_ROOT, options_for, stacks
from tests.helpers.questions import QUESTIONS, choices


def _copy(tmp_path: Path, **data) -> None:
    run_copy(
        str(TEMPLATE_ROOT),
        tmp_path / "out",
        data=data,
        defaults=True,
        unsafe=True,
        quiet=True,
        vcs_ref="HEAD",
    )


def _rejects(tmp_path: Path, message: str, **data) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _copy(tmp_path, **data)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_name": "!!!"}, "Use at least one letter or digit"),
        ({"project_name": "Two\nlines"}, "Keep the name to one line"),
        ({"description": "   "}, "Give one sentence"),
        ({"description": "first\nsecond"}, "Keep the description to one line"),
        ({"project_slug": "My_Service"}, "lowercase letters, digits and '-'"),
        ({"project_slug": "9lives"}, "starting with a letter"),
        ({"project_slug": "service-"}, "not ending with '-'"),
        ({"project_slug": "my--service"}, "single dashes"),
        ({"project_slug": "test"}, "'test' is a reserved word"),
        ({"project_slug": "class"}, "'class' is a reserved word"),
        ({"resource": "Books"}, "one singular English noun"),
        ({"resource": "book2"}, "one singular English noun"),
        ({"resource": "b"}, "one singular English noun"),
        ({"resource": "user"}, "'user' is reserved"),
        ({"resource": "query"}, "'query' is reserved"),
        ({"resource": "news"}, "no distinct plural"),
        ({"author_name": "  "}, "Give a name"),
        ({"author_email": "not-an-email"}, "name@example.com"),
        ({"author_email": "a@b"}, "name@example.com"),
        ({"repository_owner": "-bad-"}, "GitHub user or organisation name"),
        ({"repository_owner": "has space"}, "GitHub user or organisation name"),
    ],
)
def test_invalid_free_text_is_rejected_with_the_fix(tmp_path, answers, message):
    _rejects(tmp_path, message, **answers)


# The facts tables of the questions whose choices come from one, by question.
TABLES = {"language": STACKS, "ci": stacks.CI_SYSTEMS, "log_stack": stacks.LOG_STACKS, **OPTIONS}


def _enabled(question: str, value: object) -> bool:
    """Whether the facts table offers this answer at all (to some language)."""
    return question in TABLES and TABLES[question][value]["enabled"]


# (question, value, reason) for every choice copier.yml disables for every language.
DISABLED = [
    (question, value, reason)
    for question, value, reason in choices()
    if reason and not _enabled(question, value)
]


def test_unimplemented_rows_of_the_facts_table_are_disabled_choices():
    disabled = {(question, value) for question, value, reason in choices() if reason}
    for key, row in STACKS.items():
        assert (("language", key) in disabled) != row["enabled"], key
    for question, table in OPTIONS.items():
        for key, row in table.items():
            # An answer some enabled language lacks must be guarded by the per-language validator
            # (one every language has may keep its guard, for languages still to come).
            offered_to_all = row["enabled"] and set(ENABLED_LANGUAGES) <= set(row["languages"])
            assert offered_to_all or (question, key) in disabled, (question, key)


# Every (language, question, answer) of the facts table's option dimensions.
LANGUAGE_OPTIONS = [
    (language, question, value)
    for language in ENABLED_LANGUAGES
    for question, table in OPTIONS.items()
    for value in table
]


@pytest.mark.parametrize(
    ("language", "question", "value"),
    LANGUAGE_OPTIONS,
    ids=[f"{lang}-{q}={v}" for lang, q, v in LANGUAGE_OPTIONS],
)
def test_an_answer_is_offered_exactly_with_the_languages_that_implement_it(
    tmp_path, language, question, value
):
    if value in options_for(language, question):
        _copy(tmp_path, language=language, **{question: value})
        assert (tmp_path / "out" / ".copier-answers.yml").is_file()
    else:
        _rejects(tmp_path, "not implemented", language=language, **{question: value})


@pytest.mark.parametrize(("question", "value", "reason"), DISABLED, ids=[f"{q}={v}" for q, v, _ in DISABLED])
def test_disabled_choice_is_refused_with_its_reason(tmp_path, question, value, reason):
    # A reason that is a template reads the facts table's reason for the row.
    expected = reason
    if "{{" in reason:
        expected = TABLES[question][value]["disabled_reason"]
    _rejects(tmp_path, expected, **{question: value})


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_kubernetes_is_offered_with_every_language(tmp_path, language):
    _copy(tmp_path, language=language, kubernetes=True)
    assert (tmp_path / "out" / "deploy" / "kubernetes" / "kustomization.yaml").is_file()
    assert "kubernetes: true" in (tmp_path / "out" / ".copier-answers.yml").read_text()


def test_kubernetes_refuses_a_slug_longer_than_a_dns_label(tmp_path):
    _rejects(tmp_path, "at most 63 characters", project_slug="s" + "-x" * 31 + "y", kubernetes=True)
    _copy(tmp_path, project_slug="s" + "-x" * 31 + "y")  # the slug itself is fine without Kubernetes


def test_ci_choices_are_the_enabled_rows_of_the_facts_table():
    offered = {value for question, value, reason in choices() if question == "ci" and not reason}
    assert offered == {key for key, row in stacks.CI_SYSTEMS.items() if row["enabled"]}
    assert {value for question, value, _ in choices() if question == "ci"} == set(stacks.CI_SYSTEMS)


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_gitlab_ci_is_accepted_for_every_language(tmp_path, language):
    _copy(tmp_path, language=language, ci="gitlab")
    assert "ci: gitlab" in (tmp_path / "out" / ".copier-answers.yml").read_text()
    assert (tmp_path / "out" / ".gitlab-ci.yml").is_file()


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_jenkins_is_accepted_for_every_language(tmp_path, language):
    _copy(tmp_path, language=language, ci="jenkins")
    assert "ci: jenkins" in (tmp_path / "out" / ".copier-answers.yml").read_text()
    assert (tmp_path / "out" / "Jenkinsfile").is_file()


# No CI system refuses a cloud: each one deploys to every cloud, whatever the language.
CI_CLOUDS = [
    (language, ci, cloud)
    for language in ENABLED_LANGUAGES
    for ci, row in stacks.CI_SYSTEMS.items()
    if row["enabled"]
    for cloud, cloud_row in stacks.CLOUDS.items()
    if cloud_row["enabled"]
]


@pytest.mark.parametrize(
    ("language", "ci", "cloud"),
    CI_CLOUDS,
    ids=[f"{lang}-ci={ci}-cloud={cloud}" for lang, ci, cloud in CI_CLOUDS],
)
def test_every_ci_system_is_accepted_with_every_cloud(tmp_path, language, ci, cloud):
    _copy(tmp_path, language=language, ci=ci, cloud=cloud)
    answers = (tmp_path / "out" / ".copier-answers.yml").read_text()
    assert f"ci: {ci}" in answers and f"cloud: {cloud}" in answers


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_nginx_is_offered_with_every_language(tmp_path, language):
    _copy(tmp_path, language=language, nginx=True)
    assert (tmp_path / "out" / "nginx" / "nginx.conf").is_file()
    assert "nginx: true" in (tmp_path / "out" / ".copier-answers.yml").read_text()


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_the_loki_log_stack_is_offered_with_every_language(tmp_path, language):
    _copy(tmp_path, language=language, log_stack="loki")
    assert (tmp_path / "out" / "monitoring" / "alloy" / "config.alloy").is_file()
    assert "log_stack: loki" in (tmp_path / "out" / ".copier-answers.yml").read_text()


def test_the_loki_log_stack_needs_grafana(tmp_path):
    _rejects(tmp_path, "Loki's logs are read in Grafana", log_stack="loki", grafana=False)


def test_log_stack_choices_are_the_rows_of_the_facts_table():
    offered = {value for question, value, reason in choices() if question == "log_stack" and not reason}
    assert offered == {key for key, row in stacks.LOG_STACKS.items() if row["enabled"]}
    assert {value for question, value, _ in choices() if question == "log_stack"} == set(stacks.LOG_STACKS)


def test_every_question_has_help_and_a_default():
    for question, spec in QUESTIONS.items():
        assert spec.get("help"), f"{question} has no help text"
        assert "default" in spec, f"{question} has no default"


def test_defaults_match_the_brief():
    expected = {
        "language": "python",
        "database": "sqlite",
        "cache": "none",
        "api_style": "rest",
        "auth": "jwt",
        "ci": "github",
        "cloud": "aws",
        "resource": "note",
    }
    assert {key: QUESTIONS[key]["default"] for key in expected} == expected


# Every (api_style, auth) pair of the answers a language implements on their own.
STYLE_AUTH = [
    (language, style, auth)
    for language in ENABLED_LANGUAGES
    for style in options_for(language, "api_style")
    for auth in options_for(language, "auth")
]


@pytest.mark.parametrize(
    ("language", "api_style", "auth"), STYLE_AUTH, ids=[f"{lang}-{s}-{a}" for lang, s, a in STYLE_AUTH]
)
def test_every_api_style_is_offered_with_every_auth_method(tmp_path, language, api_style, auth):
    _copy(tmp_path, language=language, api_style=api_style, auth=auth)
    answers = (tmp_path / "out" / ".copier-answers.yml").read_text()
    assert f"api_style: {api_style}" in answers and f"auth: {auth}" in answers, answers


# (cloud, question, answer, reason) for every answer a cloud refuses (stacks.CLOUDS `refuses`).
REFUSED = [
    (cloud, question, value, reason)
    for cloud, row in stacks.CLOUDS.items()
    if row["enabled"]
    for question, answers in row.get("refuses", {}).items()
    for value, reason in answers.items()
]


@pytest.mark.parametrize(
    ("cloud", "question", "value", "reason"), REFUSED, ids=[f"{c}-{q}={v}" for c, q, v, _ in REFUSED]
)
def test_a_cloud_refuses_what_it_cannot_deploy_with_the_reason(tmp_path, cloud, question, value, reason):
    language = next(lang for lang in ENABLED_LANGUAGES if value in options_for(lang, question))
    _copy(tmp_path, language=language, **{question: value})  # fine on the default cloud...
    _rejects(
        tmp_path / "refused", reason, language=language, cloud=cloud, **{question: value}
    )  # ...not on this one


def test_the_refusal_check_catches_an_answer_it_refuses():
    assert stacks.refused_reason("azure", "cloud", {"cache": "memcached"}).startswith(
        "Azure has no managed Memcached"
    )
    assert stacks.refused_reason("azure", "cloud", {"cache": "redis"}) == ""
    assert stacks.refused_reason("aws", "cloud", {"cache": "memcached"}) == ""
