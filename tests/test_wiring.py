"""The ops files agree with the facts table and with each other.

Port, health path and metrics path, commands and database settings are read from
the rendered files by parsing them (YAML, HCL, Dockerfile instructions, Makefile
rules) and compared with extensions/stacks.py. Every check is shown to fail on a
mutated copy of the file it reads.
"""

from __future__ import annotations

import itertools
import json
import posixpath
import re
import shlex
import shutil
import textwrap
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import hcl2
import pytest
import yaml

from tests.helpers import logs, nginx
from tests.helpers.answer_sets import ANSWER_SETS
from tests.helpers.clouds import terraform_dir
from tests.helpers.dockerfile import dockerfile_stages, env_pairs, healthcheck_command
from tests.helpers.facts import (
    AUTHS,
    CACHES,
    CLOUDS,
    CONTRACT,
    DATABASES,
    TEMPLATE_ROOT,
    facts_for,
    naming,
    stacks,
)

CI_SYSTEMS = stacks.CI_SYSTEMS


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- Dockerfile ---------------------------------------------------------------------


# --- Terraform ---------------------------------------------------------------------


def _clean(value):
    """python-hcl2 keeps the quotes of string literals and keys; drop them and the block markers."""
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def load_terraform(directory: Path) -> dict:
    """All *.tf files merged: {'locals': {...}, 'resource': {type: {name: body}}, 'variable': ..., 'output': ...}."""
    merged: dict = {"locals": {}, "resource": {}, "data": {}, "variable": {}, "output": {}, "terraform": []}
    files = sorted(directory.glob("*.tf"))
    assert files, f"no Terraform files in {directory}"
    for path in files:
        with path.open(encoding="utf-8") as handle:
            doc = _clean(hcl2.load(handle))
        for block in doc.get("locals", []):
            merged["locals"].update(block)
        for kind in ("resource", "data"):
            for block in doc.get(kind, []):
                for rtype, by_name in block.items():
                    merged[kind].setdefault(rtype, {}).update(by_name)
        for kind in ("variable", "output"):
            for block in doc.get(kind, []):
                merged[kind].update(block)
        merged["terraform"].extend(doc.get("terraform", []))
    return merged


_LOCAL_REF = re.compile(r"^\$\{local\.([A-Za-z0-9_]+)\}$")


def resolve(tf: dict, value):
    """A `${local.x}` reference replaced by the local's value (repeatedly); other values as they are."""
    for _ in range(10):
        match = _LOCAL_REF.match(value) if isinstance(value, str) else None
        if not match:
            return value
        assert match.group(1) in tf["locals"], f"reference to an undefined local: {value}"
        value = tf["locals"][match.group(1)]
    return value


# --- Makefile ------------------------------------------------------------------------


def makefile_rules(path: Path) -> dict[str, list[str]]:
    """target -> recipe lines (without the leading TAB). Fails on a recipe line not starting with a TAB."""
    rules: dict[str, list[str]] = {}
    current = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("\t"):
            assert current is not None, f"{path}:{number}: recipe line outside a rule"
            rules[current].append(line[1:])
        elif not line.strip() or line.lstrip().startswith("#"):
            continue
        elif line.startswith(" "):
            raise AssertionError(f"{path}:{number}: recipe lines must start with a TAB, not spaces")
        else:
            match = re.match(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", line)
            current = match.group(1) if match else None
            if current is not None:
                rules[current] = []
    return rules


def makefile_prerequisites(path: Path) -> dict[str, list[str]]:
    """target -> its prerequisites (what stands between `:` and the `##` help text)."""
    found: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)\s*:(?!=)([^#]*)", line)
        if match:
            found[match.group(1)] = match.group(2).split()
    return found


# --- PromQL -----------------------------------------------------------------------------

_SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*\{")
_JOB = re.compile(r'job\s*=\s*"([^"]*)"')


def promql_metrics(expr: str) -> set[str]:
    """Metric names of the selectors in an expression (every selector here carries labels)."""
    return set(_SELECTOR.findall(expr))


def promql_jobs(expr: str) -> set[str]:
    return set(_JOB.findall(expr))


def contract_metric_names(contract: dict, cache: str = "none", api_style: str = "rest") -> set[str]:
    """The metric names queries may use: the contract's, the cache's when there is one, and those
    of the API style (GraphQL's errors answer 200, so they have a counter of their own)."""
    duration = contract["metric_duration"]
    names = {
        "up",
        contract["metric_requests"],
        f"{duration}_bucket",
        f"{duration}_sum",
        f"{duration}_count",
    }
    if cache != "none":
        names |= {
            contract["metric_cache_hits"],
            contract["metric_cache_misses"],
            contract["metric_cache_errors"],
        }
    if api_style == "graphql":
        names.add(contract["metric_graphql_errors"])
    return names


# =========================================================================================
# The checks: each takes a rendered project and its answers, and raises AssertionError.
# =========================================================================================


def _facts(project: Path, answers: dict) -> tuple[dict, dict, dict]:
    """(stack facts, database facts, every answer) of a rendered project, from its answers file."""
    full = load_yaml(project / ".copier-answers.yml")
    for key, value in answers.items():
        assert full[key] == value, f"{project} was rendered with {key}={full[key]!r}, not {value!r}"
    stack = facts_for(full["language"], full["project_slug"], full["api_style"])
    db = {"key": full["database"], **DATABASES[full["database"]]}
    return stack, db, full


def auth_secrets(full: dict) -> set[str]:
    """The env names of the secrets the chosen auth method needs at deploy time."""
    return {CONTRACT["env"][name] for name in AUTHS[full["auth"]]["secrets"]}


def anonymous(full: dict) -> bool:
    """auth: none, where production must be told that anonymous writes are meant."""
    return not AUTHS[full["auth"]]["principals"]


def production_env(full: dict) -> set[str]:
    """What the image needs from outside to start as production: the auth method's secrets and
    settings, and the opt-in to anonymous writes."""
    return (
        auth_secrets(full)
        | ({CONTRACT["env"]["allow_anonymous_writes"]} if anonymous(full) else set())
        | ({CONTRACT["env"][name] for name in OIDC_ENV} if full["auth"] == "oauth2" else set())
    )


def check_dockerfile(project: Path, answers: dict) -> None:
    stack, db, full = _facts(project, answers)
    stages = dockerfile_stages(project / "Dockerfile")
    assert len(stages) >= 2, "the Dockerfile is multi-stage"
    assert stages[0]["from"] == stack["build_image"], "build stage image is the facts' build_image"
    assert f":{stack['language_version']}" in stack["build_image"], (
        "the build image carries the language version"
    )
    final = stages[-1]
    assert final["from"] == stack["runtime_image"], "runtime stage image is the facts' runtime_image"
    for stage in stages:
        assert ":" in stage["from"] and not stage["from"].endswith(":latest"), (
            f"unpinned base {stage['from']}"
        )
    instructions = final["instructions"]
    by_keyword: dict[str, list[str]] = {}
    for keyword, args in instructions:
        by_keyword.setdefault(keyword, []).append(args)

    exposed = [str(stack["port"]), *(str(extra["port"]) for extra in stack["extra_ports"])]
    assert by_keyword.get("EXPOSE") == [" ".join(exposed)], "EXPOSE is the stack port and the API style's"
    env: dict[str, str] = {}
    for args in by_keyword.get("ENV", []):
        env.update(env_pairs(args))
    assert env.get(CONTRACT["env"]["port"]) == str(stack["port"]), "ENV PORT is the stack port"
    for extra in stack["extra_ports"]:
        assert env.get(extra["env"]) == str(extra["port"]), f"ENV {extra['env']} is the port EXPOSEd for it"

    users = by_keyword.get("USER", [])
    assert users == [stack["docker"]["user"]], "the runtime runs as the facts' user"
    assert users[0].split(":")[0] not in {"root", "0"}, "the runtime user is not root"

    healthchecks = by_keyword.get("HEALTHCHECK", [])
    assert len(healthchecks) == 1
    assert healthcheck_command(healthchecks[0]) == stack["commands"]["healthcheck"].split(), (
        "HEALTHCHECK runs the facts' in-image healthcheck command"
    )
    cmds = by_keyword.get("CMD", [])
    assert len(cmds) == 1
    assert json.loads(cmds[0]) == stack["docker"]["cmd"]

    build = [f"{k} {a}" for k, a in stages[0]["instructions"] if k in {"COPY", "RUN"}]
    expected = stack["docker"]["build_steps"]
    assert build == expected, "the build stage runs the facts' build steps, in order"
    if stack["commands"].get("generate"):
        generate = build.index("COPY . .") + 1
        assert "grpc_tools.protoc" in build[generate], "code is generated right after the sources arrive"
    copies = [a for k, a in instructions if k == "COPY"]
    assert all(a.startswith("--from=") for a in copies), "the runtime stage copies build artifacts only"
    # Amazon's CA, for DocumentDB: only the AWS deployment has one.
    bundle = db.get("tls_ca_bundle") if full["cloud"] == "aws" else None
    expected_adds = [f"--chmod=644 {bundle['url']} {bundle['path']}"] if bundle else []
    assert by_keyword.get("ADD", []) == expected_adds, (
        "the image carries the database's CA bundle, readable by the runtime user, exactly when it needs one"
    )


# The contract variables auth=oauth2 configures: public settings, never secrets.
OIDC_ENV = ("oidc_issuer", "oidc_audience")


def check_compose(project: Path, answers: dict) -> None:
    stack, db, full = _facts(project, answers)
    compose = load_yaml(project / "compose.yaml")
    services = compose["services"]
    app = services["app"]
    port = stack["port"]
    assert app["build"]["dockerfile"] == "Dockerfile"
    published = app.get("ports", [])
    if full["nginx"]:
        assert not any(str(entry).endswith(f":{port}") for entry in published), (
            "behind nginx the app's HTTP port is not published: nginx's limits cannot be bypassed"
        )
        assert app["expose"] == [str(port)]
    else:
        assert f"{port}:{port}" in published, "the app publishes the stack port"
        assert "nginx" not in services
    environment = app["environment"]
    assert str(environment[CONTRACT["env"]["port"]]) == str(port), "PORT env is the stack port"
    for extra in stack["extra_ports"]:
        assert f"{extra['port']}:{extra['port']}" in published, f"the app publishes its {extra['name']} port"
        assert str(environment[extra["env"]]) == str(extra["port"]), f"{extra['env']} is the published port"
    assert len(published) == (0 if full["nginx"] else 1) + len(stack["extra_ports"]), (
        "the app publishes no other port"
    )
    for name in ("app_env", "log_level", "database_url"):
        assert CONTRACT["env"][name] in environment, f"{CONTRACT['env'][name]} is set for the app"
    jwt_secret = CONTRACT["env"]["jwt_secret"]
    assert (jwt_secret in environment) == (jwt_secret in auth_secrets(full)), (
        f"{jwt_secret} is set exactly when the auth method needs it"
    )
    for name in OIDC_ENV:
        assert (CONTRACT["env"][name] in environment) == (full["auth"] == "oauth2"), (
            f"{CONTRACT['env'][name]} is set exactly when auth is oauth2"
        )
    assert app["healthcheck"]["test"] == ["CMD", *stack["commands"]["healthcheck"].split()]
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has a healthcheck"
        assert ":" in service.get("image", ":") and not service.get("image", "").endswith(":latest")

    url = urlsplit(environment[CONTRACT["env"]["database_url"]])
    if db["server"]:
        database = services["db"]
        assert database["image"] == db["image"]
        assert database["healthcheck"]["test"] == db["healthcheck"]
        assert app["depends_on"]["db"]["condition"] == "service_healthy"
        db_env = database["environment"]
        assert url.scheme == db["url_scheme"]
        assert (url.hostname, url.port) == ("db", db["port"]), "DATABASE_URL points at the db service"
        assert url.username == db_env[db["user_env"]]
        assert url.password == db_env[db["password_env"]]
        assert url.path.lstrip("/") == db_env[db["db_env"]]
        assert f"{db['port']}:{db['port']}" in database["ports"]
    else:
        assert "db" not in services
        assert environment[CONTRACT["env"]["database_url"]] == db["default_url"]

    cache = CACHES[full["cache"]]
    if cache.get("image"):
        server = services["cache"]
        assert server["image"] == cache["image"]
        assert server["command"] == cache["command"]
        assert server["healthcheck"]["test"] == cache["healthcheck"]
        assert app["depends_on"]["cache"]["condition"] == "service_healthy"
        cache_url = urlsplit(environment[CONTRACT["env"]["cache_url"]])
        assert cache_url.scheme == cache["url_scheme"]
        assert (cache_url.hostname, cache_url.port) == ("cache", cache["port"]), (
            "CACHE_URL points at the cache"
        )
        assert server["ports"] == [f"127.0.0.1:{cache['port']}:{cache['port']}"], "no password: loopback only"
        assert int(environment[CONTRACT["env"]["cache_ttl"]]) >= 1
    else:
        assert "cache" not in services
        assert CONTRACT["env"]["cache_url"] not in environment

    prometheus = services["prometheus"]
    assert any(v.split(":")[0] == "./monitoring/prometheus" for v in prometheus["volumes"])
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    if full["grafana"]:
        grafana = services["grafana"]
        sources = {v.split(":")[0] for v in grafana["volumes"]}
        assert {"./monitoring/grafana/provisioning", "./monitoring/grafana/dashboards"} <= sources
        provider = load_yaml(project / "monitoring/grafana/provisioning/dashboards/dashboards.yml")
        mounted = {
            v.split(":")[1] for v in grafana["volumes"] if v.startswith("./monitoring/grafana/dashboards")
        }
        assert {p["options"]["path"] for p in provider["providers"]} <= mounted, "dashboards path is mounted"
    else:
        assert "grafana" not in services


def check_nginx(project: Path, answers: dict) -> None:
    """nginx=true: compose runs nginx on the generated config, publishing the port the README
    names, and the config proxies to the app's port and keeps the metrics path in."""
    stack, _db, full = _facts(project, answers)
    services = load_yaml(project / "compose.yaml")["services"]
    if not full["nginx"]:
        assert "nginx" not in services and not (project / nginx.CONFIG).exists()
        return
    proxy = services["nginx"]
    port = PROXY["port"]
    assert proxy["image"] == PROXY["image"]
    assert proxy["ports"] == [f"{port}:{port}"], "nginx publishes its listen port, and nothing else"
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert f"http://localhost:{port}" in readme, "the README names the port nginx is published on"
    command = nginx.compose_command(project)
    config_path = command[nginx.option_index(command, "-c")]
    prefix = command[nginx.option_index(command, "-p")]
    assert f"./{nginx.CONFIG}:{config_path}:ro" in proxy["volumes"], (
        "the config is mounted where nginx reads it"
    )
    assert proxy["read_only"] is True and prefix.rstrip("/") in proxy["tmpfs"], (
        "read-only, but nginx's prefix (pid, buffered bodies) is writable"
    )
    assert str(proxy["user"]).split(":")[0] not in {"root", "0"} and proxy["cap_drop"] == ["ALL"]
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy", "nginx resolves `app` at start"
    probe = proxy["healthcheck"]["test"]
    assert probe[-1] == f"http://127.0.0.1:{port}{CONTRACT['health_path']}", "the probe goes through nginx"

    http = nginx.load(project).one("http")
    (upstream,) = http.all("upstream")
    host, _, upstream_port = upstream.one("server").args[0].partition(":")
    assert host == "app" and host in services, "the upstream is the app service"
    assert int(upstream_port) == stack["port"], "the upstream port is the app's port"
    assert upstream.all("keepalive"), "connections to the app are kept alive"
    server = http.one("server")
    assert server.one("listen").args == [str(port)], "nginx listens on the port compose publishes"
    assert http.one("client_max_body_size").args == [PROXY["client_max_body_size"]]
    assert server.one("location", "=", CONTRACT["metrics_path"]).one("return").args == ["404"], (
        "the metrics path is not served through nginx"
    )
    (proxied,) = [location for location in server.all("location") if location.args == ["/"]]
    assert proxied.one("proxy_pass").args == [f"http://{upstream.args[0]}"]
    forwarded = {
        directive.args[0].lower(): directive.args[1:] for directive in proxied.all("proxy_set_header")
    }
    assert {"host", "x-real-ip", "x-forwarded-for", "x-forwarded-proto"} <= set(forwarded)
    assert forwarded[CONTRACT["request_id_header"].lower()] == ["$request_id_out"]
    (request_ids,) = [block for block in http.all("map") if block.args[1] == "$request_id_out"]
    assert request_ids.one(f"~{CONTRACT['request_id_pattern']}").args, "a valid incoming id is kept"


def _alert_rules(project: Path) -> list[dict]:
    rules = load_yaml(project / "monitoring/prometheus/alerts.yml")
    return [rule for group in rules["groups"] for rule in group["rules"]]


def check_prometheus(project: Path, answers: dict) -> None:
    stack, _db, full = _facts(project, answers)
    config = load_yaml(project / "monitoring/prometheus/prometheus.yml")
    compose = load_yaml(project / "compose.yaml")
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == CONTRACT["metrics_path"]
    targets = [t for sc in job["static_configs"] for t in sc["targets"]]
    assert targets == [f"app:{stack['port']}"], "Prometheus scrapes the app on the stack port"
    assert targets[0].split(":")[0] in compose["services"], "the target host is a compose service"
    for path in config["rule_files"]:
        assert (project / "monitoring/prometheus" / path).is_file(), f"rule file {path} exists"

    rules = _alert_rules(project)
    names = {rule["alert"] for rule in rules}
    assert {"ServiceDown", "HighErrorRatio", "HighLatencyP95"} <= names
    if full["api_style"] == "graphql":
        assert "GraphQLInternalErrors" in names, "GraphQL errors answer 200: an alert watches their counter"
    allowed = contract_metric_names(CONTRACT, api_style=full["api_style"])
    for rule in rules:
        assert promql_jobs(rule["expr"]) == {job["job_name"]}, f"{rule['alert']} selects the scrape job"
        used = promql_metrics(rule["expr"])
        assert used and used <= allowed, f"{rule['alert']} uses non-contract metrics {used - allowed}"
    used = set().union(*(promql_metrics(rule["expr"]) for rule in rules))
    assert {"up", CONTRACT["metric_requests"], CONTRACT["metric_duration"] + "_bucket"} <= used
    assert any("histogram_quantile(0.95" in rule["expr"].replace(" ", "") for rule in rules)

    tests = load_yaml(project / "monitoring/prometheus/alerts.test.yml")
    tested = {case["alertname"] for test in tests["tests"] for case in test.get("alert_rule_test", [])}
    assert names <= tested, "every alert has unit tests"
    for alert in names:
        outcomes = {
            bool(case["exp_alerts"])
            for test in tests["tests"]
            for case in test.get("alert_rule_test", [])
            if case["alertname"] == alert
        }
        assert outcomes == {True, False}, f"{alert} is tested firing and not firing"


def check_dashboard(project: Path, answers: dict) -> None:
    _stack, _db, full = _facts(project, answers)
    dashboard = json.loads(
        (project / "monitoring/grafana/dashboards/service.json").read_text(encoding="utf-8")
    )
    config = load_yaml(project / "monitoring/prometheus/prometheus.yml")
    job = config["scrape_configs"][0]["job_name"]
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert exprs
    allowed = contract_metric_names(CONTRACT, full["cache"], full["api_style"])
    for expr in exprs:
        used = promql_metrics(expr)
        assert used and used <= allowed, f"dashboard query uses non-contract metrics {used - allowed}"
        assert promql_jobs(expr) == {job}, "dashboard queries select the scrape job"
    compact = [e.replace(" ", "") for e in exprs]
    assert any("histogram_quantile(0.5," in e and "route" in e for e in compact), "p50 by route"
    assert any("histogram_quantile(0.95," in e and "route" in e for e in compact), "p95 by route"
    assert any('status=~"5.."' in e for e in compact), "5xx ratio"
    hits, misses = CONTRACT["metric_cache_hits"], CONTRACT["metric_cache_misses"]
    hit_ratio = [e for e in compact if hits in e and misses in e]
    assert bool(hit_ratio) == (full["cache"] != "none"), (
        "a cache hit-ratio panel exactly when there is a cache"
    )
    datasource = load_yaml(project / "monitoring/grafana/provisioning/datasources/prometheus.yml")
    uids = {source["uid"] for source in datasource["datasources"]}
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] in uids, "panels use the provisioned datasource"


def check_terraform(project: Path, answers: dict) -> None:
    stack, db, full = _facts(project, answers)
    directory = terraform_dir(project, full)
    if directory is None:
        return
    if full["cloud"] == "azure":
        check_azure_terraform(directory, stack, db, full)
        return
    tf = load_terraform(directory)
    if full["cloud"] == "gcp":
        check_cloud_run(directory, tf, stack, db, full)
        return
    resources = tf["resource"]
    port = stack["port"]
    assert resolve(tf, "${local.app_port}") == port

    (target_group,) = resources["aws_lb_target_group"].values()
    assert resolve(tf, target_group["port"]) == port, "target group port is the stack port"
    (health,) = target_group["health_check"]
    assert resolve(tf, health["path"]) == CONTRACT["health_path"], "ALB health check path is the contract's"

    container = tf["locals"]["container"]
    (task,) = resources["aws_ecs_task_definition"].values()
    assert task["container_definitions"] == "${jsonencode([local.container])}"
    (mapping,) = container["portMappings"]
    assert resolve(tf, mapping["containerPort"]) == port, "container port is the stack port"
    assert container["healthCheck"]["command"] == ["CMD", *stack["commands"]["healthcheck"].split()]
    (service,) = resources["aws_ecs_service"].values()
    (balancer,) = service["load_balancer"]
    assert resolve(tf, balancer["container_port"]) == port
    assert resolve(tf, balancer["container_name"]) == resolve(tf, container["name"])

    options = container["logConfiguration"]["options"]
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    group_ref = options["awslogs-group"]
    assert group_ref.startswith("${aws_cloudwatch_log_group.") and group_ref.endswith(".name}")
    group_name = group_ref.split(".")[1]
    assert resources["aws_cloudwatch_log_group"][group_name]["retention_in_days"], "log retention is set"

    environment = {item["name"]: item["value"] for item in container["environment"]}
    secrets = {item["name"] for item in container["secrets"]}
    assert CONTRACT["env"]["port"] in environment
    cache_url = CONTRACT["env"]["cache_url"]
    expected_secrets = (
        auth_secrets(full)
        | ({CONTRACT["env"]["database_url"]} if db["server"] else set())
        | ({cache_url} if full["cache"] in ELASTICACHE else set())
    )
    assert secrets == expected_secrets, (
        "the task gets exactly the secrets the auth method, database and cache need"
    )
    assert not {CONTRACT["env"]["jwt_secret"], CONTRACT["env"]["database_url"], cache_url} & set(environment)
    secret_resources = set(resources.get("aws_secretsmanager_secret", {}))
    assert ("jwt_secret" in secret_resources) == (CONTRACT["env"]["jwt_secret"] in secrets), (
        "a JWT signing key is created exactly when the task reads one"
    )
    if secrets:
        assert "read_secrets" in resources["aws_iam_role_policy"]["execution_read_secrets"]["policy"]
        (statement,) = tf["data"]["aws_iam_policy_document"]["read_secrets"]["statement"]
        readable = {ref.split(".")[1] for ref in statement["resources"]}
        assert readable == secret_resources, "the execution role reads exactly the secrets there are"
    else:
        policies = set(resources.get("aws_iam_role_policy", {}))
        assert not {"execution_read_secrets", "ci_read_secrets"} & policies, (
            "no secrets, no policy to read them"
        )
        assert "read_secrets" not in tf["data"]["aws_iam_policy_document"]
    allow = CONTRACT["env"]["allow_anonymous_writes"]
    assert (allow in environment) == anonymous(full), f"{allow} reaches the task exactly when auth is none"
    if anonymous(full):
        (value,) = [item["value"] for item in container["environment"] if item["name"] == allow]
        assert value == "${tostring(var.allow_anonymous_writes)}"
        assert tf["variable"]["allow_anonymous_writes"]["default"] is False, "opt-in, never by default"
    for name in OIDC_ENV:
        if full["auth"] != "oauth2":
            assert CONTRACT["env"][name] not in environment, f"{CONTRACT['env'][name]} is for auth=oauth2"
            assert name not in tf.get("variable", {}), f"var.{name} is for auth=oauth2"
            continue
        assert environment[CONTRACT["env"][name]] == f"${{var.{name}}}", (
            f"{CONTRACT['env'][name]} comes from var.{name}"
        )
        variable = tf["variable"][name]
        assert variable.get("description") and variable.get("validation"), (
            f"var.{name} is documented and validated"
        )
        assert "default" not in variable, f"var.{name} has no default: the learner names their issuer"
    (repository,) = resources["aws_ecr_repository"].values()
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["image_scanning_configuration"][0]["scan_on_push"] is True
    if db["server"]:
        assert CONTRACT["env"]["database_url"] in secrets
        (rule,) = resources["aws_security_group"]["db"]["ingress"]
        assert rule["from_port"] == rule["to_port"] == db["port"]
        assert rule["security_groups"] == ["${aws_security_group.app.id}"], (
            "the database admits the service only"
        )
        if "docdb_engine_version" in db:
            check_documentdb(tf, db)
        else:
            (instance,) = resources["aws_db_instance"].values()
            assert instance["engine"] == db["rds_engine"]
            assert instance["engine_version"] == db["rds_engine_version"]
            assert instance["port"] == db["port"]
    else:
        assert "aws_db_instance" not in resources
        assert CONTRACT["env"]["database_url"] not in secrets
    check_elasticache(tf, full["cache"])
    check_terraform_conventions(directory, tf, full)


def check_cloud_run(directory: Path, tf: dict, stack: dict, db: dict, full: dict) -> None:
    """cloud=gcp: Cloud Run runs the image of the Artifact Registry repository Terraform makes, on
    the stack port, with its startup probe on the readiness path and its liveness probe on the
    health path, the contract's env names, and exactly the deploy secrets from Secret Manager
    (readable by the service's account only); Cloud SQL and Memorystore are the chosen ones, on
    the private network Cloud Run reaches."""
    resources = tf["resource"]
    port = stack["port"]
    env = CONTRACT["env"]
    assert resolve(tf, "${local.app_port}") == port
    (repository,) = resources["google_artifact_registry_repository"].values()
    assert repository["format"] == "DOCKER"
    assert repository["docker_config"][0]["immutable_tags"] is True, "a tag names one image"
    registry = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.app.repository_id}"
    assert tf["locals"]["registry"] == registry
    assert tf["locals"]["image"] == f"${{local.registry}}/{full['project_slug']}:${{var.image_tag}}"

    (service,) = resources["google_cloud_run_v2_service"].values()
    (template,) = service["template"]
    assert template["service_account"] == "${google_service_account.app.email}"
    (container,) = template["containers"]
    assert resolve(tf, container["image"]) == tf["locals"]["image"], "Cloud Run runs the registry's image"
    (ports,) = container["ports"]
    assert resolve(tf, ports["container_port"]) == port, "container port is the stack port"
    for probe, path in (
        ("startup_probe", CONTRACT["readiness_path"]),
        ("liveness_probe", CONTRACT["health_path"]),
    ):
        ((get,),) = [item["http_get"] for item in container[probe]]
        assert resolve(tf, get["path"]) == path, f"the {probe} asks {path}"
        assert resolve(tf, get["port"]) == port, f"the {probe} asks the stack port"

    plain = {item["name"]: item["value"] for item in container["env"] if "value" in item}
    from_secrets = {
        item["name"]: item["value_source"][0]["secret_key_ref"][0]
        for item in container["env"]
        if "value_source" in item
    }
    keys = stacks.deploy_secrets(full["auth"], full["database"], full["cache"])
    assert set(from_secrets) == {env[key] for key in keys}, "exactly the deploy secrets, from Secret Manager"
    assert not set(from_secrets) & set(plain), "no secret is a plain env var too"
    assert set(plain) == {env["app_env"], env["log_level"], "MIGRATE_ON_START"} | (
        production_env(full) - auth_secrets(full)
    ), "the plain env is the contract's settings, no secret"
    allow = env["allow_anonymous_writes"]
    if anonymous(full):
        assert plain[allow] == "${tostring(var.allow_anonymous_writes)}"
        assert tf["variable"]["allow_anonymous_writes"]["default"] is False, "opt-in, never by default"
    for name in OIDC_ENV:
        if full["auth"] == "oauth2":
            assert plain[env[name]] == f"${{var.{name}}}"
            assert "default" not in tf["variable"][name], f"var.{name} has no default"
        else:
            assert name not in tf["variable"], f"var.{name} is for auth=oauth2"

    names = {key: value for key, value in tf["locals"].get("secrets", {}).items() if not key.startswith("__")}
    assert set(names) == set(keys), "a Secret Manager secret per deploy secret"
    versions = resources.get("google_secret_manager_secret_version", {})
    brought = set() if db.get("cloudsql_version") or not db["server"] else {"database_url"}
    assert set(versions) == set(keys) - brought, "Terraform writes every secret but a brought database URL"
    for key in keys:
        ref = from_secrets[env[key]]
        assert ref["secret"] == f'${{google_secret_manager_secret.app["{key}"].secret_id}}'
        expected = "latest" if key in brought else f"${{google_secret_manager_secret_version.{key}.version}}"
        assert ref["version"] == expected, f"{env[key]} reads {expected}"
    if keys:
        reads = resources["google_secret_manager_secret_iam_member"]["app_reads"]
        assert reads["for_each"] == "${local.secrets}"
        assert reads["member"] == "serviceAccount:${google_service_account.app.email}"
        assert "${google_secret_manager_secret_iam_member.app_reads}" in service["depends_on"]
    else:
        assert "google_secret_manager_secret" not in resources

    (scaling,) = template["scaling"]
    if not db["server"]:
        assert scaling["max_instance_count"] == 1, f"{db['label']} is one instance's file: one instance"
    sql = resources.get("google_sql_database_instance", {})
    if db.get("cloudsql_version"):
        (instance,) = sql.values()
        assert instance["database_version"] == db["cloudsql_version"]
        (ip,) = instance["settings"][0]["ip_configuration"]
        assert ip["ipv4_enabled"] is False and ip["private_network"] == "${google_compute_network.main.id}"
        url = versions["database_url"]["secret_data"]
        assert url.startswith(db["url_scheme"] + "://")
        assert password_reference(url) == "${random_password.db.result}"
        host = "${google_sql_database_instance.main.private_ip_address}"
        assert url.split("@", 1)[1] == f"{host}:{db['port']}/${{google_sql_database.app.name}}"
    else:
        assert not sql, f"no Cloud SQL with {db['label']}"
    cache = CACHES[full["cache"]]
    redis = resources.get("google_redis_instance", {})
    memcache = resources.get("google_memcache_instance", {})
    if full["cache"] == "redis":
        assert redis["main"]["redis_version"] == cache["memorystore_version"]
        assert redis["main"]["auth_enabled"] is True
        assert versions["cache_url"]["secret_data"] == (
            f"{cache['url_scheme']}://:${{google_redis_instance.main.auth_string}}"
            "@${google_redis_instance.main.host}:${google_redis_instance.main.port}/0"
        )
    else:
        assert not redis
    if full["cache"] == "memcached":
        assert memcache["main"]["memcache_version"] == cache["memcache_version"]
        assert versions["cache_url"]["secret_data"].startswith(cache["url_scheme"] + "://")
    else:
        assert not memcache
    private = bool(db.get("cloudsql_version") or cache.get("gcp_cache"))
    if private:
        ((interface,),) = [access["network_interfaces"] for access in template["vpc_access"]]
        assert interface["network"] == "${google_compute_network.main.id}", "Cloud Run joins the network"
        for instance in [*sql.values(), *redis.values(), *memcache.values()]:
            assert "${google_service_networking_connection.services}" in instance["depends_on"]
    else:
        assert "vpc_access" not in template and "google_compute_network" not in resources
    check_terraform_conventions(directory, tf, full)


# Each cache on AWS, stated here independently of the template: the ElastiCache resource, and the
# scheme of the URL the service gets (Redis: TLS, with the AUTH token as the URL's password).
ELASTICACHE = {
    "redis": {
        "resource": "aws_elasticache_replication_group",
        "engine": "redis",
        "scheme": "rediss",
        "port": 6379,
    },
    "memcached": {
        "resource": "aws_elasticache_cluster",
        "engine": "memcached",
        "scheme": "memcached",
        "port": 11211,
    },
}


def check_elasticache(tf: dict, cache: str) -> None:
    """A chosen cache runs on ElastiCache in the private subnets, admits the service tasks only, and
    the task's CACHE_URL names it; without one there is no ElastiCache at all."""
    resources = tf["resource"]
    kinds = {kind for kind in resources if kind.startswith("aws_elasticache")}
    if cache not in ELASTICACHE:
        assert not kinds and "cache_url" not in resources.get("aws_secretsmanager_secret", {})
        return
    expected = ELASTICACHE[cache]
    assert kinds == {expected["resource"], "aws_elasticache_subnet_group"}
    (server,) = resources[expected["resource"]].values()
    assert server["engine"] == expected["engine"] and server["port"] == expected["port"]
    assert server["subnet_group_name"] == "${aws_elasticache_subnet_group.cache.name}"
    (group,) = resources["aws_elasticache_subnet_group"].values()
    assert group["subnet_ids"] == "${aws_subnet.private[*].id}", "the cache lives in the private subnets"
    assert server["security_group_ids"] == ["${aws_security_group.cache.id}"]
    (rule,) = resources["aws_security_group"]["cache"]["ingress"]
    assert rule["from_port"] == rule["to_port"] == expected["port"]
    assert rule.get("security_groups") == ["${aws_security_group.app.id}"], (
        "the cache admits the service only"
    )
    egress = [
        r for r in resources["aws_security_group"]["app"]["egress"] if r["from_port"] == expected["port"]
    ]
    assert egress and egress[0]["cidr_blocks"] == "${aws_subnet.private[*].cidr_block}", "the tasks reach it"
    url = resources["aws_secretsmanager_secret_version"]["cache_url"]["secret_string"]
    assert url.startswith(expected["scheme"] + "://"), f"CACHE_URL is {expected['scheme']}://"
    reference = f"${{{expected['resource']}.cache."
    assert reference in url, "CACHE_URL names the ElastiCache endpoint"
    if expected["scheme"] == "rediss":
        assert server["transit_encryption_enabled"] is True and server["at_rest_encryption_enabled"] is True
        assert server["auth_token"] == "${random_password.cache.result}"
        assert url.startswith("rediss://:${random_password.cache.result}@"), "the AUTH token is the password"


# What each cloud's Terraform must output: the service URL and the registry to push to.
CLOUD_OUTPUTS = {
    "aws": {
        "service_url": "http://${aws_lb.main.dns_name}",
        "ecr_repository_url": "${aws_ecr_repository.app.repository_url}",
    },
    "azure": {
        "service_url": "https://${azurerm_container_app.app.ingress[0].fqdn}",
        "registry_login_server": "${azurerm_container_registry.main.login_server}",
    },
    "gcp": {
        "service_url": "${google_cloud_run_v2_service.app.uri}",
        "artifact_registry_url": "${local.registry}",
    },
}


# The remote state CI plans and deploys with under GitHub Actions or Jenkins, per cloud: the backend
# and what its block sets (the bucket comes at init; `{slug}` is the project slug).
GITHUB_STATE = {
    "aws": (
        "s3",
        {"key": "{slug}/terraform.tfstate", "region": "eu-west-1", "encrypt": True, "use_lockfile": True},
    ),
    "gcp": ("gcs", {"prefix": "{slug}"}),
    "azure": ("azurerm", {"key": "{slug}/terraform.tfstate", "use_azuread_auth": True}),
}


def check_terraform_conventions(directory: Path, tf: dict, full: dict) -> None:
    """The state CI plans and deploys with is remote: in the cloud's own storage with GitHub Actions
    (S3, or Cloud Storage), in GitLab's managed state with GitLab CI (a commented block of the cloud's
    backend to fill in otherwise); every variable says what it is for, and each one whose value has a
    shape (not a bool) checks it; the outputs give the service URL and the registry to push to."""
    backends = [block["backend"] for block in tf["terraform"] if "backend" in block]
    if full["ci"] == "gitlab":
        assert backends == [[{"http": {}}]], "GitLab-managed state, configured by CI's TF_HTTP_* variables"
    elif full["ci"] in ("github", "jenkins"):
        kind, expected = GITHUB_STATE[full["cloud"]]
        assert [list(block) for (block,) in backends] == [[kind]], f"state in {kind}"
        expected = {key: _fill_slug(value, full) for key, value in expected.items()}
        assert dict(backends[0][0][kind]) == expected, (
            f"{kind} state: {expected}; the bucket comes at init (CI: its variables)"
        )
    else:
        assert not backends, "the backend stays commented out"
        backend = CLOUDS[full["cloud"]]["state_backend"]
        commented = [
            line.strip().lstrip("#").strip()
            for line in (directory / "versions.tf").read_text(encoding="utf-8").splitlines()
            if line.strip().startswith("#")
        ]
        start = commented.index(f'backend "{backend["type"]}" {{')
        block = commented[start + 1 : commented.index("}", start)]
        assert [line.split("=")[0].strip() for line in block] == backend["settings"], (
            f"the commented {backend['type']} backend names {', '.join(backend['settings'])}"
        )
    for name, variable in tf["variable"].items():
        assert variable.get("description", "").strip(), f"var.{name} has a description"
        if variable.get("type") != "bool":
            rules = variable.get("validation") or [{}]
            assert all(rule.get("condition") and rule.get("error_message") for rule in rules), (
                f"var.{name} validates its value and says what it expects"
            )
    outputs = tf["output"]
    for name, value in CLOUD_OUTPUTS[full["cloud"]].items():
        assert outputs[name]["value"] == value, f"output {name} is {value}: the service URL and the registry"


def _fill_slug(value, full: dict):
    return value.replace("{slug}", full["project_slug"]) if isinstance(value, str) else value


def check_documentdb(tf: dict, db: dict) -> None:
    """DocumentDB instead of RDS: a cluster and an instance in it, TLS on, and a DATABASE_URL that
    verifies the server with the CA bundle the image carries and turns off retryable writes."""
    resources = tf["resource"]
    assert "aws_db_instance" not in resources
    (cluster,) = resources["aws_docdb_cluster"].values()
    assert cluster["engine"] == "docdb"
    assert cluster["engine_version"] == db["docdb_engine_version"]
    assert cluster["port"] == db["port"]
    assert cluster["storage_encrypted"] is True
    assert cluster["vpc_security_group_ids"] == ["${aws_security_group.db.id}"]
    (instance,) = resources["aws_docdb_cluster_instance"].values()
    assert instance["cluster_identifier"] == "${aws_docdb_cluster.main.id}"
    (parameters,) = resources["aws_docdb_cluster_parameter_group"].values()
    assert parameters["family"] == db["docdb_family"]
    assert {"name": "tls", "value": "enabled"} in [
        {key: p[key] for key in ("name", "value")} for p in parameters["parameter"]
    ]
    url = resources["aws_secretsmanager_secret_version"]["database_url"]["secret_string"]
    assert url.startswith(db["url_scheme"] + "://")
    assert password_reference(url) == "${random_password.db.result}"
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["tls"] == "true"
    assert query["tlsCAFile"] == db["tls_ca_bundle"]["path"], "the URL names the bundle the image carries"
    assert query["retryWrites"] == "false", "DocumentDB refuses retryable writes"


def password_reference(url: str) -> str:
    """The `${...}` reference in a URL's password place (urlsplit cannot parse a templated host)."""
    credentials = url.split("://", 1)[1].split("@", 1)[0]
    return credentials.split(":", 1)[1]


# --- Azure ----------------------------------------------------------------------------

_AZURE_PROBES = (
    ("startup_probe", "health_path"),
    ("liveness_probe", "health_path"),
    ("readiness_probe", "readiness_path"),
)


def _secret_name(key: str) -> str:
    """The Container Apps secret that holds the contract env key `key` (its names take no `_`)."""
    return key.replace("_", "-")


def check_azure_terraform(directory: Path, stack: dict, db: dict, full: dict) -> None:
    """cloud=azure: the Container App runs the image from the ACR Terraform makes (pulled with the
    app's identity), its ingress on the stack's port, its probes on the contract's paths, the
    contract's env with exactly the deploy secrets as secret references; the database and cache
    Terraform makes are the ones those URLs name, private, and over TLS where the service allows."""
    tf = load_terraform(directory)
    resources = tf["resource"]
    port = stack["port"]
    assert resolve(tf, "${local.app_port}") == port
    (app,) = resources["azurerm_container_app"].values()
    (ingress,) = app["ingress"]
    assert resolve(tf, ingress["target_port"]) == port, "the ingress targets the stack's port"
    assert ingress["external_enabled"] is True and ingress["allow_insecure_connections"] is False

    (registry,) = app["registry"]
    assert registry["server"] == "${azurerm_container_registry.main.login_server}"
    assert registry["identity"] == "${azurerm_user_assigned_identity.app.id}", (
        "pulled with the app's identity"
    )
    assert app["identity"][0]["identity_ids"] == [registry["identity"]]
    pull = resources["azurerm_role_assignment"]["app_pull"]
    assert (pull["scope"], pull["role_definition_name"], pull["principal_id"]) == (
        "${azurerm_container_registry.main.id}",
        "AcrPull",
        "${azurerm_user_assigned_identity.app.principal_id}",
    ), "the app's identity may pull from the registry, nothing else"
    (registry_resource,) = resources["azurerm_container_registry"].values()
    assert registry_resource["admin_enabled"] is False, "no registry password"

    (template,) = app["template"]
    (container,) = template["container"]
    assert (
        container["image"] == "${azurerm_container_registry.main.login_server}/${local.name}:${var.image_tag}"
    ), "the image comes from the registry Terraform makes, at the project's repository"
    assert resolve(tf, "${local.name}") == "${var.project_name}"
    assert tf["variable"]["project_name"]["default"] == full["project_slug"]
    for probe, path in _AZURE_PROBES:
        (block,) = container[probe]
        assert block["transport"] == "HTTP", f"{probe} is an HTTP probe"
        assert resolve(tf, block["port"]) == port, f"{probe} on the stack's port"
        assert resolve(tf, block["path"]) == CONTRACT[path], f"{probe} on the contract's {path}"
    if not db["server"]:
        assert (template["min_replicas"], template["max_replicas"]) == (1, 1), (
            f"{db['label']} lives in the replica: exactly one"
        )

    env = {item["name"]: item for item in container["env"]}
    secret_env = {name: item["secret_name"] for name, item in env.items() if "secret_name" in item}
    plain = {name: item["value"] for name, item in env.items() if "secret_name" not in item}
    keys = stacks.deploy_secrets(full["auth"], full["database"], full["cache"])
    assert secret_env == {CONTRACT["env"][key]: _secret_name(key) for key in keys}, (
        "the container gets exactly the deploy secrets, each from its secret"
    )
    secrets = {item["name"]: item["value"] for item in app.get("secret", [])}
    assert secrets == {_secret_name(key): f"${{local.{key}}}" for key in keys}, "every secret is defined once"
    assert all(key in tf["locals"] for key in keys), "every secret's value is made here"
    contract_env = set(CONTRACT["env"].values())
    assert set(plain) - {"MIGRATE_ON_START"} <= contract_env, "the env names are the contract's"
    assert set(plain) == {
        CONTRACT["env"]["port"],
        CONTRACT["env"]["app_env"],
        CONTRACT["env"]["log_level"],
        "MIGRATE_ON_START",
    } | (production_env(full) - auth_secrets(full)), "the settings production needs, no secret among them"
    assert plain[CONTRACT["env"]["port"]] == "${tostring(local.app_port)}"
    if anonymous(full):
        assert plain[CONTRACT["env"]["allow_anonymous_writes"]] == "${tostring(var.allow_anonymous_writes)}"
        assert tf["variable"]["allow_anonymous_writes"]["default"] is False, "opt-in, never by default"
    for name in OIDC_ENV if full["auth"] == "oauth2" else ():
        assert plain[CONTRACT["env"][name]] == f"${{var.{name}}}"
        assert "default" not in tf["variable"][name], (
            f"var.{name} has no default: the learner names their issuer"
        )

    (environment,) = resources["azurerm_container_app_environment"].values()
    assert environment["log_analytics_workspace_id"] == "${azurerm_log_analytics_workspace.main.id}"
    assert environment["infrastructure_subnet_id"] == "${azurerm_subnet.apps.id}"
    check_azure_database(tf, db, full)
    check_azure_cache(tf, full)
    check_azure_ci_trust(tf, full)
    check_terraform_conventions(directory, tf, full)


def check_azure_database(tf: dict, db: dict, full: dict) -> None:
    """The DATABASE_URL secret names the server Terraform makes, its port and database; the server
    is private; Cosmos DB's URL asks for TLS and turns retryable writes off."""
    resources = tf["resource"]
    kinds = {db_row.get("azure_resource") for db_row in DATABASES.values()} - {None}
    if not db["server"]:
        assert not kinds & set(resources), f"{db['label']} needs no database server"
        assert "database_url" not in tf["locals"]
        return
    assert kinds & set(resources) == {db["azure_resource"]}, f"one {db['azure_database']}"
    (server,) = resources[db["azure_resource"]].values()
    url = tf["locals"]["database_url"]
    assert url.startswith(db["url_scheme"] + "://")
    host_port = url.split("@", 1)[1].split("/", 1)[0]
    path = url.split("@", 1)[1].split("/", 1)[1].split("?", 1)[0]
    snake = naming.snake(full["project_slug"])
    if full["database"] == "mongodb":
        assert server["kind"] == "MongoDB" and server["mongo_server_version"] == db["azure_version"]
        assert server["is_virtual_network_filter_enabled"] is True
        assert server["virtual_network_rule"] == [{"id": "${azurerm_subnet.apps.id}"}], "the apps subnet only"
        assert host_port.endswith(f".mongo.cosmos.azure.com:{db['azure_port']}")
        assert path == "${azurerm_cosmosdb_mongo_database.main.name}"
        assert resources["azurerm_cosmosdb_mongo_database"]["main"]["name"] == snake
        query = dict(parse_qsl(url.split("?", 1)[1]))
        assert query == dict(parse_qsl(db["azure_url_query"]))
        assert (query["tls"], query["retryWrites"]) == ("true", "false"), "TLS on, no retryable writes"
        assert password_reference(url) == "${urlencode(azurerm_cosmosdb_account.main.primary_key)}"
        return
    assert server["version"] == db["azure_version"]
    assert server["public_network_access_enabled"] is False, "no public access"
    assert server["delegated_subnet_id"] == "${azurerm_subnet.database.id}"
    (delegation,) = resources["azurerm_subnet"]["database"]["delegation"]
    assert delegation["service_delegation"][0]["name"] == db["azure_subnet_delegation"]
    assert resources["azurerm_private_dns_zone"]["database"]["name"].endswith("." + db["azure_dns_zone"])
    assert host_port == f"${{{db['azure_resource']}.main.fqdn}}:{db['port']}", "the server's name and port"
    assert password_reference(url) == "${random_password.db.result}"
    assert server["administrator_password"] == "${random_password.db.result}"
    database = (
        "azurerm_postgresql_flexible_server_database"
        if full["database"] == "postgresql"
        else "azurerm_mysql_flexible_database"
    )
    assert path == f"${{{database}.main.name}}" and resources[database]["main"]["name"] == snake


def check_azure_cache(tf: dict, full: dict) -> None:
    """With Redis, CACHE_URL is a TLS (`rediss://`) URL of the cache Terraform makes, on its TLS port,
    which the service accepts; the cache has no public access, only a private endpoint."""
    resources = tf["resource"]
    cache = CACHES[full["cache"]]
    if "image" not in cache:
        assert "azurerm_redis_cache" not in resources and "cache_url" not in tf["locals"]
        return
    url = tf["locals"]["cache_url"]
    assert url.startswith(cache["azure_url_scheme"] + "://"), "TLS only"
    assert url.endswith("@${azurerm_redis_cache.main.hostname}:${azurerm_redis_cache.main.ssl_port}/0")
    service = (TEMPLATE_ROOT / "template").glob('*src*/*/{% if cache != "none" %}cache.py{% endif %}.jinja')
    (source,) = list(service)
    assert f'"{cache["azure_url_scheme"]}"' in source.read_text(encoding="utf-8"), (
        "the service accepts the scheme"
    )
    (redis,) = resources["azurerm_redis_cache"].values()
    assert redis["non_ssl_port_enabled"] is False and redis["public_network_access_enabled"] is False
    (connection,) = resources["azurerm_private_endpoint"]["cache"]["private_service_connection"]
    assert connection["private_connection_resource_id"] == "${azurerm_redis_cache.main.id}"


# The roles a deploy identity needs: copy the image into ACR and roll the Container App out.
_AZURE_DEPLOY_ACTIONS = {
    "Microsoft.ContainerRegistry/registries/importImage/action",
    "Microsoft.App/containerApps/write",
    "Microsoft.App/managedEnvironments/join/action",
    "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
}
_AZURE_DEPLOY_SCOPES = {
    "${azurerm_container_registry.main.id}",
    "${azurerm_container_app.app.id}",
    "${azurerm_container_app_environment.main.id}",
    "${azurerm_user_assigned_identity.app.id}",
}


def check_azure_ci_trust(tf: dict, full: dict) -> None:
    """Terraform makes the trust CI needs: two user-assigned identities, each with a federated
    credential for the CI system's issuer and Entra ID's audience, trusting one exact subject of this
    repository (the deploy one: GitHub's production environment, GitLab's default branch, Jenkins'
    deploy branch job); the deploy identity may import images (Jenkins: push them) and update the app,
    on those resources only."""
    resources, variables, outputs = tf["resource"], tf["variable"], tf["output"]
    credentials = tf["locals"]["ci_credentials"]
    subjects = {name: (c["identity"], c["subject"]) for name, c in credentials.items()}
    audience = CLOUDS["azure"]["oidc_audience"]
    if full["ci"] == "github":
        issuer = "https://token.actions.githubusercontent.com"
        repository = "repo:${var.github_repository}"
        environment = CI_SYSTEMS["github"]["deploy_environment"]
        assert subjects == {
            "plan-pull-requests": ("plan", f"{repository}:pull_request"),
            "plan-main": ("plan", f"{repository}:ref:refs/heads/main"),
            "deploy": ("deploy", f"{repository}:environment:{environment}"),
        }, "the plan identity: pull requests and main; the deploy identity: the deploy environment"
        assert (
            variables["github_repository"]["default"] == f"{full['repository_owner']}/{full['project_slug']}"
        )
    elif full["ci"] == "jenkins":
        issuer, audience = "${local.jenkins_issuer}", "${var.jenkins_oidc_audience}"
        assert tf["locals"]["jenkins_issuer"] == "${var.jenkins_url}oidc", "the plugin's issuer"
        job = "${var.jenkins_url}${var.jenkins_job_path}job/${var.jenkins_deploy_branch}/"
        assert tf["locals"]["jenkins_deploy_job"] == job, "the subject is the deploy branch's job URL"
        assert subjects == {
            "plan": ("plan", "${local.jenkins_deploy_job}"),
            "deploy": ("deploy", "${local.jenkins_deploy_job}"),
        }, "the deploy branch's builds only"
        check_jenkins_trust_variables(variables, full)
        push = resources["azurerm_role_assignment"]["ci_deploy_push"]
        assert push == {
            "scope": "${azurerm_container_registry.main.id}",
            "role_definition_name": "AcrPush",
            "principal_id": '${azurerm_user_assigned_identity.ci["deploy"].principal_id}',
        }, "Jenkins pushes the image itself: the deploy identity pushes to this registry only"
    else:
        issuer = "${var.gitlab_url}"
        branch = "project_path:${var.gitlab_project_path}:ref_type:branch:ref:${var.gitlab_deploy_branch}"
        assert subjects == {"plan": ("plan", branch), "deploy": ("deploy", branch)}, (
            "the default branch of this project only"
        )
        assert variables["gitlab_url"]["default"] == CI_SYSTEMS["gitlab"]["oidc_issuer"]
        assert (
            variables["gitlab_project_path"]["default"]
            == f"{full['repository_owner']}/{full['project_slug']}"
        )
    assert not any("*" in subject for _, subject in subjects.values()), "Entra ID matches subjects exactly"
    identities = resources["azurerm_user_assigned_identity"]["ci"]
    assert identities["for_each"] == '${toset(["plan", "deploy"])}'
    credential = resources["azurerm_federated_identity_credential"]["ci"]
    assert (
        credential["for_each"] == "${local.ci_credentials}"
        and credential["subject"] == "${each.value.subject}"
    )
    assert credential["parent_id"] == "${azurerm_user_assigned_identity.ci[each.value.identity].id}"
    assert credential["issuer"] == issuer
    assert credential["audience"] == [audience]

    deploy = resources["azurerm_role_definition"]["ci_deploy"]
    (permissions,) = deploy["permissions"]
    assert set(permissions["actions"]) == _AZURE_DEPLOY_ACTIONS, "the deploy role copies images and rolls out"
    assert deploy["assignable_scopes"] == ["${azurerm_resource_group.main.id}"]
    reader = resources["azurerm_role_definition"]["ci_read_secrets"]["permissions"][0]["actions"]
    assert all(action.endswith("/action") for action in reader), "the read role reads keys, writes nothing"
    assignments = resources["azurerm_role_assignment"]
    deploy_role = "${azurerm_role_definition.ci_deploy.role_definition_resource_id}"
    scoped = {a["scope"] for a in assignments.values() if a.get("role_definition_id") == deploy_role}
    assert scoped == _AZURE_DEPLOY_SCOPES, f"the deploy role is granted on {scoped}"
    assert all(
        a.get("role_definition_name") in (None, "Reader", "AcrPull")
        for name, a in assignments.items()
        if name != "ci_deploy_push" or full["ci"] != "jenkins"
    )
    assert assignments["ci_read"]["scope"] == "${azurerm_resource_group.main.id}"
    assert {"tenant_id", "ci_plan_client_id", "ci_deploy_client_id", "registry_name"} <= set(outputs)


_SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def ci_test_env(full: dict) -> set[str]:
    """The env names CI's test job sets, whatever the CI system: where the services are, the
    auth method's throwaway secret, and the test settings."""
    env = CONTRACT["env"]
    return (
        {env["app_env"], env["log_level"]}
        | ({env["database_url"]} if DATABASES[full["database"]]["server"] else set())
        | ({env["cache_url"]} if CACHES[full["cache"]].get("image") else set())
        | auth_secrets(full)
    )


def _only_this_ci(project: Path, full: dict) -> None:
    """The files of the chosen CI system are there, those of every other one are not."""
    chosen = CI_SYSTEMS[full["ci"]]["files"]
    for name in {name for row in CI_SYSTEMS.values() for name in row.get("files", [])}:
        assert (project / name).is_file() == (name in chosen), (
            f"ci={full['ci']} {'lacks' if name in chosen else 'renders'} {name}"
        )
    if full["ci"] != "github":
        assert not (project / ".github").exists(), f"ci={full['ci']} renders no .github/"


def check_ci(project: Path, answers: dict) -> None:
    stack, db, full = _facts(project, answers)
    _only_this_ci(project, full)
    if full["ci"] == "gitlab":
        check_gitlab_ci(project, answers)
        return
    if full["ci"] == "jenkins":
        check_jenkins_ci(project, answers)
        return
    workflow = load_yaml(project / ".github/workflows/ci.yml")
    assert workflow["permissions"] == {"contents": "read"}
    jobs = workflow["jobs"]
    directory = CLOUDS[full["cloud"]]["terraform_dir"]
    deploys = bool(directory)
    assert set(jobs) == {"lint", "test", "image"} | ({"terraform"} if directory else set()) | (
        {"plan", "deploy"} if deploys else set()
    ), "CI checks Terraform exactly when the project has some, and plans and deploys where it deploys"
    writes = {"image": {"packages": "write"}, "plan": {"id-token": "write"}, "deploy": {"id-token": "write"}}
    for name, job in jobs.items():
        for step in job["steps"]:
            if "uses" in step:
                assert _SHA_PIN.match(step["uses"]), f"{name}: {step['uses']} is not pinned to a commit SHA"
        extra = {k: v for k, v in (job.get("permissions") or {}).items() if v != "read"}
        assert extra in ({}, writes.get(name)), f"{name} asks for {extra}"

    def runs(job: str) -> list[str]:
        return [step["run"].strip() for step in jobs[job]["steps"] if "run" in step]

    setup_uses = [s["uses"] for s in stack["ci_setup"]]
    for job in ("lint", "test"):
        uses = [step.get("uses") for step in jobs[job]["steps"]]
        assert all(u in uses for u in setup_uses), f"{job} runs the facts' ci_setup steps"
        assert stack["commands"]["install"] in runs(job)
    assert stack["commands"]["lint"] in runs("lint")
    assert stack["commands"]["test"] in runs("test")
    generate = stack["commands"].get("generate")
    for job in ("lint", "test"):
        if generate:
            steps = runs(job)
            assert generate in steps, f"{job} runs the facts' generate command"
            assert steps.index(stack["commands"]["install"]) < steps.index(generate) < len(steps) - 1, (
                f"{job} generates code after installing and before its own command"
            )
        else:
            assert not [step for step in runs(job) if "protoc" in step], f"{job} generates nothing"

    env = jobs["test"].get("env", {})
    assert set(env) == ci_test_env(full)
    compose_env = load_yaml(project / "compose.yaml")["services"]["app"]["environment"]
    jwt_secret = CONTRACT["env"]["jwt_secret"]
    assert (jwt_secret in env) == (jwt_secret in auth_secrets(full)), (
        f"CI's test job sets {jwt_secret} exactly when the auth method needs it"
    )
    services = jobs["test"].get("services", {})
    if db["server"]:
        service = services["db"]
        assert (
            service["image"] == db["image"] == load_yaml(project / "compose.yaml")["services"]["db"]["image"]
        )
        assert f"{db['port']}:{db['port']}" in service["ports"]
        url = urlsplit(env[CONTRACT["env"]["database_url"]])
        compose_url = urlsplit(compose_env[CONTRACT["env"]["database_url"]])
        assert url.scheme == compose_url.scheme == db["url_scheme"]
        assert (url.hostname, url.port) == ("localhost", db["port"]) and compose_url.port == db["port"]
        assert url.username == service["env"][db["user_env"]]
        assert url.password == service["env"][db["password_env"]]
        assert url.path == compose_url.path == "/" + service["env"][db["db_env"]]
    else:
        assert "db" not in services
    cache = CACHES[full["cache"]]
    if cache.get("image"):
        service = services["cache"]
        assert (
            service["image"]
            == cache["image"]
            == load_yaml(project / "compose.yaml")["services"]["cache"]["image"]
        )
        assert service["ports"] == [f"{cache['port']}:{cache['port']}"]
        health = shlex.split(service["options"])
        assert health[health.index("--health-cmd") + 1] == " ".join(cache["healthcheck"][1:])
        url = urlsplit(env[CONTRACT["env"]["cache_url"]])
        assert url.scheme == cache["url_scheme"]
        assert (url.hostname, url.port) == ("localhost", cache["port"]), (
            "CACHE_URL points at the service container"
        )
    else:
        assert "cache" not in services
        assert CONTRACT["env"]["cache_url"] not in env
    assert set(services) == {
        name for name, used in (("db", db["server"]), ("cache", "image" in cache)) if used
    }

    image_steps = jobs["image"]["steps"]
    build, push = [s for s in image_steps if s.get("uses", "").startswith("docker/build-push-action@")]
    assert build["with"]["file"] == push["with"]["file"] == "Dockerfile"
    assert build["with"]["load"] is True and "push" not in build["with"], (
        "the first build is local, for the smoke test"
    )
    repo = f"ghcr.io/{full['repository_owner'].lower()}/{full['project_slug']}"
    assert all(tag.startswith(repo + ":") for tag in push["with"]["tags"].strip().splitlines())
    assert "refs/heads/main" in push["if"] and "pull_request" in push["if"], (
        "images are pushed from main only"
    )

    # The smoke test runs the image just built, publishes the stack's port and probes the health path.
    (smoke,) = [s for s in image_steps if s.get("name", "").startswith("Smoke-test")]
    words = shlex.split(smoke["run"].replace("\\\n", " "))
    assert words[:3] == ["docker", "run", "-d"]
    assert words[words.index("-p") + 1] == f"{stack['port']}:{stack['port']}"
    assert build["with"]["tags"] in words, "the smoke test runs the image the build step tagged"
    assert f"http://localhost:{stack['port']}{CONTRACT['health_path']}" in words
    # The image runs as production: it gets what production needs to start, and nothing more.
    passed = {words[i + 1].split("=", 1)[0] for i, word in enumerate(words) if word == "-e"}
    expected = production_env(full) | set(db.get("smoke_env", {}))
    assert passed == expected, f"the smoke test passes {sorted(passed)}, production needs {sorted(expected)}"

    if not directory:
        return
    terraform = jobs["terraform"]
    assert terraform["defaults"]["run"]["working-directory"] == directory
    assert {
        "terraform fmt -check -recursive -diff",
        "terraform init -backend=false -input=false",
        "terraform validate",
    } <= set(runs("terraform"))
    if full["cloud"] == "gcp":
        check_github_deploy_gcp(workflow, full, repo)
    elif full["cloud"] == "azure":
        check_github_azure_deploy(project, workflow, full, repo)
    elif deploys:
        check_github_deploy(workflow, full, repo)


# The last step of GitHub's plan and deploy jobs, on every cloud.
GITHUB_TERRAFORM_RUNS = {"plan": "terraform plan -lock=false", "deploy": "terraform apply -auto-approve"}


def check_github_deploy_gate(deploy: dict, environment: str) -> None:
    """The deploy job runs on a manual start on main only, in `environment`, after the image it
    copies, and is never cut short."""
    assert deploy["if"].startswith(
        "github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main'"
    )
    assert deploy.get("environment") == environment
    assert "image" in deploy["needs"], "the deploy waits for the image it copies"
    assert deploy["concurrency"]["cancel-in-progress"] is False, "a deploy is never cut short"


def check_github_deploy(workflow: dict, full: dict, image: str) -> None:
    """Plan on every run and deploy main on a manual start, each with the role its repository
    variable names (by OIDC: no AWS key), in the environment the deploy role trusts; the deploy
    runs the image this run tested and pushed, with the tag Terraform applies."""
    jobs = workflow["jobs"]
    assert "workflow_dispatch" in workflow[True], "a manual start is the deploy gate"
    roles = {"plan": "AWS_PLAN_ROLE_ARN", "deploy": "AWS_DEPLOY_ROLE_ARN"}
    for name, role in roles.items():
        job = jobs[name]
        assert job["permissions"]["id-token"] == "write"
        assert f"vars.{role} != ''" in job["if"], f"{name} runs once {role} is set"
        assert job["defaults"]["run"]["working-directory"] == CLOUDS["aws"]["terraform_dir"]
        assert job["env"]["TF_VAR_image_tag"] == "${{ github.sha }}"
        assert job["env"]["TF_VAR_aws_region"] == "${{ vars.AWS_REGION }}"
        (login,) = [
            s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
        ]
        assert login["with"] == {
            "role-to-assume": f"${{{{ vars.{role} }}}}",
            "aws-region": "${{ vars.AWS_REGION }}",
        }
        runs = [step["run"] for step in job["steps"] if "run" in step]
        init = runs[0].split()
        assert init[:2] == ["terraform", "init"] and '-backend-config="bucket=$TF_STATE_BUCKET"' in init
        assert job["env"]["TF_STATE_BUCKET"] == "${{ vars.TF_STATE_BUCKET }}"
        assert runs[-1] == GITHUB_TERRAFORM_RUNS[name]
    deploy = jobs["deploy"]
    check_github_deploy_gate(deploy, CI_TRUST["github"]["variables"]["github_deploy_environment"])
    (copy,) = [s for s in deploy["steps"] if s.get("name") == "Copy the tested image into ECR"]
    assert copy["env"]["IMAGE"] == image + ":${{ github.sha }}"
    assert 'docker push "$ECR_REPOSITORY_URL:$GITHUB_SHA"' in copy["run"], (
        "ECR gets the tag Terraform applies"
    )


def check_github_azure_deploy(project: Path, workflow: dict, full: dict, image: str) -> None:
    """cloud=azure: plan on every run and deploy main on a manual start in the environment the deploy
    identity trusts, each signed in as the identity its repository variable names (by OIDC: no
    Azure secret), with the state in Azure Storage; the deploy imports the image this run pushed
    into the repository the Container App runs, with the tag Terraform applies."""
    jobs = workflow["jobs"]
    text = (project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    for word in (
        "ARM_CLIENT_SECRET",
        "AZURE_CLIENT_SECRET",
        "ARM_ACCESS_KEY",
        "ARM_CLIENT_CERTIFICATE",
        "creds:",
    ):
        assert word not in text, f"no long-lived Azure secret: {word} is not in the workflow"
    assert "workflow_dispatch" in workflow[True], "a manual start is the deploy gate"
    clients = {"plan": "AZURE_PLAN_CLIENT_ID", "deploy": "AZURE_DEPLOY_CLIENT_ID"}
    # The backend settings the block leaves out come at init, from the workflow's variables.
    at_init = set(CLOUDS["azure"]["state_backend"]["settings"]) - set(GITHUB_STATE["azure"][1])
    for name, client in clients.items():
        job = jobs[name]
        assert job["permissions"]["id-token"] == "write"
        assert f"vars.{client} != ''" in job["if"], f"{name} runs once {client} is set"
        assert job["defaults"]["run"]["working-directory"] == CLOUDS["azure"]["terraform_dir"]
        env = job["env"]
        assert env["ARM_USE_OIDC"] == "true" and env["ARM_CLIENT_ID"] == f"${{{{ vars.{client} }}}}"
        assert env["TF_VAR_image_tag"] == "${{ github.sha }}"
        runs = [step["run"] for step in job["steps"] if "run" in step]
        init = shlex.split(runs[0])
        given = {word.split("=", 1)[1].split("=")[0] for word in init if word.startswith("-backend-config=")}
        assert init[:2] == ["terraform", "init"] and given == at_init, "init names the state"
        assert runs[-1] == GITHUB_TERRAFORM_RUNS[name]
    deploy = jobs["deploy"]
    check_github_deploy_gate(deploy, CI_SYSTEMS["github"]["deploy_environment"])
    (copy,) = [s for s in deploy["steps"] if s.get("name") == "Copy the tested image into ACR"]
    assert copy["env"]["IMAGE"] == image + ":${{ github.sha }}", "ACR gets the image this run pushed"
    login, imported = (shlex.split(line) for line in copy["run"].splitlines() if line.startswith("az "))
    assert dict(itertools.pairwise(login))["--federated-token"] == "$token", "signed in by OIDC"
    assert f"audience={CLOUDS['azure']['oidc_audience']}" in copy["run"]
    options = dict(itertools.pairwise(imported))
    repository = load_terraform(project / CLOUDS["azure"]["terraform_dir"])["variable"]["project_name"][
        "default"
    ]
    assert (options["--source"], options["--image"]) == ("$IMAGE", "$REPOSITORY:$GITHUB_SHA")
    assert copy["env"]["REPOSITORY"] == repository, "into the repository the Container App runs"


def check_github_deploy_gcp(workflow: dict, full: dict, image: str) -> None:
    """cloud=gcp: plan on every run and deploy main on a manual start, each as the service account
    its repository variable names, by workload identity federation (no key), with the state in the
    bucket Terraform grants them; the deploy runs in the environment the deploy account trusts and
    copies the image this run tested and pushed into Artifact Registry, under the tag and name
    Cloud Run runs."""
    jobs = workflow["jobs"]
    assert "workflow_dispatch" in workflow[True], "a manual start is the deploy gate"
    accounts = {"plan": "GCP_PLAN_SERVICE_ACCOUNT", "deploy": "GCP_DEPLOY_SERVICE_ACCOUNT"}
    for name, account in accounts.items():
        job = jobs[name]
        assert job["permissions"]["id-token"] == "write"
        assert f"vars.{account} != ''" in job["if"], f"{name} runs once {account} is set"
        assert job["defaults"]["run"]["working-directory"] == CLOUDS["gcp"]["terraform_dir"]
        assert job["env"]["TF_VAR_image_tag"] == "${{ github.sha }}"
        assert job["env"]["TF_VAR_project_id"] == "${{ vars.GCP_PROJECT_ID }}"
        assert (
            job["env"]["TF_VAR_state_bucket"]
            == job["env"]["TF_STATE_BUCKET"]
            == "${{ vars.TF_STATE_BUCKET }}"
        ), "Terraform grants the CI accounts the bucket init names"
        (auth,) = [s for s in job["steps"] if s.get("uses", "").startswith("google-github-actions/auth@")]
        assert auth["with"]["workload_identity_provider"] == "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}"
        assert auth["with"]["service_account"] == f"${{{{ vars.{account} }}}}", f"{name} acts as {account}"
        assert not {"credentials_json", "credentials"} & set(auth["with"]), "no key, only federation"
        runs = [step["run"] for step in job["steps"] if "run" in step]
        assert runs[0] == 'terraform init -backend-config="bucket=$TF_STATE_BUCKET"'
        assert runs[-1] == GITHUB_TERRAFORM_RUNS[name]
    deploy = jobs["deploy"]
    check_github_deploy_gate(deploy, CI_SYSTEMS["github"]["deploy_environment"])
    (copy,) = [s for s in deploy["steps"] if s.get("name") == "Copy the tested image into Artifact Registry"]
    assert copy["env"]["IMAGE"] == image + ":${{ github.sha }}"
    assert copy["env"]["GOOGLE_TOKEN"] == "${{ steps.auth.outputs.access_token }}"
    assert f'docker push "$ARTIFACT_REGISTRY_URL/{full["project_slug"]}:$GITHUB_SHA"' in copy["run"], (
        "Artifact Registry gets the image name and tag Cloud Run runs"
    )


def _gitlab_job(config: dict, name: str) -> dict:
    """A job with what it `extends` merged in (hashes deeply, like GitLab; the job's keys win)."""

    def merge(base: dict, over: dict) -> dict:
        merged = dict(base)
        for key, value in over.items():
            both = isinstance(value, dict) and isinstance(merged.get(key), dict)
            merged[key] = merge(merged[key], value) if both else value
        return merged

    job = config[name]
    parents = job.get("extends", [])
    for parent in [parents] if isinstance(parents, str) else parents:
        job = merge(_gitlab_job(config, parent), job)
    return {key: value for key, value in job.items() if key != "extends"}


def _script(job: dict) -> list[str]:
    """The job's commands in order; a nested list (a YAML alias of shared lines) is flattened, as by GitLab."""
    lines = job.get("before_script", []) + job.get("script", [])
    return [line.strip() for item in lines for line in (item if isinstance(item, list) else [item])]


def check_gitlab_ci(project: Path, answers: dict) -> None:
    """.gitlab-ci.yml runs what GitHub's workflow runs, from the same facts, and reaches AWS by
    OIDC only: deploys from the default branch behind a manual job."""
    stack, db, full = _facts(project, answers)
    text = (project / ".gitlab-ci.yml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    ci = CI_SYSTEMS["gitlab"]
    directory = CLOUDS[full["cloud"]]["terraform_dir"]
    keywords = {"stages", "workflow", "default", "variables", "include"}
    jobs = {name: _gitlab_job(config, name) for name in set(config) - keywords if not name.startswith(".")}
    aws = {"plan", "release", "deploy"} if directory else set()
    image_jobs = {"build", "smoke", "publish"}
    assert set(jobs) == {"lint", "test"} | image_jobs | ({"terraform"} | aws if directory else set()), (
        "GitHub's jobs (the image one is `build`: `image` is a GitLab keyword), plus plan and deploy "
        "exactly when there is Terraform"
    )
    assert config["stages"] == ["lint", "test", "build"] + (["terraform", "deploy"] if directory else [])
    for name in ("lint", "test"):
        job = jobs[name]
        assert job["image"] == stack["gitlab_ci"]["image"]
        steps = _script(job)
        assert steps[0] == stack["commands"]["install"], f"{name} installs first"
        generate = stack["commands"].get("generate")
        assert (generate in steps) == bool(generate), f"{name} generates code exactly when there is a step"
        if generate:
            assert steps.index(generate) == 1 and len(steps) == 3, f"{name}: install, generate, then run"
    assert _script(jobs["lint"])[-1] == stack["commands"]["lint"]
    ignored = (project / ".gitignore").read_text(encoding="utf-8").splitlines()
    cached = jobs["lint"].get("cache", {}).get("paths", [])
    assert cached == stack["gitlab_ci"]["cache_paths"]
    assert all(path in ignored for path in cached), "the lint command skips the cache (git-ignored)"
    assert _script(jobs["test"])[-1] == stack["commands"]["test"]

    test = jobs["test"]
    env = {
        key: value for key, value in test["variables"].items() if key not in stack["gitlab_ci"]["variables"]
    }
    assert set(env) == ci_test_env(full), "the test job sets what GitHub's sets"
    services = {service["alias"]: service for service in test.get("services", [])}
    cache = CACHES[full["cache"]]
    assert set(services) == {
        name for name, used in (("db", db["server"]), ("cache", "image" in cache)) if used
    }
    if db["server"]:
        service = services["db"]
        assert service["name"] == db["image"]
        url = urlsplit(env[CONTRACT["env"]["database_url"]])
        assert url.scheme == db["url_scheme"]
        assert (url.hostname, url.port) == ("db", db["port"]), "a service is reached by its alias"
        assert url.username == service["variables"][db["user_env"]]
        assert url.password == service["variables"][db["password_env"]]
        assert url.path == "/" + service["variables"][db["db_env"]]
    if "image" in cache:
        assert services["cache"]["name"] == cache["image"]
        url = urlsplit(env[CONTRACT["env"]["cache_url"]])
        assert (url.scheme, url.hostname, url.port) == (cache["url_scheme"], "cache", cache["port"])

    check_gitlab_image_jobs(jobs, stack, full)

    for word in ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN"):
        assert word not in text, f"no long-lived AWS key: {word} is not in .gitlab-ci.yml"
    if not directory:
        assert not {"id_tokens", "AWS_ROLE_ARN"} & set(text.split()), "no cloud, no AWS access"
        return
    terraform = jobs["terraform"]
    assert terraform["image"]["name"] == ci["images"]["terraform"]
    assert _script(terraform) == [
        f"cd {directory}",
        "terraform fmt -check -recursive -diff",
        "terraform init -backend=false",
        "terraform validate",
    ]
    if full["cloud"] == "azure":
        check_gitlab_azure(project, jobs, text, full)
        return
    default_branch = "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
    if full["cloud"] == "gcp":
        check_gitlab_gcp(project, full, jobs, default_branch)
        return
    for name in aws:
        job = jobs[name]
        assert job["id_tokens"] == {"AWS_ID_TOKEN": {"aud": ci["oidc_audience"]}}, f"{name} uses an ID token"
        assert job["variables"]["AWS_WEB_IDENTITY_TOKEN_FILE"].startswith("$CI_PROJECT_DIR/")
        role = "AWS_PLAN_ROLE_ARN" if name == "plan" else "AWS_DEPLOY_ROLE_ARN"
        assert f'export AWS_ROLE_ARN="${role}"' in _script(job), f"{name} assumes {role}"
        rules = job["rules"]
        assert len(rules) == 1 and role in rules[0]["if"]
        if name != "plan":
            assert rules[0]["if"].startswith(default_branch + " &&"), (
                f"{name} runs on the default branch only"
            )
    assert jobs["deploy"]["rules"][0].get("when") == "manual", "deploying waits for a person"
    # The CI/CD variables the AWS jobs wait for are the ones the README tells the learner to set,
    # from outputs the Terraform has.
    readme = (project / "README.md").read_text(encoding="utf-8")
    waited = {name for job in aws for name in re.findall(r"\$(\w+)", jobs[job]["rules"][0]["if"])}
    # auth=oauth2's settings too: check_oauth2_reaches_ci.
    waited -= {"CI_COMMIT_BRANCH", "CI_DEFAULT_BRANCH", *OAUTH2_CI_SETTINGS["gitlab"].values()}
    assert waited == {"AWS_PLAN_ROLE_ARN", "AWS_DEPLOY_ROLE_ARN", "ECR_REPOSITORY_URL"}
    assert all(f"`{name}`" in readme for name in waited), "the README names every variable to set"
    outputs = load_terraform(project / directory)["output"]
    for name in waited:
        source = re.search(rf"`{name}`\s+from\s+`(\w+)`", readme)
        assert source and source.group(1) in outputs, f"the README sets {name} from an output Terraform has"
    assert "when" not in jobs["release"]["rules"][0] and jobs["deploy"]["needs"] == ["release"]
    assert jobs["release"]["needs"] == ["publish"], "ECR gets the image once it is published"
    assert _script(jobs["deploy"])[-1] == "terraform apply -auto-approve"
    assert any(line.startswith("terraform plan ") for line in _script(jobs["plan"]))
    assert '--destination "$ECR_REPOSITORY_URL:$CI_COMMIT_SHA"' in _script(jobs["release"])[-1]
    assert f'FROM %s\\n\' "{ci["image"]}:$CI_COMMIT_SHA"' in "\n".join(_script(jobs["release"])), (
        "ECR gets the image this pipeline pushed"
    )


def check_gitlab_azure(project: Path, jobs: dict, text: str, full: dict) -> None:
    """ci=gitlab on Azure: plan, release and deploy sign in with the job's ID token for Entra ID's
    audience, as the identities the README has the learner name; all on the default branch (the
    federated credentials trust nothing else), the deploy behind a manual job; release imports the
    image this pipeline pushed into the repository the Container App runs."""
    for word in ("ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET", "ARM_ACCESS_KEY", "ARM_CLIENT_CERTIFICATE"):
        assert word not in text, f"no long-lived Azure secret: {word} is not in .gitlab-ci.yml"
    default_branch = "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
    audience = CLOUDS["azure"]["oidc_audience"]
    clients = {
        "plan": "AZURE_PLAN_CLIENT_ID",
        "release": "AZURE_DEPLOY_CLIENT_ID",
        "deploy": "AZURE_DEPLOY_CLIENT_ID",
    }
    for name, client in clients.items():
        job = jobs[name]
        assert job["id_tokens"] == {"AZURE_ID_TOKEN": {"aud": audience}}, (
            f"{name} uses an ID token for Entra ID"
        )
        (rule,) = job["rules"]
        assert rule["if"].startswith(default_branch + " &&") and client in rule["if"], (
            f"{name} runs on the default branch once {client} is set"
        )
    for name in ("plan", "deploy"):
        job = jobs[name]
        assert job["variables"]["ARM_USE_OIDC"] == "true"
        assert 'export ARM_OIDC_TOKEN="$AZURE_ID_TOKEN"' in job["before_script"]
        assert f'export ARM_CLIENT_ID="${clients[name]}"' in _script(job), (
            f"{name} signs in as {clients[name]}"
        )
        assert job["variables"]["TF_VAR_image_tag"] == "$CI_COMMIT_SHA"
    assert jobs["deploy"]["rules"][0].get("when") == "manual", "deploying waits for a person"
    assert "when" not in jobs["release"]["rules"][0] and jobs["deploy"]["needs"] == ["release"]
    assert _script(jobs["deploy"])[-1] == "terraform apply -auto-approve"
    assert any(line.startswith("terraform plan ") for line in _script(jobs["plan"]))

    release = jobs["release"]
    assert release["needs"] == ["publish"], "ACR gets the image once it is published"
    assert release["image"] == CLOUDS["azure"]["gitlab_ci_image"]
    login, copy = (shlex.split(line) for line in _script(release))
    options = dict(itertools.pairwise(login))
    assert login[:3] == ["az", "login", "--service-principal"]
    assert (options["--username"], options["--federated-token"]) == (
        "$AZURE_DEPLOY_CLIENT_ID",
        "$AZURE_ID_TOKEN",
    )
    options = dict(itertools.pairwise(copy))
    assert copy[:3] == ["az", "acr", "import"]
    assert options["--source"] == f"{CI_SYSTEMS['gitlab']['image']}:$CI_COMMIT_SHA", (
        "the image this pipeline pushed"
    )
    terraform = load_terraform(project / CLOUDS["azure"]["terraform_dir"])
    repository = terraform["variable"]["project_name"]["default"]
    assert options["--image"] == f"{repository}:$CI_COMMIT_SHA", "into the repository the Container App runs"
    assert options["--name"] == "$AZURE_REGISTRY_NAME"

    readme = (project / "README.md").read_text(encoding="utf-8")
    waited = {name for job in clients for name in re.findall(r"\$(\w+)", jobs[job]["rules"][0]["if"])}
    # auth=oauth2's settings too: check_oauth2_reaches_ci.
    waited -= {"CI_COMMIT_BRANCH", "CI_DEFAULT_BRANCH", *OAUTH2_CI_SETTINGS["gitlab"].values()}
    assert waited == {"AZURE_PLAN_CLIENT_ID", "AZURE_DEPLOY_CLIENT_ID", "AZURE_REGISTRY_NAME"}
    used = set(re.findall(r"\$(AZURE_[A-Z_]+)", text)) - {"AZURE_ID_TOKEN"}
    for name in used:
        assert f"`{name}`" in readme, f"the README names {name}"
    for name in used - {"AZURE_SUBSCRIPTION_ID"}:
        source = re.search(rf"`{name}`\s+from\s+`(\w+)`", readme)
        assert source and source.group(1) in terraform["output"], f"the README sets {name} from an output"


def check_gitlab_image_jobs(jobs: dict, stack: dict, full: dict) -> None:
    """Every pipeline builds and pushes a candidate, the smoke test runs that candidate as a service
    the way production runs it and probes the health path on the stack's port, and only the default
    branch publishes the tested candidate under the image's names."""
    ci = CI_SYSTEMS["gitlab"]
    candidate = f"{ci['candidate_image']}:$CI_COMMIT_SHA"

    def pushes(job: dict) -> list[list[str]]:
        return [shlex.split(line) for line in _script(job) if line.startswith("buildah push")]

    build, smoke, publish = jobs["build"], jobs["smoke"], jobs["publish"]
    for job in (build, publish):
        assert job["image"] == ci["images"]["buildah"]
        assert any(line.startswith("printf") and "buildah login" in line for line in job["before_script"])
    assert f'buildah build --file Dockerfile --tag "{candidate}" .' in _script(build)
    assert pushes(build) == [["buildah", "push", candidate]], "a build pushes its candidate, nothing else"
    assert "rules" not in build, "every pipeline builds a candidate"

    assert smoke["needs"] == ["build"] and smoke["image"]["name"] == ci["images"]["curl"]
    (service,) = smoke["services"]
    assert service["name"] == candidate and service["alias"] == "app", "the smoke test runs the candidate"
    passed = set(service.get("variables", {}))
    expected = production_env(full) | set(DATABASES[full["database"]].get("smoke_env", {}))
    assert passed == expected, f"the smoke test passes {sorted(passed)}, production needs {sorted(expected)}"
    probe = f"curl -fsS http://app:{stack['port']}{CONTRACT['health_path']}"
    assert probe in "\n".join(_script(smoke)), "the smoke test probes the health path on the stack's port"

    assert publish["needs"] == ["smoke"], "only a candidate that passed the smoke test is published"
    assert publish.get("rules") == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}], (
        "from the default branch only"
    )
    targets = [words[3] for words in pushes(publish) if words[2] == candidate]
    assert len(targets) == len(pushes(publish)) and targets == [
        f"docker://{ci['image']}:$CI_COMMIT_SHA",
        f"docker://{ci['image']}:latest",
    ], "publish names the candidate, and nothing else"


# The CI/CD variables the Google Cloud jobs wait for, and the Terraform output the README sets each
# from (None: the learner's own project id).
GITLAB_GCP_VARIABLES = {
    "GCP_PROJECT_ID": None,
    "GCP_WORKLOAD_IDENTITY_PROVIDER": "workload_identity_provider",
    "GCP_PLAN_SERVICE_ACCOUNT": "ci_plan_service_account",
    "GCP_DEPLOY_SERVICE_ACCOUNT": "ci_deploy_service_account",
    "ARTIFACT_REGISTRY_URL": "artifact_registry_url",
}


def check_gitlab_gcp(project: Path, full: dict, jobs: dict, default_branch: str) -> None:
    """ci=gitlab, cloud=gcp: plan, release and deploy reach Google Cloud by workload identity
    federation only: each writes its ID token (the audience the provider accepts) and a credential
    configuration for the service account of its job; release copies the image this pipeline
    pushed into Artifact Registry under the tag the deploy applies; the deploy waits for a person
    on the default branch. The variables they wait for are the ones the README sets, from outputs
    the Terraform has."""
    ci = CI_SYSTEMS["gitlab"]
    directory = CLOUDS["gcp"]["terraform_dir"]
    readme = (project / "README.md").read_text(encoding="utf-8")
    outputs = load_terraform(project / directory)["output"]
    accounts = {"plan": "$GCP_PLAN_SERVICE_ACCOUNT", "release": "$GCP_DEPLOY_SERVICE_ACCOUNT"}
    accounts["deploy"] = accounts["release"]
    waited = set()
    for name, account in accounts.items():
        job = jobs[name]
        assert job["id_tokens"] == {"GCP_ID_TOKEN": {"aud": CLOUDS["gcp"]["gitlab_oidc_audience"]}}
        assert job["variables"]["GCP_SERVICE_ACCOUNT"] == account, f"{name} acts as {account}"
        credentials = job["variables"]["GOOGLE_APPLICATION_CREDENTIALS"]
        script = _script(job)
        (config,) = [line for line in script if '"type":"external_account"' in line]
        assert credentials.startswith("$CI_PROJECT_DIR/") and config.endswith(
            '> "$GOOGLE_APPLICATION_CREDENTIALS"'
        )
        assert '"$GCP_WORKLOAD_IDENTITY_PROVIDER" "$GCP_SERVICE_ACCOUNT"' in config
        assert script.index('printf \'%s\' "$GCP_ID_TOKEN" > "$CI_PROJECT_DIR/.gcp-id-token"') < script.index(
            config
        )
        (rule,) = job["rules"]
        # auth=oauth2's settings too: check_oauth2_reaches_ci.
        waited |= set(re.findall(r"\$(\w+)", rule["if"])) - {
            "CI_COMMIT_BRANCH",
            "CI_DEFAULT_BRANCH",
            *OAUTH2_CI_SETTINGS["gitlab"].values(),
        }
        assert account.lstrip("$") in rule["if"], f"{name} waits for {account}"
        if name != "plan":
            assert rule["if"].startswith(default_branch + " &&"), f"{name} runs on the default branch only"
    assert jobs["deploy"]["rules"][0].get("when") == "manual", "deploying waits for a person"
    assert "when" not in jobs["release"]["rules"][0] and jobs["deploy"]["needs"] == ["release"]
    assert waited == set(GITLAB_GCP_VARIABLES), f"the jobs wait for {sorted(waited)}"
    assert jobs["release"]["needs"] == ["publish"], "Artifact Registry gets the image once it is published"
    for variable, output in GITLAB_GCP_VARIABLES.items():
        assert f"`{variable}`" in readme, f"the README names {variable}"
        if output:
            source = re.search(rf"`{variable}`\s+from\s+`(\w+)`", readme)
            assert source and source.group(1) == output and output in outputs, (
                f"the README sets {variable} from output {output}"
            )
    for name in ("plan", "deploy"):
        variables = jobs[name]["variables"]
        assert variables["TF_VAR_project_id"] == "$GCP_PROJECT_ID"
        assert variables["TF_VAR_image_tag"] == "$CI_COMMIT_SHA"
    assert _script(jobs["deploy"])[-1] == "terraform apply -auto-approve"
    assert _script(jobs["plan"])[-1].startswith("terraform plan ")
    release = _script(jobs["release"])
    destination = f'--destination "$ARTIFACT_REGISTRY_URL/{full["project_slug"]}:$CI_COMMIT_SHA"'
    assert release[-1].endswith(destination), "release pushes the tag the deploy applies"
    assert f'FROM %s\\n\' "{ci["image"]}:$CI_COMMIT_SHA"' in "\n".join(release), (
        "Artifact Registry gets the image this pipeline pushed"
    )


# What each CI system's ID tokens say, stated here independently of the template: the provider
# Terraform trusts, the claim-name prefix, and the subjects of the plan and deploy roles.
CI_TRUST = {
    "gitlab": {
        "provider": "gitlab",
        "url": "${var.gitlab_url}",
        "audience": "${var.gitlab_oidc_audience}",
        "claims": "${local.gitlab_host}",
        "plan": "project_path:${var.gitlab_project_path}:ref_type:branch:ref:*",
        "deploy": "project_path:${var.gitlab_project_path}:ref_type:branch:ref:${var.gitlab_deploy_branch}",
        "variables": {
            "gitlab_url": "https://gitlab.com",
            "gitlab_oidc_audience": "sts.amazonaws.com",
            "gitlab_project_path": "{owner}/{slug}",
            "gitlab_deploy_branch": "main",
        },
    },
    "github": {
        "provider": "github",
        "url": "https://token.actions.githubusercontent.com",
        "audience": "sts.amazonaws.com",
        "claims": "token.actions.githubusercontent.com",
        "plan": "repo:${var.github_repository}:*",
        "deploy": "repo:${var.github_repository}:environment:${var.github_deploy_environment}",
        "variables": {"github_repository": "{owner}/{slug}", "github_deploy_environment": "production"},
    },
}


def check_ci_oidc(project: Path, answers: dict) -> None:
    """On AWS, Terraform makes the trust the pipeline needs: an OIDC provider for the CI system's
    issuer, and roles only this repository's jobs assume (deploy: its deploy branch or environment),
    the deploy role limited to pushing the image and rolling it out."""
    _stack, _db, full = _facts(project, answers)
    directory = terraform_dir(project, full)
    files = {f"{ci}_oidc.tf" for ci in CI_TRUST} | {"ci_roles.tf"}
    if full["ci"] == "jenkins" and full["cloud"] == "aws":
        return  # check_jenkins_oidc: Jenkins' issuer is the learner's controller
    if directory is None or full["ci"] not in CI_TRUST or full["cloud"] != "aws":
        if directory is not None:
            assert not {path.name for path in directory.iterdir()} & files
        return
    trust = CI_TRUST[full["ci"]]
    assert {path.name for path in directory.iterdir()} & files == {f"{full['ci']}_oidc.tf", "ci_roles.tf"}
    terraform = load_terraform(directory)
    resources, variables = terraform["resource"], terraform["variable"]
    provider = resources["aws_iam_openid_connect_provider"][trust["provider"]]
    assert provider["url"] == trust["url"]
    assert provider["client_id_list"] == [trust["audience"]]
    names = {"owner": full["repository_owner"], "slug": full["project_slug"]}
    for variable, default in trust["variables"].items():
        assert variables[variable]["default"] == default.format(**names), variable
        assert variables[variable].get("description") and variables[variable].get("validation"), variable
    (assume,) = terraform["data"]["aws_iam_policy_document"]["ci_assume"]["statement"]
    assert assume["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    assert assume["principals"] == [
        {
            "type": "Federated",
            "identifiers": [f"${{aws_iam_openid_connect_provider.{trust['provider']}.arn}}"],
        }
    ]
    conditions = {c["variable"]: c for c in assume["condition"]}
    assert conditions.get(f"{trust['claims']}:aud", {}).get("values") == [trust["audience"]]
    subjects = terraform["data"]["aws_iam_policy_document"]["ci_assume"]["for_each"]
    assert subjects == {"plan": trust["plan"], "deploy": trust["deploy"]}
    assert conditions[f"{trust['claims']}:sub"]["values"] == ["${each.value}"]
    assert (
        conditions[f"{trust['claims']}:sub"]["test"]
        == '${each.key == "plan" ? "StringLike" : "StringEquals"}'
    ), "only the plan role's subject is a pattern"
    check_ci_roles(terraform, full["ci"])


def check_gcp_federation(project: Path, answers: dict) -> None:
    """With cloud=gcp, Terraform makes the trust CI needs, whatever the CI: a workload identity
    provider that takes this repository's (GitLab: project's) ID tokens only, a plan account any of
    its jobs may act as, and a deploy account only the deploy job's one subject may act as, which
    may push to the registry and roll out the service, and nothing else. No key exists."""
    _stack, _db, full = _facts(project, answers)
    directory = terraform_dir(project, full)
    if directory is None or full["cloud"] != "gcp":
        if directory is not None:
            assert "google_iam_workload_identity_pool" not in load_terraform(directory)["resource"]
        return
    tf = load_terraform(directory)
    resources, variables = tf["resource"], tf["variable"]
    provider = resources["google_iam_workload_identity_pool_provider"]["ci"]
    (oidc,) = provider["oidc"]
    if full["ci"] == "jenkins":
        check_gcp_jenkins_federation(tf, full)
        return
    if full["ci"] == "gitlab":
        claim, repository = "project_path", "gitlab_project_path"
        assert oidc["issuer_uri"] == "${var.gitlab_url}"
        assert variables["gitlab_url"]["default"] == CI_SYSTEMS["gitlab"]["oidc_issuer"]
        assert oidc["allowed_audiences"] == ["${var.gitlab_oidc_audience}"]
        assert variables["gitlab_oidc_audience"]["default"] == CLOUDS["gcp"]["gitlab_oidc_audience"]
        subject = "project_path:${var.gitlab_project_path}:ref_type:branch:ref:${var.gitlab_deploy_branch}"
    else:
        claim, repository = "repository", "github_repository"
        assert oidc["issuer_uri"] == CI_SYSTEMS["github"]["oidc_issuer"]
        assert "allowed_audiences" not in oidc, "the provider's own name, which GitHub's auth action asks for"
        subject = "repo:${var.github_repository}:environment:${var.github_deploy_environment}"
        assert variables["github_deploy_environment"]["default"] == CI_SYSTEMS["github"]["deploy_environment"]
        check_gcp_state_grants(resources)
    assert variables[repository]["default"] == f"{full['repository_owner']}/{full['project_slug']}"
    assert provider["attribute_mapping"] == {
        "google.subject": "assertion.sub",
        f"attribute.{claim}": f"assertion.{claim}",
    }
    assert provider["attribute_condition"] == f"assertion.{claim} == '${{var.{repository}}}'", (
        "the provider takes this repository's tokens only"
    )
    assert tf["locals"]["deploy_subject"] == subject, "one exact subject may deploy, no pattern"
    check_gcp_account_federation(resources, plan_members=f"attribute.{claim}/${{var.{repository}}}")
    check_gcp_ci_grants(tf)


def check_gcp_account_federation(resources: dict, plan_members: str) -> None:
    """Who may act as the CI accounts: the pool's `plan_members` as the plan account, one exact
    subject (local.deploy_subject) as the deploy account."""
    members = resources["google_service_account_iam_member"]
    pool = "iam.googleapis.com/${local.ci_pool}"
    federation = {
        "ci_plan_federation": ("ci_plan", f"principalSet://{pool}/{plan_members}"),
        "ci_deploy_federation": ("ci_deploy", f"principal://{pool}/subject/${{local.deploy_subject}}"),
    }
    for name, (account, member) in federation.items():
        assert members[name]["service_account_id"] == f"${{google_service_account.{account}.name}}"
        assert members[name]["role"] == "roles/iam.workloadIdentityUser"
        assert members[name]["member"] == member, f"{name}: {member}"


def check_gcp_ci_grants(tf: dict) -> None:
    """The CI accounts only read the project; the deploy account pushes to the registry, rolls out
    the service and hands over its account, nothing else; no key exists; the outputs name them."""
    resources = tf["resource"]
    members = resources["google_service_account_iam_member"]
    assert {member["role"] for member in resources["google_project_iam_member"].values()} == {
        "roles/viewer"
    }, "project-wide, the CI accounts only read"
    push = resources["google_artifact_registry_repository_iam_member"]["ci_deploy_push"]
    assert push["repository"] == "${google_artifact_registry_repository.app.name}"
    roll_out = resources["google_cloud_run_v2_service_iam_member"]["ci_deploy_roll_out"]
    assert roll_out["name"] == "${google_cloud_run_v2_service.app.name}"
    for grant in (push, roll_out, members["ci_deploy_acts_as_app"]):
        assert grant["member"] == "serviceAccount:${google_service_account.ci_deploy.email}"
    assert members["ci_deploy_acts_as_app"]["service_account_id"] == "${google_service_account.app.name}"
    assert "google_service_account_key" not in resources, "no key, only federation"
    assert set(tf["output"]) >= {
        "workload_identity_provider",
        "ci_plan_service_account",
        "ci_deploy_service_account",
    }


def check_gcp_state_grants(resources: dict) -> None:
    """The state in Cloud Storage: the plan account reads it, the deploy account writes it."""
    state = resources["google_storage_bucket_iam_member"]["ci_state"]
    assert state["bucket"] == "${var.state_bucket}"
    assert state["for_each"] == {
        "roles/storage.objectViewer": "${google_service_account.ci_plan.email}",
        "roles/storage.objectUser": "${google_service_account.ci_deploy.email}",
    }, "the plan reads the state, the deploy writes it"


def check_gcp_jenkins_federation(tf: dict, full: dict) -> None:
    """ci=jenkins on Google Cloud: the workload identity provider takes the Jenkins issuer's tokens
    for the audience of the credential, of this repository's multibranch job's branch builds only
    (their subject is the job URL); any of them may plan, main's job alone may deploy."""
    resources, local = tf["resource"], tf["locals"]
    provider = resources["google_iam_workload_identity_pool_provider"]["ci"]
    (oidc,) = provider["oidc"]
    assert local["jenkins_issuer"] == "${var.jenkins_url}oidc", "the plugin's issuer"
    assert local["jenkins_job_url"] == "${var.jenkins_url}${var.jenkins_job_path}"
    assert oidc == {
        "issuer_uri": "${local.jenkins_issuer}",
        "allowed_audiences": ["${var.jenkins_oidc_audience}"],
    }
    check_jenkins_trust_variables(tf["variable"], full)
    assert provider["attribute_mapping"] == {"google.subject": "assertion.sub"}
    assert provider["attribute_condition"] == "assertion.sub.startsWith('${local.jenkins_job_url}job/')", (
        "the provider takes the branch builds of this repository's job only"
    )
    deploy = "${local.jenkins_job_url}job/${var.jenkins_deploy_branch}/"
    assert local["deploy_subject"] == deploy, "one exact subject may deploy: main's job"
    check_gcp_account_federation(resources, plan_members="*")
    check_gcp_state_grants(resources)
    check_gcp_ci_grants(tf)


def check_jenkins_trust_variables(variables: dict, full: dict) -> None:
    """The Jenkins inputs of a cloud's trust: the controller's URL with no default (no placeholder
    issuer is trusted), the multibranch job the README has the learner create, main, and the audience
    of the cloud's ID token credential; each described and validated."""
    audience = CI_SYSTEMS["jenkins"]["identities"][full["cloud"]]["oidc_audience"]
    assert "default" not in variables["jenkins_url"], "no placeholder issuer is trusted"
    assert variables["jenkins_job_path"]["default"] == f"job/{full['project_slug']}/", (
        "the multibranch job the README has the learner create"
    )
    assert variables["jenkins_deploy_branch"]["default"] == "main"
    assert variables["jenkins_oidc_audience"]["default"] == audience, "the credential's audience"
    for name in ("jenkins_url", "jenkins_job_path", "jenkins_deploy_branch", "jenkins_oidc_audience"):
        assert variables[name].get("description") and variables[name].get("validation"), name


# --- Jenkins ------------------------------------------------------------------------------------


def _groovy_block(text: str, opening: str) -> str:
    """What stands between the braces of the first `opening ... {` (braces in strings balance too)."""
    assert opening in text, f"no {opening.strip()} block"
    start = text.index(opening)
    depth, position = 0, text.index("{", start)
    for index in range(position, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[position + 1 : index]
    raise AssertionError(f"{opening} is never closed")


def _stage(text: str, name: str) -> str:
    return _groovy_block(text, f"stage('{name}')")


_SH = re.compile(r"\bsh '((?:[^'\\]|\\.)*)'")


def _sh(block: str) -> list[str]:
    """The commands of the `sh '...'` steps (Groovy single-quoted strings) in order."""
    return [re.sub(r"\\(.)", r"\1", command) for command in _SH.findall(block)]


_SH_SCRIPT = re.compile(r"\bsh '''(.*?)'''", re.DOTALL)


def _sh_scripts(block: str) -> list[str]:
    """The scripts of the `sh '''...'''` steps (Groovy triple-quoted strings), dedented, in order."""
    return [textwrap.dedent(re.sub(r"\\(.)", r"\1", script)).strip() for script in _SH_SCRIPT.findall(block)]


def _environment(block: str) -> dict[str, str]:
    """NAME = 'value' (or "value") lines of the block's first environment directive."""
    body = _groovy_block(block, "environment")
    return dict(re.findall(r"^\s*([A-Z_]+) = ['\"]([^'\"]*)['\"]$", body, re.MULTILINE))


def _waits_for(block: str) -> set[str]:
    """The environment variables a stage's `when { expression { env.X && ... } }` waits for."""
    return set(re.findall(r"env\.(\w+)", _groovy_block(block, "when")))


# What a cloud's long-lived credentials are called where a CI system would hold them.
LONG_LIVED_KEYS = (
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SESSION_TOKEN",
    "ARM_CLIENT_SECRET",
    "AZURE_CLIENT_SECRET",
    "--password ",
    "private_key",
    "GOOGLE_CREDENTIALS",
)


def check_jenkins_ci(project: Path, answers: dict) -> None:
    """The Jenkinsfile runs what GitHub's workflow runs, from the same facts: lint and test in the
    stack's image, the test services its answers need as containers linked by alias, the image pushed
    from main only to the registry the cloud's row names; on AWS by OIDC only, deploying main behind
    an input step."""
    stack, db, full = _facts(project, answers)
    text = (project / "Jenkinsfile").read_text(encoding="utf-8")
    ci = CI_SYSTEMS["jenkins"]
    registry = {
        key: value.format(owner=full["repository_owner"].lower(), slug=full["project_slug"])
        if isinstance(value, str)
        else value
        for key, value in ci["registries"][full["cloud"]].items()
    }
    directory = CLOUDS[full["cloud"]]["terraform_dir"]
    stages = re.findall(r"\bstage\('([^']+)'\)", text)
    assert stages == ["Check", "Lint", "Test", "Image", "Build", "Smoke test", "Push"] + (
        ["Terraform", "Validate", "Plan", "Deploy"] if directory else []
    ), f"GitHub's jobs, plus plan and deploy exactly when there is Terraform: {stages}"
    options = _groovy_block(text, "options")
    for option in ("timeout(", "disableConcurrentBuilds()", "buildDiscarder("):
        assert option in options, f"the pipeline's options have {option}"
    label = f"label '{ci['agent_label']}'"
    assert all(label in _stage(text, name) for name in ("Lint", "Test", "Image")), "every agent has the label"

    generate = stack["commands"].get("generate")
    steps = [stack["commands"]["install"], *([generate] if generate else [])]
    lint = _stage(text, "Lint")
    assert f"image '{stack['jenkins_ci']['image']}'" in lint
    assert _sh(lint) == [*steps, stack["commands"]["lint"]], "lint: install, generate, then the facts' lint"
    test = _stage(text, "Test")
    assert f"docker.image('{stack['jenkins_ci']['image']}').inside(links)" in test
    assert _sh(test) == [*steps, stack["commands"]["test"]], "test: install, generate, then the facts' test"
    env = _environment(test)
    for key, value in stack["jenkins_ci"]["environment"].items():
        assert env.pop(key) == value and _environment(lint)[key] == value, f"both stages set {key}"
    assert set(env) == ci_test_env(full), "the test stage sets what GitHub's test job sets"

    services = dict(re.findall(r"services\.(\w+) = docker\.image\('([^']+)'\)\.run\(", test))
    cache = CACHES[full["cache"]]
    expected = {"db": db.get("image"), "cache": cache.get("image")}
    assert services == {alias: image for alias, image in expected.items() if image}, (
        "the services the answers need, at the facts' images"
    )
    assert '"--link ${container.id}:${alias}"' in test, "the test container reaches each service by its alias"
    assert "container.stop()" in _groovy_block(test, "finally"), "the services stop whatever happens"
    if services:
        assert "State.Health.Status" in test and text.count("--health-cmd") == len(services), (
            "the tests start once every service's health check passes"
        )
    if db["server"]:
        url = urlsplit(env[CONTRACT["env"]["database_url"]])
        assert url.scheme == db["url_scheme"]
        assert (url.hostname, url.port) == ("db", db["port"]), "a service is reached by its alias"
        run = re.search(r"services\.db = docker\.image\('[^']+'\)\.run\((.*?)\n\s*\)\n", test, re.DOTALL)
        options = dict(re.findall(r"-e (\w+)=([^ ']+)", run.group(1)))
        assert url.username == options[db["user_env"]]
        assert url.password == options[db["password_env"]]
        assert url.path == "/" + options[db["db_env"]]
    if "image" in cache:
        url = urlsplit(env[CONTRACT["env"]["cache_url"]])
        assert (url.scheme, url.hostname, url.port) == (cache["url_scheme"], "cache", cache["port"])

    image = _stage(text, "Image")
    local = f"{full['project_slug']}:${{GIT_COMMIT}}"
    assert _sh(_stage(image, "Build")) == [f'docker build --file Dockerfile --tag "{local}" .']
    smoke = _stage(image, "Smoke test")
    assert f'docker.image("{full["project_slug"]}:${{env.GIT_COMMIT}}").run(' in smoke, (
        "the image just built runs"
    )
    passed = set(re.findall(r"-e (\w+)=", smoke))
    assert passed == production_env(full) | set(db.get("smoke_env", {})), (
        f"the smoke test passes what production needs, as GitHub's does: {passed}"
    )
    assert "State.Health.Status" in smoke and "app.stop()" in _groovy_block(smoke, "finally"), (
        "it waits for the image's health check, then stops the container whatever happens"
    )
    push = _stage(image, "Push")
    assert "branch 'main'" in _groovy_block(push, "when"), "only main pushes"
    assert registry["image"] == JENKINS_PUSHES[full["cloud"]].format(slug=full["project_slug"]), (
        f"pushed to the registry of cloud={full['cloud']}"
    )
    pushes = [command for command in _sh(push) if "docker push" in command]
    assert pushes == [
        f'docker tag "{local}" "{registry["image"]}:{tag}" && docker push "{registry["image"]}:{tag}"'
        for tag in registry["tags"]
    ], f"pushed to {registry['image']} only, tagged {registry['tags']}"
    assert "docker login" in push.split("docker push")[0], "the push logs in first"

    for word in LONG_LIVED_KEYS:
        assert word not in text, f"no long-lived cloud key: {word} is not in the Jenkinsfile"
    readme = (project / "README.md").read_text(encoding="utf-8")
    listed = {plugin for plugin in ci["plugins"] if f"`{plugin}`" in readme}
    assert listed == set(ci["plugins"]) - (set() if directory else {"oidc-provider"}), (
        "the README lists the plugins"
    )
    credentials = set(re.findall(r"credentialsId: '([^']+)'", text))
    if not directory:
        assert credentials == {ci["registry_credential_id"]} and f"`{ci['registry_credential_id']}`" in readme
        assert _waits_for(push) == {"REGISTRY"} and "`REGISTRY`" in readme
        signs_in = {
            word for login in JENKINS_LOGIN.values() for word in (login["identity"], login["token_file"])
        }
        assert not signs_in & set(re.findall(r"\w+", text)), "no cloud, no cloud access"
        return

    cloud = full["cloud"]
    identity = ci["identities"][cloud]
    login = JENKINS_LOGIN[cloud]
    assert credentials == {identity["oidc_credential_id"]}, f"{cloud} is reached with the ID token only"
    assert (
        f"`{identity['oidc_credential_id']}`" in readme
        and f"audience `{identity['oidc_audience']}`" in readme
    ), "the README creates the credential the cloud's Terraform trusts, for the audience it accepts"
    assert f"image '{ci['images']['terraform']}'" in _stage(text, "Terraform")
    assert _sh(_stage(text, "Validate")) == [
        "terraform fmt -check -recursive -diff",
        "terraform init -backend=false",
        "terraform validate",
    ]
    assert f"dir('{directory}')" in _stage(text, "Validate")
    deploy = _stage(text, "Deploy")
    who = CLOUDS[cloud]["ci_variables"]
    acts_as = {"Push": who["deploy"], "Plan": who["plan"], "Deploy": who["deploy"]}
    for name, variable in acts_as.items():
        block = push if name == "Push" else _stage(text, name)
        binding = _groovy_block(block, "withCredentials")
        assert f'"{login["identity"]}=${{env.{variable}}}"' in binding, f"{name} acts as {variable}"
        assert (
            f"file(credentialsId: '{identity['oidc_credential_id']}', variable: '{login['token_file']}')"
            in (block)
        ), f"{name} binds the ID token where {cloud}'s SDKs read it ({login['token_file']})"
        assert variable in _waits_for(block), f"{name} waits for {variable}"
        for line in login["environment"]:
            assert re.search(rf"([\"']){re.escape(line)}\1,", binding), f"{name} sets {line}"
        if cloud == "gcp":
            (config,) = [script for script in _sh_scripts(binding) if "external_account" in script]
            check_gcp_credential_config(config, login["token_file"])
    # The push logs in to the registry it pushes to, with the cloud's CLI, by the deploy identity.
    (signed_in,) = [script for script in _sh_scripts(push) if "docker login" in script]
    assert f"'{ci['images'][login['cli']]}'" in signed_in, f"the login runs {login['cli']}"
    assert signed_in.endswith(login["docker_login"]), f"docker login {login['docker_login']}"
    target = signed_in.rsplit(" ", 1)[1].strip('"').removeprefix("https://")
    if target == "$registry":
        target = re.search(r'^registry="([^"]+)"$', signed_in, re.MULTILINE).group(1)
    assert target == _registry_host(registry["image"]), f"the login's host {target} is {registry['image']}'s"
    when = _groovy_block(deploy, "when")
    assert "branch 'main'" in when and "beforeInput true" in when, "only main is offered the deploy"
    gate = _groovy_block(deploy, "input")
    assert f"message 'Deploy this commit to {CLOUDS[cloud]['provider_label']}?'" in gate, "a person approves"
    assert deploy.index("input {") < deploy.index("agent {"), "no agent is held while waiting"
    assert _sh(deploy)[-1] == "terraform apply -auto-approve"
    plan = _stage(text, "Plan")
    assert any(command.startswith("terraform plan ") for command in _sh(plan))
    assert ("branch 'main'" in _groovy_block(plan, "when")) == (cloud == "azure"), (
        "Entra ID trusts main's builds only, so only main plans on Azure"
    )
    for block in (plan, deploy):
        assert login["init"] in _sh(block), f"terraform init finds the state: {login['init']}"

    # The environment variables the stages wait for are the ones the README tells the learner to
    # set, the identities and registry from outputs the Terraform has.
    oauth2 = set(CI_SYSTEMS["jenkins"]["oauth2_variables"].values()) if full["auth"] == "oauth2" else set()
    registry_variable = re.match(r"\$(\w+)", registry["image"]).group(1)
    assert _waits_for(push) == {who["deploy"], registry_variable} | JENKINS_SIGN_IN[cloud], (
        "the push waits for the deploy identity, the registry and what signing in needs"
    )
    waited = _waits_for(push) | _waits_for(plan) | _waits_for(deploy)
    assert waited == JENKINS_SETTINGS[cloud] | oauth2, f"the stages wait for {sorted(waited)}"
    assert all(f"`{name}`" in readme for name in waited), "the README names every variable to set"
    terraform = load_terraform(project / directory)
    for name in waited & JENKINS_OUTPUTS[cloud].keys():
        source = re.search(rf"`{name}`\s+from\s+`(\w+)`", readme)
        assert source and source.group(1) == JENKINS_OUTPUTS[cloud][name], (
            f"the README sets {name} from its output"
        )
        assert source.group(1) in terraform["output"], f"the README sets {name} from an output Terraform has"
    # What CI passes to Terraform are its variables, and every one it must be given: those the
    # Jenkinsfile sets, and auth=oauth2's issuer and audience from the job's environment as they are.
    passed = set(re.findall(r"TF_VAR_(\w+)=", text)) | {name.removeprefix("TF_VAR_") for name in oauth2}
    required = {name for name, variable in terraform["variable"].items() if "default" not in variable}
    assert passed <= set(terraform["variable"]), (
        f"TF_VAR_ of no variable: {passed - set(terraform['variable'])}"
    )
    assert not required - passed, f"CI leaves {required - passed} unset"


# How a Jenkins build signs in to each cloud, restated from the clouds' documentation: the variable
# the stages bind the ID token file to (where the AWS SDKs and the azurerm provider read it; Google's
# credential configuration names it), the one naming the identity, what else the SDKs need, the CLI
# and `docker login` of the push, and `terraform init` of the state the README makes.
JENKINS_LOGIN = {
    "aws": {
        "token_file": "AWS_WEB_IDENTITY_TOKEN_FILE",
        "identity": "AWS_ROLE_ARN",
        "environment": ["AWS_ROLE_SESSION_NAME=jenkins-${env.BUILD_NUMBER}"],
        "cli": "aws_cli",
        "docker_login": 'docker login --username AWS --password-stdin "$registry"',
        "init": 'terraform init -reconfigure -backend-config="bucket=$TF_STATE_BUCKET"',
    },
    "gcp": {
        "token_file": "GCP_ID_TOKEN_FILE",
        "identity": "GCP_SERVICE_ACCOUNT",
        "environment": ["GOOGLE_APPLICATION_CREDENTIALS=${env.WORKSPACE_TMP}/gcp-credentials.json"],
        "cli": "gcloud",
        "docker_login": 'docker login --username oauth2accesstoken --password-stdin "https://${ARTIFACT_REGISTRY_URL%%/*}"',
        "init": 'terraform init -reconfigure -backend-config="bucket=$TF_STATE_BUCKET"',
    },
    "azure": {
        "token_file": "ARM_OIDC_TOKEN_FILE_PATH",
        "identity": "ARM_CLIENT_ID",
        "environment": [
            "ARM_TENANT_ID=${env.AZURE_TENANT_ID}",
            "ARM_SUBSCRIPTION_ID=${env.AZURE_SUBSCRIPTION_ID}",
            "ARM_USE_OIDC=true",
        ],
        "cli": "azure_cli",
        # ACR's access tokens sign in under this fixed user name.
        "docker_login": 'docker login --username 00000000-0000-0000-0000-000000000000 --password-stdin "$AZURE_REGISTRY_NAME.azurecr.io"',
        "init": 'terraform init -reconfigure -backend-config="resource_group_name=$TF_STATE_RESOURCE_GROUP"'
        ' -backend-config="storage_account_name=$TF_STATE_STORAGE_ACCOUNT"'
        ' -backend-config="container_name=$TF_STATE_CONTAINER"',
    },
}

# What signing in to a cloud needs besides the identity: the workload identity provider the token is
# traded at, Entra ID's tenant and the subscription the registry is looked up in.
JENKINS_SIGN_IN = {
    "aws": set(),
    "gcp": {"GCP_WORKLOAD_IDENTITY_PROVIDER"},
    "azure": {"AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID"},
}

# The job's environment variables the Jenkins stages wait for, per cloud, and the Terraform outputs
# the README sets them from (the others the learner chooses: project, subscription, state storage).
JENKINS_SETTINGS = {
    "aws": {"AWS_PLAN_ROLE_ARN", "AWS_DEPLOY_ROLE_ARN", "ECR_REPOSITORY_URL", "TF_STATE_BUCKET"},
    "gcp": {
        "GCP_PLAN_SERVICE_ACCOUNT",
        "GCP_DEPLOY_SERVICE_ACCOUNT",
        "GCP_WORKLOAD_IDENTITY_PROVIDER",
        "ARTIFACT_REGISTRY_URL",
        "GCP_PROJECT_ID",
        "TF_STATE_BUCKET",
    },
    "azure": {
        "AZURE_PLAN_CLIENT_ID",
        "AZURE_DEPLOY_CLIENT_ID",
        "AZURE_REGISTRY_NAME",
        "AZURE_TENANT_ID",
        "AZURE_SUBSCRIPTION_ID",
        "TF_STATE_RESOURCE_GROUP",
        "TF_STATE_STORAGE_ACCOUNT",
        "TF_STATE_CONTAINER",
    },
}
JENKINS_OUTPUTS = {
    "aws": {
        "AWS_PLAN_ROLE_ARN": "ci_plan_role_arn",
        "AWS_DEPLOY_ROLE_ARN": "ci_deploy_role_arn",
        "ECR_REPOSITORY_URL": "ecr_repository_url",
    },
    "gcp": {
        "GCP_PLAN_SERVICE_ACCOUNT": "ci_plan_service_account",
        "GCP_DEPLOY_SERVICE_ACCOUNT": "ci_deploy_service_account",
        "GCP_WORKLOAD_IDENTITY_PROVIDER": "workload_identity_provider",
        "ARTIFACT_REGISTRY_URL": "artifact_registry_url",
    },
    "azure": {
        "AZURE_PLAN_CLIENT_ID": "ci_plan_client_id",
        "AZURE_DEPLOY_CLIENT_ID": "ci_deploy_client_id",
        "AZURE_REGISTRY_NAME": "registry_name",
        "AZURE_TENANT_ID": "tenant_id",
    },
}

# Where each cloud's registry is, as the Jenkinsfile names the image it pushes: the Terraform output
# (set as the job's variable) and what follows it; the image Terraform deploys is the same.
JENKINS_PUSHES = {
    "aws": "$ECR_REPOSITORY_URL",
    "gcp": "$ARTIFACT_REGISTRY_URL/{slug}",
    "azure": "$AZURE_REGISTRY_NAME.azurecr.io/{slug}",
    "none": "$REGISTRY/{slug}",
}


def _registry_host(image: str) -> str:
    """The registry host of an image as the shell names it: `$URL/name` or `$URL` is `${URL%%/*}`."""
    head = image.split("/", 1)[0]
    variable = re.fullmatch(r"\$(\w+)", head)
    return f"${{{variable.group(1)}%%/*}}" if variable else head


def check_gcp_credential_config(script: str, token_file: str) -> None:
    """Google's external-account credential configuration (the form GitLab's jobs write too): the
    workload identity provider as audience, the service account to impersonate, the token file,
    written where Google's SDKs and gcloud look."""
    words = shlex.split(script.replace("\\\n", " "))
    assert words[0] == "printf", script
    template, *arguments = words[1:]
    config = json.loads(template)
    fields = [
        config["audience"],
        config["service_account_impersonation_url"],
        config["credential_source"]["file"],
    ]
    assert [field.count("%s") for field in fields] == [1, 1, 1] and template.count("%s") == 3, (
        "the provider, the account and the token file fill the configuration in that order"
    )
    assert config["type"] == "external_account"
    assert config["audience"] == "//iam.googleapis.com/%s"
    assert config["subject_token_type"] == "urn:ietf:params:oauth:token-type:jwt"
    assert config["token_url"] == "https://sts.googleapis.com/v1/token"
    assert config["service_account_impersonation_url"] == (
        "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/%s:generateAccessToken"
    )
    assert arguments == [
        "$GCP_WORKLOAD_IDENTITY_PROVIDER",
        "$GCP_SERVICE_ACCOUNT",
        f"${token_file}",
        ">",
        "$GOOGLE_APPLICATION_CREDENTIALS",
    ], f"printf {arguments}"


def check_ci_roles(terraform: dict, ci: str) -> None:
    """ci_roles.tf: the plan and deploy roles take the trust of the CI system's ci_assume, the deploy
    role acts on the project's resources only (and, with S3 state, writes that state), and the
    outputs give both ARNs to set in CI."""
    roles = terraform["resource"]["aws_iam_role"]
    assert roles["ci_plan"]["assume_role_policy"].endswith('ci_assume["plan"].json}')
    assert roles["ci_deploy"]["assume_role_policy"].endswith('ci_assume["deploy"].json}')
    statements = terraform["data"]["aws_iam_policy_document"]["ci_deploy"]["statement"]
    wildcard = {action for s in statements if s["resources"] == ["*"] for action in s["actions"]}
    assert wildcard <= {
        "ecr:GetAuthorizationToken",
        "ecs:RegisterTaskDefinition",
        "ecs:DeregisterTaskDefinition",
        "ecs:TagResource",
    }, "the deploy role acts on the project's resources, not the account's"
    assert all("*" not in action for s in statements for action in s["actions"])
    if ci != "gitlab":
        check_state_writes(terraform, statements)
    assert {o for o in terraform["output"]} >= {"ci_plan_role_arn", "ci_deploy_role_arn"}


def check_state_writes(terraform: dict, statements: list[dict]) -> None:
    """The deploy role writes the S3 backend's state and lock file, nothing else in S3."""
    (backend,) = [block["backend"] for block in terraform["terraform"] if "backend" in block]
    key = backend[0]["s3"]["key"]
    state = {tuple(s["actions"]): s["resources"] for s in statements if s["sid"].startswith("State")}
    assert state == {
        ("s3:ListBucket",): ["arn:aws:s3:::${var.state_bucket}"],
        ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"): [
            f"arn:aws:s3:::${{var.state_bucket}}/{key.rsplit('/', 1)[0]}/*"
        ],
    }, "the deploy role writes the backend's state and lock file, nothing else in S3"


def check_jenkins_oidc(project: Path, answers: dict) -> None:
    """With ci=jenkins on AWS, Terraform makes the trust the pipeline needs: an OIDC provider for the
    controller's issuer, and roles only this repository's branch builds (deploy: main's) assume."""
    _stack, _db, full = _facts(project, answers)
    directory = terraform_dir(project, full)
    # On Google Cloud and Azure, ci_oidc.tf holds every CI system's trust (check_gcp_federation,
    # check_azure_ci_trust).
    if full["ci"] != "jenkins" or directory is None or full["cloud"] != "aws":
        if directory is not None:
            assert not (directory / "jenkins_oidc.tf").exists()
        return
    terraform = load_terraform(directory)
    resources, variables, local = terraform["resource"], terraform["variable"], terraform["locals"]
    assert local["jenkins_issuer"] == "${var.jenkins_url}oidc", "the plugin's issuer for root credentials"
    provider = resources["aws_iam_openid_connect_provider"]["jenkins"]
    assert provider["url"] == "${local.jenkins_issuer}"
    assert provider["client_id_list"] == ["${var.jenkins_oidc_audience}"]
    check_jenkins_trust_variables(variables, full)
    (assume,) = terraform["data"]["aws_iam_policy_document"]["ci_assume"]["statement"]
    assert assume["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    assert assume["principals"] == [
        {"type": "Federated", "identifiers": ["${aws_iam_openid_connect_provider.jenkins.arn}"]}
    ]
    assert local["jenkins_claims"] == '${trimprefix(local.jenkins_issuer, "https://")}'
    conditions = {c["variable"]: c for c in assume["condition"]}
    assert conditions.get("${local.jenkins_claims}:aud", {}).get("values") == ["${var.jenkins_oidc_audience}"]
    subjects = terraform["data"]["aws_iam_policy_document"]["ci_assume"]["for_each"]
    assert local["jenkins_job_url"] == "${var.jenkins_url}${var.jenkins_job_path}"
    assert subjects == {
        "plan": "${local.jenkins_job_url}job/*",
        "deploy": "${local.jenkins_job_url}job/${var.jenkins_deploy_branch}/",
    }, "the subject is the build's job URL: any branch job of this repository's job, main's to deploy"
    assert conditions["${local.jenkins_claims}:sub"]["values"] == ["${each.value}"]
    assert (
        conditions["${local.jenkins_claims}:sub"]["test"]
        == '${each.key == "plan" ? "StringLike" : "StringEquals"}'
    ), "only the plan role's subject is a pattern"
    check_ci_roles(terraform, full["ci"])


# What each Dependabot ecosystem reads, stated here independently of the template.
DEPENDABOT_READS = {
    "uv": ["pyproject.toml", "uv.lock"],
    "gomod": ["go.mod", "go.sum"],
    "docker": ["Dockerfile"],
    "docker-compose": ["compose.yaml"],
    "github-actions": [".github/workflows/ci.yml"],
    "terraform": ["versions.tf"],
}


def check_dependabot(project: Path, answers: dict) -> None:
    """Dependabot watches the stack's packages, both image files, the actions and Terraform (when
    there is some), each in the directory that holds what it reads."""
    stack, _db, full = _facts(project, answers)
    _only_this_ci(project, full)
    if CI_SYSTEMS[full["ci"]]["updater"] == "Renovate":
        check_renovate(project, answers)
        return
    updates = load_yaml(project / ".github/dependabot.yml")["updates"]
    watched = {update["package-ecosystem"]: update["directory"] for update in updates}
    assert len(watched) == len(updates), "one entry per ecosystem"
    has_terraform = terraform_dir(project, full) is not None
    assert set(watched) == {
        stack["dependabot_ecosystem"],
        "docker",
        "docker-compose",
        "github-actions",
    } | ({"terraform"} if has_terraform else set()), (
        "the stack's ecosystems, and Terraform's exactly when there is some"
    )
    assert {stack["paths"]["manifest"], stack["paths"]["lockfile"]} <= set(
        DEPENDABOT_READS[stack["dependabot_ecosystem"]]
    )
    for ecosystem, directory in watched.items():
        for name in DEPENDABOT_READS[ecosystem]:
            path = project / directory.lstrip("/") / name
            assert path.is_file(), f"Dependabot's {ecosystem} entry looks in {directory}, which has no {name}"


# What each Renovate manager reads, stated here independently of the template.
RENOVATE_READS = {
    "pep621": ["pyproject.toml", "uv.lock"],
    "gomod": ["go.mod", "go.sum"],
    "dockerfile": ["Dockerfile"],
    "docker-compose": ["compose.yaml"],
    "gitlabci": [".gitlab-ci.yml"],
    "custom.regex": ["Jenkinsfile"],
    "terraform": ["infra/terraform/versions.tf"],
}


def check_renovate(project: Path, answers: dict) -> None:
    """Renovate (ci=gitlab) watches what Dependabot would: the stack's packages, both image files,
    the pipeline's images and Terraform when there is some; minor and patch grouped per manager,
    releases a few days old."""
    stack, _db, full = _facts(project, answers)
    config = json.loads((project / "renovate.json").read_text(encoding="utf-8"))
    managers = config["enabledManagers"]
    has_terraform = terraform_dir(project, full) is not None
    ci = {"gitlab": "gitlabci", "jenkins": "custom.regex"}[full["ci"]]
    assert set(managers) == {stack["renovate_manager"], "dockerfile", "docker-compose", ci} | (
        {"terraform"} if has_terraform else set()
    )
    if full["ci"] == "jenkins":
        check_renovate_finds_the_jenkins_images(project, full, config)
    assert {stack["paths"]["manifest"], stack["paths"]["lockfile"]} <= set(
        RENOVATE_READS[stack["renovate_manager"]]
    )
    for manager in managers:
        for name in RENOVATE_READS[manager]:
            assert (project / name).is_file(), f"Renovate's {manager} has no {name} to read"
    groups = {rule["matchManagers"][0]: rule for rule in config["packageRules"]}
    assert set(groups) == set(managers), "one group per manager"
    assert all(rule["matchUpdateTypes"] == ["minor", "patch"] for rule in groups.values())
    days = re.fullmatch(r"(\d+) days", config["minimumReleaseAge"])
    assert days and int(days.group(1)) >= 3, "a release waits a few days"


def check_renovate_finds_the_jenkins_images(project: Path, full: dict, config: dict) -> None:
    """Renovate's regex manager matches every image the Jenkinsfile runs, at its pinned tag."""
    text = (project / "Jenkinsfile").read_text(encoding="utf-8")
    stack = facts_for(full["language"], full["project_slug"], full["api_style"])
    images = {stack["jenkins_ci"]["image"]} | {
        image
        for image in (DATABASES[full["database"]].get("image"), CACHES[full["cache"]].get("image"))
        if image
    }
    if CLOUDS[full["cloud"]]["terraform_dir"]:
        # Terraform, and the CLI of the cloud whose registry login the push needs.
        ci_images = CI_SYSTEMS["jenkins"]["images"]
        images |= {ci_images["terraform"], ci_images[JENKINS_LOGIN[full["cloud"]]["cli"]]}
    (manager,) = config["customManagers"]
    assert manager["datasourceTemplate"] == "docker"
    assert any(re.search(pattern.strip("/"), "Jenkinsfile") for pattern in manager["managerFilePatterns"])
    found = {
        f"{match['depName']}:{match['currentValue']}"
        for pattern in manager["matchStrings"]
        for match in re.finditer(pattern.replace("(?<", "(?P<"), text)
    }
    assert all(image in text for image in images), "the Jenkinsfile runs the facts' images"
    assert images <= found, f"Renovate misses {sorted(images - found)}"


def check_makefile(project: Path, answers: dict) -> None:
    stack, _db, _full = _facts(project, answers)
    rules = makefile_rules(project / "Makefile")
    for target in ("run", "test", "lint", "format", "migrate", "install", "build"):
        assert rules.get(target) == [stack["commands"][target]], f"make {target} runs the facts' command"
    prerequisites = makefile_prerequisites(project / "Makefile")
    if stack["commands"].get("generate"):
        assert rules.get("generate") == [stack["commands"]["generate"]], (
            "make generate runs the facts' command"
        )
        for target in ("run", "test", "lint", "build"):
            assert "generate" in prerequisites[target], f"make {target} generates code first"
    else:
        assert "generate" not in rules
    assert rules.get("up") == ["docker compose up --build -d"]
    assert rules.get("down") == ["docker compose down"]
    assert rules.get("help"), "make help exists"


def check_docs(project: Path, answers: dict) -> None:
    """docs/contract.md and the README name the ports the Dockerfile and compose use, and the README
    deploys the way the cloud answer says."""
    stack, db, full = _facts(project, answers)
    contract = (project / "docs/contract.md").read_text(encoding="utf-8")
    readme = (project / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| `([^`]*)` \|", contract, re.MULTILINE))
    assert rows.get(CONTRACT["env"]["port"]) == str(stack["port"]), (
        "contract.md's PORT default is the stack port"
    )
    assert f"http://localhost:{stack['port']}" in readme, "the README's `make run` names the stack port"
    for extra in stack["extra_ports"]:
        assert rows.get(extra["env"]) == str(extra["port"]), (
            f"contract.md's {extra['env']} default is the port"
        )
        assert f"localhost:{extra['port']}" in readme, f"the README names the {extra['name']} port"
    if full["api_style"] == "grpc":
        proto = project / CONTRACT["grpc"]["proto"].format(plural=naming.pluralize(full["resource"]))
        assert proto.is_file(), f"the .proto the contract names is in the project: {proto}"
        assert (
            f"]({proto.relative_to(project)})" in readme and f"](../{proto.relative_to(project)})" in contract
        )
    else:
        assert CONTRACT["env"]["grpc_port"] not in rows and not (project / "proto").exists()
    check_deploy_docs(project, stack, db, full, readme)


# Words only a cloud deployment brings. With cloud=none they are nowhere but in the service's own
# source, which is the same whatever the cloud (tests/test_render.py).
CLOUD_WORDS = re.compile(
    r"\b(terraform|aws|ecs|fargate|ecr|rds|documentdb|elasticache|secrets manager|cloudwatch"
    r"|google cloud|gcloud|cloud run|cloud sql|artifact registry|secret manager|memorystore"
    r"|azurerm|cosmos db|container apps)\b",
    re.IGNORECASE,
)


def deploy_commands(readme: str, heading: str = "Deploy") -> list[list[str]]:
    """The commands of the shell block in the README's `## <heading>` section, each split into words."""
    assert f"\n## {heading}\n" in readme, f"the README has a {heading} section"
    section = readme.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, f"the {heading} section shows the commands"
    lines = block.group(1).replace("\\\n", " ").splitlines()
    return [shlex.split(line) for line in lines if line.strip()]


def check_deploy_docs(project: Path, stack: dict, db: dict, full: dict, readme: str) -> None:
    """With Terraform, the README deploys with it; without, nothing outside the service's source
    speaks of Terraform or AWS, and the README runs the image CI pushes as production: the stack's
    ports published, what production needs passed in, SQLite's data on a volume."""
    directory = CLOUDS[full["cloud"]]["terraform_dir"]
    if directory:
        heading = f"Deploy to {CLOUDS[full['cloud']]['provider_label']}"
        assert f"\n## {heading}\n" in readme and f"\ncd {directory}\n" in readme
        if full["cloud"] == "gcp":
            check_gcp_deploy_docs(project, full, readme, heading)
        elif full["cloud"] == "azure":
            check_azure_deploy_docs(project, full, readme)
        workflow = project / ".github/workflows/ci.yml"
        if workflow.exists():
            used = set(re.findall(r"\$\{\{ vars\.([A-Z_]+) \}\}", workflow.read_text(encoding="utf-8")))
            assert used, "the workflow's deploy reads its settings from repository variables"
            missing = {name for name in used if f"`{name}`" not in readme}
            assert not missing, f"the README says how to set {sorted(missing)}"
        return
    source = project / stack["paths"]["source"]
    for path in sorted(project.rglob("*")):
        if path.is_file() and ".git" not in path.relative_to(project).parts and source not in path.parents:
            found = CLOUD_WORDS.search(path.read_text(encoding="utf-8", errors="replace"))
            assert found is None, f"{path.relative_to(project)} speaks of {found.group(0)!r} with no cloud"

    run, curl = deploy_commands(readme)
    assert run[:3] == ["docker", "run", "-d"]
    options = list(itertools.pairwise(run))
    ports = [stack["port"], *(extra["port"] for extra in stack["extra_ports"])]
    assert [value for flag, value in options if flag == "-p"] == [f"{port}:{port}" for port in ports], (
        "docker run publishes the stack's ports"
    )
    passed = [value for flag, value in options if flag == "-e"]
    needed = (
        production_env(full)
        | ({CONTRACT["env"]["database_url"]} if db["server"] else set())
        | ({CONTRACT["env"]["cache_url"]} if CACHES[full["cache"]].get("image") else set())
    )
    assert {value.split("=", 1)[0] for value in passed} == needed, (
        f"docker run passes {passed}, needs {needed}"
    )
    if anonymous(full):
        assert f"{CONTRACT['env']['allow_anonymous_writes']}=true" in passed
    data = f"{stack['docker']['workdir']}/data"
    mounts = [value.split(":", 1)[1] for flag, value in options if flag == "-v"]
    assert mounts == ([] if db["server"] else [data]), "SQLite's directory is on a volume, nothing else"
    if not db["server"]:
        compose_app = load_yaml(project / "compose.yaml")["services"]["app"]
        assert data in [volume.split(":", 1)[1] for volume in compose_app["volumes"]], "as under compose"
    assert run[-1] in pushed_images(project, full), "docker run runs an image CI pushes"
    assert curl == ["curl", "-fsS", f"http://localhost:{stack['port']}{CONTRACT['health_path']}"]


# What only AWS's files speak of: none of it belongs in an Azure render, outside the service's source
# (Microsoft.DocumentDB is the name of Cosmos DB's resource provider).
AWS_WORDS = re.compile(
    r"\b(aws|ecs|fargate|ecr|rds|(?<!Microsoft\.)documentdb|elasticache|secrets manager|cloudwatch)\b",
    re.IGNORECASE,
)


def check_azure_deploy_docs(project: Path, full: dict, readme: str) -> None:
    """cloud=azure: the README pushes the first image to the registry and repository the Container
    App runs, from outputs Terraform has, names the GitHub variables the workflow reads from outputs
    too, and no file outside the service's source speaks of AWS."""
    commands = deploy_commands(readme, "Deploy to Azure")
    tf = load_terraform(project / CLOUDS["azure"]["terraform_dir"])
    assert ["SERVER=$(terraform", "output", "-raw", "registry_login_server)"] in commands
    assert "registry_login_server" in tf["output"]
    (build,) = [words for words in commands if words[:2] == ["docker", "build"]]
    repository = tf["variable"]["project_name"]["default"]
    assert build[build.index("push") + 1] == build[build.index("-t") + 1] == f"$SERVER/{repository}:v1", (
        "the README pushes to the repository the Container App runs"
    )
    applies = [words for words in commands if words[:2] == ["terraform", "apply"]]
    assert applies[-1][:4] == ["terraform", "apply", "-var", "image_tag=v1"], "it runs the image pushed"
    stack = facts_for(full["language"], full["project_slug"], full["api_style"])
    source = project / stack["paths"]["source"]
    for path in sorted(project.rglob("*")):
        if path.is_file() and ".git" not in path.relative_to(project).parts and source not in path.parents:
            found = AWS_WORDS.search(path.read_text(encoding="utf-8", errors="replace"))
            assert found is None, f"{path.relative_to(project)} speaks of {found.group(0)!r} on Azure"


def check_gcp_deploy_docs(project: Path, full: dict, readme: str, heading: str) -> None:
    """The README's first deploy creates resources the Terraform has, pushes the image Cloud Run
    runs to the registry Terraform outputs, and reads outputs that exist."""
    tf = load_terraform(project / CLOUDS["gcp"]["terraform_dir"])
    commands = deploy_commands(readme, heading)
    targets = [word.split("=", 1)[1] for words in commands for word in words if word.startswith("-target=")]
    assert "google_artifact_registry_repository.app" in targets, "the registry first"
    for target in targets:
        kind, name = target.split(".")
        assert name in tf["resource"].get(kind, {}), f"the README applies {target}, which the Terraform lacks"
    section = readme.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    for output in re.findall(r"terraform output -raw (\w+)", section):
        assert output in tf["output"], f"the README reads output {output}, which the Terraform lacks"
    assert "REPO=$(terraform output -raw artifact_registry_url)" in section
    pushed = [
        image
        for words in commands
        for docker, push, image in zip(words, words[1:], words[2:], strict=False)
        if (docker, push) == ("docker", "push")
    ]
    assert pushed == [f"$REPO/{full['project_slug']}:v1"], "the README pushes one image"
    assert tf["locals"]["image"] == f"${{local.registry}}/{full['project_slug']}:${{var.image_tag}}", (
        "the image the README pushes is the one Cloud Run runs"
    )
    applies = [words for words in commands if words[:2] == ["terraform", "apply"] and "-var" in words]
    assert applies and all(words[words.index("-var") + 1] == "image_tag=v1" for words in applies), (
        "the service is applied with the tag the README pushed"
    )


KUBERNETES = "deploy/kubernetes"


def kubernetes_manifests(project: Path) -> tuple[dict, dict[str, dict]]:
    """The kustomization and its resources by kind; every manifest in the directory is listed in it."""
    directory = project / KUBERNETES
    kustomization = load_yaml(directory / "kustomization.yaml")
    files = sorted(path.name for path in directory.glob("*.yaml") if path.name != "kustomization.yaml")
    assert sorted(kustomization["resources"]) == files, "`kubectl apply -k` applies every manifest"
    manifests = [load_yaml(directory / name) for name in kustomization["resources"]]
    by_kind = {manifest["kind"]: manifest for manifest in manifests}
    assert len(by_kind) == len(manifests), "one manifest per kind"
    return kustomization, by_kind


def readme_secret_keys(readme: str, namespace: str, name: str) -> set[str]:
    """The keys of the Secret the README's Kubernetes section creates (none when it creates none)."""
    commands = deploy_commands(readme, "Kubernetes")
    assert ["kubectl", "apply", "-k", KUBERNETES] in commands, "the README applies the kustomization"
    created = [words for words in commands if words[:2] == ["kubectl", "-n"] and "secret" in words]
    if not created:
        return set()
    (words,) = created
    assert words[2:7] == [namespace, "create", "secret", "generic", name], words
    return {word.split("=", 2)[1] for word in words if word.startswith("--from-literal=")}


def _port_number(reference, ports: dict[str, int]) -> int:
    """A port given by name or number, as the number the container listens on."""
    return ports[reference] if isinstance(reference, str) else reference


def pushed_images(project: Path, full: dict) -> set[str]:
    """The `image:tag` names CI pushes, as others pull them."""
    if full["ci"] == "gitlab":
        # CI pushes $CI_REGISTRY_IMAGE: on gitlab.com, registry.gitlab.com/<namespace>/<project>.
        published = CI_SYSTEMS["gitlab"]["published_image"].format(
            owner=full["repository_owner"].lower(), slug=full["project_slug"]
        )
        return {f"{published}:latest"}
    if full["ci"] == "jenkins":
        # The cloud's registry as the Terraform makes it; without a cloud, the one the README names.
        registry = CI_SYSTEMS["jenkins"]["registries"][full["cloud"]]
        if terraform_dir(project, full) is not None:
            published = jenkins_cloud_image(project, full)
        else:
            published = registry["published_image"].format(
                owner=full["repository_owner"].lower(), slug=full["project_slug"]
            )
        return {f"{published}:{tag.replace('$GIT_COMMIT', '<commit>')}" for tag in registry["tags"]}
    steps = load_yaml(project / ".github/workflows/ci.yml")["jobs"]["image"]["steps"]
    (push,) = [step for step in steps if step.get("with", {}).get("push") is True]
    return set(push["with"]["tags"].split())


def jenkins_cloud_image(project: Path, full: dict) -> str:
    """The image Jenkins pushes to the cloud's registry, as a cluster pulls it: the host and path the
    Terraform makes (its default region and names), the placeholder the README explains for what
    only the learner's account knows (account id, project id, the registry's random suffix)."""
    tf = load_terraform(terraform_dir(project, full))
    variables, resources, local = tf["variable"], tf["resource"], tf["locals"]
    assert local["name"] == "${var.project_name}"
    name = variables["project_name"]["default"]
    placeholder = CI_SYSTEMS["jenkins"]["registries"][full["cloud"]]["placeholder"]
    if full["cloud"] == "aws":
        assert resources["aws_ecr_repository"]["app"]["name"] == "${local.name}"
        return f"{placeholder}.dkr.ecr.{variables['aws_region']['default']}.amazonaws.com/{name}"
    if full["cloud"] == "gcp":
        assert resources["google_artifact_registry_repository"]["app"]["repository_id"] == "${local.name}"
        assert local["registry"] == (
            "${var.region}-docker.pkg.dev/${var.project_id}/"
            "${google_artifact_registry_repository.app.repository_id}"
        )
        assert local["image"] == f"${{local.registry}}/{full['project_slug']}:${{var.image_tag}}"
        return f"{variables['region']['default']}-docker.pkg.dev/{placeholder}/{name}/{full['project_slug']}"
    (container,) = resources["azurerm_container_app"]["app"]["template"][0]["container"]
    assert (
        container["image"] == "${azurerm_container_registry.main.login_server}/${local.name}:${var.image_tag}"
    )
    return f"{placeholder}.azurecr.io/{name}"


def check_kubernetes(project: Path, answers: dict) -> None:
    """kubernetes=true: the manifests run the image CI pushes as its Dockerfile user, locked down, with
    the contract's probes and metrics on the stack's ports, and the env compose gives the app, its
    secrets from the Secret the README creates; absent otherwise."""
    stack, db, full = _facts(project, answers)
    if not full["kubernetes"]:
        assert not (project / KUBERNETES.split("/")[0]).exists(), "no Kubernetes manifests without the toggle"
        return
    kustomization, manifests = kubernetes_manifests(project)
    expected = {"Namespace", "ConfigMap", "Deployment", "Service", "Ingress"} | (
        {"HorizontalPodAutoscaler", "PodDisruptionBudget"} if db["server"] else {"PersistentVolumeClaim"}
    )
    assert set(manifests) == expected, f"manifests {sorted(manifests)}, expected {sorted(expected)}"
    namespace = manifests["Namespace"]["metadata"]
    assert kustomization["namespace"] == namespace["name"]
    assert namespace["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"

    deployment = manifests["Deployment"]
    pod = deployment["spec"]["template"]
    spec = pod["spec"]
    (container,) = spec["containers"]
    labels = pod["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()

    pushed = {tag.rsplit(":", 1)[0] for tag in pushed_images(project, full)}
    assert container["image"] in pushed, f"the Deployment runs {container['image']}, CI pushes {pushed}"
    (image,) = kustomization["images"]
    assert image["name"] == container["image"] and image["newTag"], "kustomize sets the tag"
    pushes_latest = any(tag.endswith(":latest") for tag in pushed_images(project, full))
    assert (image["newTag"] == "latest") == pushes_latest, (
        f"kustomize starts from `latest` exactly when CI pushes it (newTag: {image['newTag']})"
    )
    registry = CI_SYSTEMS[full["ci"]].get("registries", {}).get(full["cloud"], {})
    if "placeholder" in registry:
        section = (project / "README.md").read_text(encoding="utf-8").split("\n## Kubernetes\n", 1)[1]
        for name in (registry["placeholder"], registry["output"]):
            assert f"`{name}`" in section.split("\n## ", 1)[0], (
                f"the README's Kubernetes section explains `{name}`"
            )

    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    listens = {"http": stack["port"], **{extra["name"]: extra["port"] for extra in stack["extra_ports"]}}
    assert ports == listens, f"container ports {ports}, the service listens on {listens}"
    for probe, path in (
        ("startupProbe", CONTRACT["health_path"]),
        ("livenessProbe", CONTRACT["health_path"]),
        ("readinessProbe", CONTRACT["readiness_path"]),
    ):
        get = container[probe]["httpGet"]
        assert (get["path"], _port_number(get["port"], ports)) == (path, stack["port"]), f"{probe}: {get}"

    service = manifests["Service"]
    assert service["spec"]["type"] == "ClusterIP" and service["spec"]["selector"].items() <= labels.items()
    service_ports = {port["name"]: port for port in service["spec"]["ports"]}
    assert set(service_ports) == set(ports), "the Service exposes every container port"
    for name, port in service_ports.items():
        assert port["port"] == _port_number(port["targetPort"], ports) == ports[name], f"Service port {name}"
    (rule,) = manifests["Ingress"]["spec"]["rules"]
    (route,) = rule["http"]["paths"]
    backend = route["backend"]["service"]
    assert route["path"] == "/" and backend["name"] == service["metadata"]["name"]
    by_number = {port["port"]: name for name, port in service_ports.items()}
    assert backend["port"].get("name", by_number.get(backend["port"].get("number"))) == "http", (
        "the Ingress routes to the Service's HTTP port"
    )

    config = manifests["ConfigMap"]
    (source,) = container["envFrom"]
    assert source["configMapRef"]["name"] == config["metadata"]["name"]
    settings = config["data"]
    refs = {entry["name"]: entry["valueFrom"]["secretKeyRef"] for entry in container.get("env", [])}
    assert not set(settings) & set(refs), "no setting is both config and secret"
    compose_env = set(load_yaml(project / "compose.yaml")["services"]["app"]["environment"])
    assert set(settings) | set(refs) == compose_env | production_env(full), (
        "the pods get the env compose gives the app, and what production needs"
    )
    secret_env = (
        auth_secrets(full)
        | ({CONTRACT["env"]["database_url"]} if db["server"] else set())
        | ({CONTRACT["env"]["cache_url"]} if CACHES[full["cache"]].get("image") else set())
    )
    assert set(refs) == secret_env, (
        "the auth secrets and the servers' URLs (credentials) come from the Secret"
    )
    assert settings[CONTRACT["env"]["app_env"]] == "production"
    assert settings[CONTRACT["env"]["port"]] == str(stack["port"])
    for extra in stack["extra_ports"]:
        assert settings[extra["env"]] == str(extra["port"])
    secret_names = {ref["name"] for ref in refs.values()}
    assert len(secret_names) <= 1, "one Secret"
    readme = (project / "README.md").read_text(encoding="utf-8")
    documented = readme_secret_keys(readme, namespace["name"], next(iter(secret_names), ""))
    assert {ref["key"] for ref in refs.values()} == documented, "the README creates every key the pods read"

    annotations = pod["metadata"]["annotations"]
    (job,) = load_yaml(project / "monitoring/prometheus/prometheus.yml")["scrape_configs"]
    assert annotations["prometheus.io/scrape"] == "true", "Prometheus' pod discovery scrapes the pods"
    assert annotations["prometheus.io/path"] == job["metrics_path"] == CONTRACT["metrics_path"], (
        "scraped on the metrics path compose's Prometheus scrapes"
    )
    assert int(annotations["prometheus.io/port"]) == ports["http"], "scraped on the port serving metrics"

    final = dockerfile_stages(project / "Dockerfile")[-1]
    (user,) = [args for keyword, args in final["instructions"] if keyword == "USER"]
    uid, gid = (int(part) for part in user.split(":"))
    security = spec["securityContext"]
    assert (security["runAsUser"], security["runAsGroup"], security["fsGroup"]) == (uid, gid, gid), (
        "the pod runs as the image's user, and its volumes are that group's"
    )
    assert security["runAsNonRoot"] is True and security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    locked = container["securityContext"]
    assert locked["readOnlyRootFilesystem"] is True, "nothing outside the volumes is writable"
    assert locked["allowPrivilegeEscalation"] is False and locked["capabilities"] == {"drop": ["ALL"]}
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind]), f"{kind} for cpu and memory"

    # What the service writes: temporary files, and SQLite's directory (its URL is relative to the workdir).
    writes = {"/tmp"}
    if not db["server"]:
        relative = urlsplit(settings[CONTRACT["env"]["database_url"]]).path.lstrip("/")
        writes.add(
            posixpath.dirname(posixpath.normpath(posixpath.join(stack["docker"]["workdir"], relative)))
        )
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    assert set(mounts) == writes, f"writable mounts {sorted(mounts)}, the service writes {sorted(writes)}"
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    if db["server"]:
        assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
        autoscaler = manifests["HorizontalPodAutoscaler"]["spec"]
        target = autoscaler["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
        assert autoscaler["minReplicas"] >= 2
        assert [metric["resource"]["name"] for metric in autoscaler["metrics"]] == ["cpu"]
        budget = manifests["PodDisruptionBudget"]["spec"]
        assert budget["selector"]["matchLabels"].items() <= labels.items()
        assert budget["minAvailable"] < autoscaler["minReplicas"], "a drain can evict a pod"
    else:
        (data,) = writes - {"/tmp"}
        claim = manifests["PersistentVolumeClaim"]
        assert volumes[mounts[data]]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
        assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
        assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"]["type"] == "Recreate", (
            "one SQLite writer: one replica, never two at once"
        )

    pause = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    assert spec["terminationGracePeriodSeconds"] > pause + CONTRACT["shutdown_grace_seconds"], (
        "the pod is killed only after the preStop pause and the service's own shutdown grace"
    )


def _option_value(command: list[str], option: str) -> str:
    (value,) = [arg.split("=", 1)[1] for arg in command if arg.startswith(option + "=")]
    return value


def check_log_stack(project: Path, answers: dict) -> None:
    """log_stack=loki: compose runs Loki on the generated config and Alloy on its own; Alloy reads
    this project's containers through the read-only Docker socket, parses the contract's JSON
    fields and writes to the Loki compose runs; Grafana's datasource points there, and every label
    the dashboard's queries select on is one the pipeline produces (the request id never a label)."""
    _stack, _db, full = _facts(project, answers)
    compose = load_yaml(project / "compose.yaml")
    services = compose["services"]
    facts = stacks.LOG_STACKS[full["log_stack"]]
    if "port" not in facts:
        assert not {"loki", "alloy"} & set(services), "no log stack without the toggle"
        assert not any((project / path).exists() for path in logs.FILES), "no log stack files without it"
        return
    assert full["grafana"], "Loki's logs are read in Grafana"
    loki, collector, grafana = services["loki"], services["alloy"], services["grafana"]

    # Loki reads the mounted config, listens on the published port and keeps its data on the volume.
    config_path = _option_value(loki["command"], "-config.file")
    assert f"./{logs.LOKI_CONFIG}:{config_path}:ro" in loki["volumes"], "Loki reads the generated config"
    config = load_yaml(project / logs.LOKI_CONFIG)
    port = config["server"]["http_listen_port"]
    assert port == facts["port"] and loki["ports"] == [f"127.0.0.1:{port}:{port}"], (
        "Loki listens on the port compose publishes (loopback only)"
    )
    assert loki["healthcheck"]["test"][-1] == f"-health.url=http://127.0.0.1:{port}/ready"
    prefix = config["common"]["path_prefix"]
    assert f"loki-data:{prefix}" in loki["volumes"], "Loki's data directory is the volume"
    storage = config["common"]["storage"]["filesystem"]
    assert all(posixpath.commonpath([prefix, path]) == prefix for path in storage.values()), (
        "chunks and rules are kept on the volume"
    )
    (schema,) = config["schema_config"]["configs"]
    assert (schema["store"], schema["schema"]) == ("tsdb", "v13"), "structured metadata needs TSDB and v13"
    assert config["limits_config"]["allow_structured_metadata"] is True

    # Grafana reads that Loki, and starts after it.
    (datasource,) = load_yaml(project / logs.DATASOURCE)["datasources"]
    assert datasource["type"] == "loki" and datasource["url"] == f"http://loki:{port}", (
        "Grafana's Loki datasource is the compose service on its port"
    )
    assert grafana["depends_on"].get("loki", {}).get("condition") == "service_healthy", (
        "Grafana starts after Loki"
    )

    # Alloy runs the generated config, reads this project's containers, writes to that Loki.
    alloy_path = collector["command"][-1]
    assert f"./{logs.ALLOY_CONFIG}:{alloy_path}:ro" in collector["volumes"], "Alloy runs the generated config"
    pipeline = logs.pipeline(project)
    socket = facts["docker_socket"]
    assert f"{socket}:{socket}:ro" in collector["volumes"], "the Docker socket is mounted read-only"
    assert pipeline.source.attributes["host"] == pipeline.discovery.attributes["host"] == f"unix://{socket}"
    (project_filter,) = pipeline.discovery.children("filter")
    assert project_filter.attributes == {
        "name": "label",
        "values": [f"com.docker.compose.project={compose['name']}"],
    }, "Alloy reads the containers of this compose project only"
    assert pipeline.write_url == f"http://loki:{port}/loki/api/v1/push", "Alloy pushes to compose's Loki"

    # The labels: the compose service, and the contract fields with few values.
    fields = CONTRACT["log"]
    assert pipeline.relabelled == {facts["service_label"]: logs.COMPOSE_SERVICE_META}
    parsed = set(pipeline.json_fields)
    assert parsed <= set(fields["fields"]) | set(fields["request_fields"]), "Alloy parses contract fields"
    taken = {pipeline.timestamp_field, *pipeline.line_labels, *pipeline.structured_metadata}
    assert taken <= parsed, f"Alloy uses fields it does not parse: {taken - parsed}"
    assert not set(pipeline.line_labels) & set(fields["request_fields"]), (
        "per-request values (request id, route, status, duration) are never index labels"
    )
    assert set(pipeline.structured_metadata) >= {fields["request_fields"][0]}, "the request id is kept"

    # The dashboard's queries select what the pipeline produces, from the provisioned datasource.
    queries = logs.dashboard_queries(project)
    assert queries
    known = pipeline.labels | set(pipeline.structured_metadata)
    for panel, target in queries:
        assert panel["datasource"]["uid"] == target["datasource"]["uid"] == datasource["uid"], (
            f"panel {panel['title']!r} queries the provisioned Loki datasource"
        )
        expr = target["expr"]
        matchers = logs.stream_matchers(expr)
        assert matchers and {label for label, _, _ in matchers} <= pipeline.labels, (
            f"{expr!r} selects on labels the pipeline does not produce ({pipeline.labels})"
        )
        assert (facts["service_label"], "=", facts["app_service"]) in matchers, f"{expr!r} selects the app"
        assert logs.grouping_labels(expr) <= pipeline.labels, f"{expr!r} groups by an unknown label"
        filters = logs.pipe_filters(expr)
        allowed = known | (
            set(fields["fields"]) | set(fields["request_fields"]) if logs.parses_json(expr) else set()
        )
        assert filters <= allowed, f"{expr!r} filters on {filters - allowed}, which the line does not carry"
        assert logs.variables_used(expr) <= {logs.dashboard_variable(project)}, (
            f"{expr!r} uses an undefined variable"
        )
    assert facts["app_service"] in services, "the service label's value is the app's compose service"
    readme = (project / "README.md").read_text(encoding="utf-8")
    dashboard_title = json.loads((project / logs.DASHBOARD).read_text(encoding="utf-8"))["title"]
    assert dashboard_title in readme, "the README says which dashboard shows the logs"


# auth=oauth2: the CI settings the plan and deploy give Terraform as oidc_issuer and oidc_audience.
# GitHub's repository variables reach a job only through its env; GitLab's CI/CD variables and a
# Jenkins job's environment variables reach every step as they are, where Terraform reads TF_VAR_*.
OAUTH2_CI_SETTINGS = {
    "github": {"oidc_issuer": "OIDC_ISSUER", "oidc_audience": "OIDC_AUDIENCE"},
    "gitlab": {"oidc_issuer": "TF_VAR_oidc_issuer", "oidc_audience": "TF_VAR_oidc_audience"},
    "jenkins": {"oidc_issuer": "TF_VAR_oidc_issuer", "oidc_audience": "TF_VAR_oidc_audience"},
}


def check_oauth2_reaches_ci(project: Path, answers: dict) -> None:
    """auth=oauth2 with Terraform: the issuer and audience are Terraform variables with no default
    (a plan without them fails), so CI's plan and deploy get them, from CI settings the README names:
    GitHub's jobs map the repository variables, GitLab's and Jenkins' wait for theirs. Without
    oauth2, no CI file or Terraform speaks of them."""
    _stack, _db, full = _facts(project, answers)
    directory = terraform_dir(project, full)
    ci_file = project / CI_SYSTEMS[full["ci"]]["files"][0]
    text = ci_file.read_text(encoding="utf-8")
    if directory is None or full["auth"] != "oauth2":
        assert "oidc_issuer" not in text, f"{ci_file.name} passes no issuer without oauth2"
        if directory is not None:
            assert "oidc_issuer" not in load_terraform(directory)["variable"]
        return
    variables = load_terraform(directory)["variable"]
    settings = OAUTH2_CI_SETTINGS[full["ci"]]
    for name in settings:
        assert "default" not in variables[name], f"var.{name} has no default: production needs the real one"
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert all(f"`{setting}`" in readme for setting in settings.values()), "the README names the CI settings"
    if full["ci"] == "github":
        jobs = load_yaml(project / ".github/workflows/ci.yml")["jobs"]
        terraform_jobs = [
            job
            for job in jobs.values()
            if any(re.search(r"terraform (plan|apply)", step.get("run", "")) for step in job["steps"])
        ]
        assert len(terraform_jobs) == 2, "the plan and deploy jobs"
        for job in terraform_jobs:
            for name, setting in settings.items():
                assert job["env"].get(f"TF_VAR_{name}") == f"${{{{ vars.{setting} }}}}", (
                    f"the job passes Terraform {name} from vars.{setting}"
                )
    elif full["ci"] == "gitlab":
        jobs = load_yaml(ci_file)
        for name in ("plan", "deploy"):
            (rule,) = jobs[name]["rules"]
            assert all(f"${setting}" in rule["if"] for setting in settings.values()), (
                f"{name} waits for the CI/CD variables Terraform reads"
            )
    else:
        for name in ("Plan", "Deploy"):
            assert set(settings.values()) <= _waits_for(_stage(text, name)), (
                f"{name} waits for the job's variables Terraform reads"
            )


CHECKS = {
    "dockerfile": check_dockerfile,
    "compose": check_compose,
    "nginx": check_nginx,
    "prometheus": check_prometheus,
    "dashboard": check_dashboard,
    "terraform": check_terraform,
    "ci": check_ci,
    "ci oidc": check_ci_oidc,
    "gcp federation": check_gcp_federation,
    "jenkins oidc": check_jenkins_oidc,
    "oauth2 ci": check_oauth2_reaches_ci,
    "dependabot": check_dependabot,
    "makefile": check_makefile,
    "docs": check_docs,
    "kubernetes": check_kubernetes,
    "log stack": check_log_stack,
}


@pytest.mark.parametrize("answer_set", list(ANSWER_SETS))
@pytest.mark.parametrize("check", list(CHECKS))
def test_wiring(render, answer_set, check):
    answers = ANSWER_SETS[answer_set]
    CHECKS[check](render(**answers), answers)


# --- Each check can fail: a mutated copy of one file is caught -------------------------------

_DEFAULT_PORT = facts_for("python")["port"]
_GO_PORT = facts_for("go")["port"]
PROXY = stacks.PROXY
_NGINX = {"nginx": True}
_GRPC_PORT = CONTRACT["grpc"]["port"]
_NO_CLOUD = {"cloud": "none"}
_K8S = {"kubernetes": True}
_K8S_DEPLOYMENT = f"{KUBERNETES}/deployment.yaml"
_GITLAB = {"ci": "gitlab", "database": "postgresql", "cache": "redis", "api_style": "grpc"}
_GITLAB_CI = ".gitlab-ci.yml"
_GITLAB_TF = "infra/terraform/gitlab_oidc.tf"
_CI_ROLES_TF = "infra/terraform/ci_roles.tf"
_AZURE = {"cloud": "azure", "database": "postgresql", "cache": "redis"}
_AZURE_TF = "infra/terraform"
_AZURE_APP = f"{_AZURE_TF}/container_app.tf"
_GITLAB_AZURE = {"ci": "gitlab", "cloud": "azure", "database": "postgresql"}
_GCP = {"cloud": "gcp"}
_GCP_FULL = {"cloud": "gcp", "database": "postgresql", "cache": "redis"}
_GCP_GITLAB = {"cloud": "gcp", "ci": "gitlab", "database": "postgresql"}
_GCP_RUN = "infra/terraform/run.tf"
_GCP_OIDC = "infra/terraform/ci_oidc.tf"
_WIF_POOL = 'resource "google_iam_workload_identity_pool" "ci" {\n  workload_identity_pool_id = "x"\n}\n'
_JENKINS = {"ci": "jenkins", "database": "postgresql", "cache": "redis", "api_style": "grpc"}
_JENKINS_NO_CLOUD = {"ci": "jenkins", "cloud": "none"}
_JENKINS_TF = "infra/terraform/jenkins_oidc.tf"
_JENKINS_GCP = {"ci": "jenkins", "cloud": "gcp", "database": "postgresql"}
_JENKINS_AZURE = {"ci": "jenkins", "cloud": "azure", "database": "postgresql"}
_SLUG = "backend-roadmap-service"

MUTATIONS = {
    "dependabot terraform directory": (
        "dependabot",
        {},
        ".github/dependabot.yml",
        "directory: /infra/terraform",
        "directory: /terraform",
    ),
    "dockerfile EXPOSE": ("dockerfile", {}, "Dockerfile", f"EXPOSE {_DEFAULT_PORT}", "EXPOSE 9999"),
    "dockerfile ENV PORT": ("dockerfile", {}, "Dockerfile", f"PORT={_DEFAULT_PORT}", "PORT=9999"),
    "dockerfile root user": ("dockerfile", {}, "Dockerfile", "USER 10001:10001", "USER root"),
    "dockerfile healthcheck": ("dockerfile", {}, "Dockerfile", '"healthcheck"]', '"check"]'),
    "compose app port": ("compose", {}, "compose.yaml", f'"{_DEFAULT_PORT}:{_DEFAULT_PORT}"', '"9999:9999"'),
    "dockerfile CA bundle path": (
        "dockerfile",
        {"database": "mongodb"},
        "Dockerfile",
        "/etc/ssl/certs/aws-rds-global-bundle.pem",
        "/tmp/bundle.pem",
    ),
    "documentdb retryable writes": (
        "terraform",
        {"database": "mongodb"},
        "infra/terraform/secrets.tf",
        "retryWrites=false",
        "retryWrites=true",
    ),
    "compose db port in url": (
        "compose",
        {"database": "postgresql"},
        "compose.yaml",
        "@db:5432/",
        "@db:5433/",
    ),
    "prometheus target": (
        "prometheus",
        {},
        "monitoring/prometheus/prometheus.yml",
        f"app:{_DEFAULT_PORT}",
        "app:9999",
    ),
    "prometheus metrics_path": (
        "prometheus",
        {},
        "monitoring/prometheus/prometheus.yml",
        "metrics_path: /metrics",
        "metrics_path: /prom",
    ),
    "alert metric name": (
        "prometheus",
        {},
        "monitoring/prometheus/alerts.yml",
        "rate(http_requests_total{",
        "rate(requests_total{",
    ),
    "alert job label": ("prometheus", {}, "monitoring/prometheus/alerts.yml", 'up{job="', 'up{job="x'),
    "dashboard metric name": (
        "dashboard",
        {},
        "monitoring/grafana/dashboards/service.json",
        "http_request_duration_seconds_bucket",
        "latency_bucket",
    ),
    "terraform oidc issuer env": (
        "terraform",
        {"auth": "oauth2"},
        "infra/terraform/ecs.tf",
        "value = var.oidc_issuer",
        "value = var.oidc_audience",
    ),
    "compose jwt secret with oauth2": (
        "compose",
        {"auth": "oauth2"},
        "compose.yaml",
        "OIDC_AUDIENCE:",
        "JWT_SECRET:",
    ),
    "terraform health path": (
        "terraform",
        {},
        "infra/terraform/main.tf",
        'health_path    = "/healthz"',
        'health_path    = "/health"',
    ),
    "terraform target port": (
        "terraform",
        {},
        "infra/terraform/alb.tf",
        "port                 = local.app_port",
        "port                 = 80",
    ),
    "terraform secret as env": (
        "terraform",
        {},
        "infra/terraform/ecs.tf",
        '{ name = "LOG_LEVEL"',
        '{ name = "JWT_SECRET", value = "x" },\n      { name = "LOG_LEVEL"',
    ),
    "terraform jwt secret without jwt": (
        "terraform",
        {"auth": "api_key"},
        "infra/terraform/ecs.tf",
        "secrets = []",
        'secrets = [{ name = "JWT_SECRET", valueFrom = "arn:x" }]',
    ),
    "terraform backend without locking": (
        "terraform",
        {},
        "infra/terraform/versions.tf",
        "    use_lockfile = true\n",
        "",
    ),
    "terraform backend local": (
        "terraform",
        {},
        "infra/terraform/versions.tf",
        '  backend "s3" {',
        '  backend "local" {',
    ),
    "terraform variable without validation": (
        "terraform",
        {"database": "postgresql"},
        "infra/terraform/variables.tf",
        "    condition     = var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35\n"
        '    error_message = "Keep backups between 1 and 35 days."\n',
        "",
    ),
    "terraform variable without description": (
        "terraform",
        {},
        "infra/terraform/variables.tf",
        '  description = "Fargate task CPU units."\n',
        "",
    ),
    "terraform service url output": (
        "terraform",
        {},
        "infra/terraform/outputs.tf",
        'value       = "http://${aws_lb.main.dns_name}"',
        "value       = aws_lb.main.arn",
    ),
    "terraform anonymous writes on by default": (
        "terraform",
        {"auth": "none"},
        "infra/terraform/variables.tf",
        "default     = false",
        "default     = true",
    ),
    "compose jwt secret without jwt": (
        "compose",
        {"auth": "none"},
        "compose.yaml",
        'MIGRATE_ON_START: "true"',
        'MIGRATE_ON_START: "true"\n      JWT_SECRET: dev-only-jwt-secret-change-me-0123456789abcdef',
    ),
    "ci smoke test without the anonymous opt-in": (
        "ci",
        {"auth": "none"},
        ".github/workflows/ci.yml",
        "-e ALLOW_ANONYMOUS_WRITES=true",
        "",
    ),
    "ci database url port": (
        "ci",
        {"database": "postgresql"},
        ".github/workflows/ci.yml",
        "@localhost:5432/",
        "@localhost:5433/",
    ),
    "compose cache url host": (
        "compose",
        {"cache": "redis"},
        "compose.yaml",
        "redis://cache:6379/",
        "redis://localhost:6379/",
    ),
    "compose cache published on every interface": (
        "compose",
        {"cache": "memcached"},
        "compose.yaml",
        '"127.0.0.1:11211:11211"',
        '"11211:11211"',
    ),
    "compose app not waiting for the cache": (
        "compose",
        {"cache": "redis"},
        "compose.yaml",
        "      cache:\n        condition: service_healthy",
        "      cache:\n        condition: service_started",
    ),
    "ci cache url port": (
        "ci",
        {"cache": "memcached"},
        ".github/workflows/ci.yml",
        "memcached://localhost:11211",
        "memcached://localhost:11212",
    ),
    "ci cache image": (
        "ci",
        {"cache": "redis"},
        ".github/workflows/ci.yml",
        "image: redis:",
        "image: valkey:",
    ),
    "ci floating action tag": (
        "ci",
        {},
        ".github/workflows/ci.yml",
        "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
        "actions/checkout@v4",
    ),
    "ci smoke test port": ("ci", {}, ".github/workflows/ci.yml", "-p 8000:8000", "-p 8080:8000"),
    "ci smoke test path": (
        "ci",
        {},
        ".github/workflows/ci.yml",
        "localhost:8000/healthz",
        "localhost:8000/health",
    ),
    "dockerfile EXPOSE grpc": (
        "dockerfile",
        {"api_style": "grpc"},
        "Dockerfile",
        f"EXPOSE {_DEFAULT_PORT} {_GRPC_PORT}",
        f"EXPOSE {_DEFAULT_PORT} 9999",
    ),
    "dockerfile ENV GRPC_PORT": (
        "dockerfile",
        {"api_style": "grpc"},
        "Dockerfile",
        f"GRPC_PORT={_GRPC_PORT}",
        "GRPC_PORT=9999",
    ),
    "compose grpc port": (
        "compose",
        {"api_style": "grpc"},
        "compose.yaml",
        f'"{_GRPC_PORT}:{_GRPC_PORT}"',
        '"9999:9999"',
    ),
    "compose GRPC_PORT env": (
        "compose",
        {"api_style": "grpc"},
        "compose.yaml",
        f'GRPC_PORT: "{_GRPC_PORT}"',
        'GRPC_PORT: "9999"',
    ),
    "ci generate step": (
        "ci",
        {"api_style": "grpc"},
        ".github/workflows/ci.yml",
        "grpc_tools.protoc",
        "true",
    ),
    "makefile test without generate": (
        "makefile",
        {"api_style": "grpc"},
        "Makefile",
        "test: generate",
        "test:",
    ),
    "docs grpc port": (
        "docs",
        {"api_style": "grpc"},
        "docs/contract.md",
        f"| `GRPC_PORT` | `{_GRPC_PORT}` |",
        "| `GRPC_PORT` | `9999` |",
    ),
    "docs deploy from elsewhere than the terraform": (
        "docs",
        {},
        "README.md",
        "\ncd infra/terraform\n",
        "\ncd infra\n",
    ),
    # cloud=none: leftovers of the Terraform the answer drops (an anchor of None adds the file).
    "cloud none terraform file left": (
        "terraform",
        _NO_CLOUD,
        "infra/terraform/main.tf",
        None,
        "locals {}\n",
    ),
    "cloud none terraform job left": (
        "ci",
        _NO_CLOUD,
        ".github/workflows/ci.yml",
        "\n  image:\n",
        "\n  terraform:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: terraform validate\n\n  image:\n",
    ),
    "cloud none dependabot terraform entry": (
        "dependabot",
        _NO_CLOUD,
        ".github/dependabot.yml",
        "\n  - package-ecosystem: docker\n",
        "\n  - package-ecosystem: terraform\n    directory: /\n    schedule:\n      interval: weekly\n"
        "  - package-ecosystem: docker\n",
    ),
    "cloud none AWS in compose": (
        "docs",
        _NO_CLOUD,
        "compose.yaml",
        "give production its own secrets",
        "production secrets live in AWS Secrets Manager",
    ),
    "cloud none deploy without the jwt secret": ("docs", _NO_CLOUD, "README.md", "  -e JWT_SECRET \\\n", ""),
    "cloud none deploy on another port": (
        "docs",
        _NO_CLOUD,
        "README.md",
        f"-p {_DEFAULT_PORT}:{_DEFAULT_PORT} \\",
        f"-p 9999:{_DEFAULT_PORT} \\",
    ),
    "cloud none deploy of an image CI does not push": (
        "docs",
        _NO_CLOUD,
        "README.md",
        "service:latest\n",
        "service:v1\n",
    ),
    "cloud none deploy without the sqlite volume": (
        "docs",
        _NO_CLOUD,
        "README.md",
        ":/app/data \\",
        ":/data \\",
    ),
    "cloud none dockerfile CA bundle": (
        "dockerfile",
        {**_NO_CLOUD, "database": "mongodb"},
        "Dockerfile",
        "\nUSER ",
        "\nADD --chmod=644 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /etc/ssl/certs/b.pem\nUSER ",
    ),
    "compose app published beside nginx": (
        "compose",
        _NGINX,
        "compose.yaml",
        f'expose:\n      - "{_DEFAULT_PORT}"',
        f'ports:\n      - "{_DEFAULT_PORT}:{_DEFAULT_PORT}"',
    ),
    "nginx upstream port": ("nginx", _NGINX, "nginx/nginx.conf", f"app:{_DEFAULT_PORT};", "app:9999;"),
    "nginx upstream port go": (
        "nginx",
        {**_NGINX, "language": "go"},
        "nginx/nginx.conf",
        f"app:{_GO_PORT};",
        f"app:{_DEFAULT_PORT};",
    ),
    "nginx published port": (
        "nginx",
        _NGINX,
        "compose.yaml",
        f'"{PROXY["port"]}:{PROXY["port"]}"',
        f'"80:{PROXY["port"]}"',
    ),
    "nginx config mount": (
        "nginx",
        _NGINX,
        "compose.yaml",
        f"./nginx/nginx.conf:{PROXY['config_path']}:ro",
        "./nginx/nginx.conf:/etc/nginx/conf.d/default.conf:ro",
    ),
    "nginx serves metrics": (
        "nginx",
        _NGINX,
        "nginx/nginx.conf",
        "location = /metrics {",
        "location = /stats {",
    ),
    "nginx drops the request id": (
        "nginx",
        _NGINX,
        "nginx/nginx.conf",
        "proxy_set_header X-Request-ID $request_id_out;",
        "proxy_set_header X-Request-ID $request_id;",
    ),
    "kubernetes manifests without the toggle": (
        "kubernetes",
        {},
        f"{KUBERNETES}/service.yaml",
        None,
        "kind: Service\n",
    ),
    "kubernetes readiness probe path": (
        "kubernetes",
        _K8S,
        _K8S_DEPLOYMENT,
        f"path: {CONTRACT['readiness_path']}",
        f"path: {CONTRACT['health_path']}",
    ),
    "kubernetes container port": (
        "kubernetes",
        _K8S,
        _K8S_DEPLOYMENT,
        f"containerPort: {_DEFAULT_PORT}",
        f"containerPort: {_GO_PORT}",
    ),
    "kubernetes metrics path annotation": (
        "kubernetes",
        _K8S,
        _K8S_DEPLOYMENT,
        f"prometheus.io/path: {CONTRACT['metrics_path']}",
        "prometheus.io/path: /stats",
    ),
    "kubernetes metrics port annotation": (
        "kubernetes",
        {**_K8S, "api_style": "grpc"},
        _K8S_DEPLOYMENT,
        f'prometheus.io/port: "{_DEFAULT_PORT}"',
        f'prometheus.io/port: "{_GRPC_PORT}"',
    ),
    "kubernetes runAsUser": ("kubernetes", _K8S, _K8S_DEPLOYMENT, "runAsUser: 10001", "runAsUser: 1000"),
    "kubernetes runAsUser go": (
        "kubernetes",
        {**_K8S, "language": "go"},
        _K8S_DEPLOYMENT,
        "runAsUser: 65532",
        "runAsUser: 10001",
    ),
    "kubernetes writable root filesystem": (
        "kubernetes",
        _K8S,
        _K8S_DEPLOYMENT,
        "readOnlyRootFilesystem: true",
        "readOnlyRootFilesystem: false",
    ),
    "kubernetes sqlite directory not on a volume": (
        "kubernetes",
        {**_K8S, "language": "go"},
        _K8S_DEPLOYMENT,
        "mountPath: /app/data",
        "mountPath: /data",
    ),
    "kubernetes missing env": ("kubernetes", _K8S, f"{KUBERNETES}/configmap.yaml", "  LOG_LEVEL: info\n", ""),
    "kubernetes anonymous writes opt-in missing": (
        "kubernetes",
        {**_K8S, "auth": "none"},
        f"{KUBERNETES}/configmap.yaml",
        '  ALLOW_ANONYMOUS_WRITES: "true"\n',
        "",
    ),
    "kubernetes secret in the config map": (
        "kubernetes",
        _K8S,
        f"{KUBERNETES}/configmap.yaml",
        "  LOG_LEVEL: info\n",
        "  LOG_LEVEL: info\n  JWT_SECRET: dev-only\n",
    ),
    "kubernetes secret key the README does not create": (
        "kubernetes",
        {**_K8S, "database": "postgresql"},
        "README.md",
        '--from-literal=DATABASE_URL="$DATABASE_URL"',
        '--from-literal=DATABASE_URI="$DATABASE_URL"',
    ),
    "kubernetes grpc service port": (
        "kubernetes",
        {**_K8S, "api_style": "grpc"},
        f"{KUBERNETES}/service.yaml",
        "targetPort: grpc",
        "targetPort: http",
    ),
    "kubernetes ingress backend port": (
        "kubernetes",
        {**_K8S, "api_style": "grpc"},
        f"{KUBERNETES}/ingress.yaml",
        "name: http",
        "name: grpc",
    ),
    "kubernetes image CI does not push": (
        "kubernetes",
        _K8S,
        _K8S_DEPLOYMENT,
        "image: ghcr.io/",
        "image: docker.io/",
    ),
    "kubernetes grace shorter than the shutdown": (
        "kubernetes",
        {**_K8S, "database": "postgresql"},
        _K8S_DEPLOYMENT,
        f"terminationGracePeriodSeconds: {CONTRACT['shutdown_grace_seconds'] + 10}",
        f"terminationGracePeriodSeconds: {CONTRACT['shutdown_grace_seconds']}",
    ),
    "kubernetes manifest left out of the kustomization": (
        "kubernetes",
        _K8S,
        f"{KUBERNETES}/kustomization.yaml",
        "  - ingress.yaml\n",
        "",
    ),
    "kubernetes replica count beside the autoscaler": (
        "kubernetes",
        {**_K8S, "database": "postgresql"},
        _K8S_DEPLOYMENT,
        "  strategy:\n",
        "  replicas: 2\n  strategy:\n",
    ),
    "gitlab db host is localhost": ("ci", _GITLAB, _GITLAB_CI, "@db:5432/", "@localhost:5432/"),
    "gitlab db image": ("ci", _GITLAB, _GITLAB_CI, "name: postgres:17.2-alpine", "name: postgres:16-alpine"),
    "gitlab cache alias": ("ci", _GITLAB, _GITLAB_CI, "alias: cache", "alias: redis"),
    "gitlab test env name": ("ci", _GITLAB, _GITLAB_CI, "    LOG_LEVEL: warning", "    LOGLEVEL: warning"),
    "gitlab no generate step": (
        "ci",
        _GITLAB,
        _GITLAB_CI,
        "    - uv run --frozen python -m grpc_tools",
        "    - echo skipped # ",
    ),
    "gitlab test command": (
        "ci",
        _GITLAB,
        _GITLAB_CI,
        "    - uv run --frozen pytest",
        "    - uv run pytest -x",
    ),
    "gitlab push elsewhere": (
        "ci",
        _GITLAB,
        _GITLAB_CI,
        'buildah push "$CI_REGISTRY_IMAGE/candidates:$CI_COMMIT_SHA"\n',
        'buildah push "$CI_REGISTRY_IMAGE/candidates:$CI_COMMIT_SHA" docker://docker.io/me/app:x\n',
    ),
    "gitlab deploy without the gate": ("ci", _GITLAB, _GITLAB_CI, "      when: manual\n", ""),
    "gitlab deploy from any branch": (
        "ci",
        _GITLAB,
        _GITLAB_CI,
        "    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $AWS_DEPLOY_ROLE_ARN && $ECR_REPOSITORY_URL\n      when: manual",
        "    - if: $AWS_DEPLOY_ROLE_ARN && $ECR_REPOSITORY_URL\n      when: manual",
    ),
    "gitlab long-lived key": (
        "ci",
        _GITLAB,
        _GITLAB_CI,
        "    TF_IN_AUTOMATION:",
        "    AWS_SECRET_ACCESS_KEY: $AWS_KEY\n    TF_IN_AUTOMATION:",
    ),
    "gitlab readme variable from a missing output": (
        "ci",
        _GITLAB,
        "README.md",
        "from `ci_deploy_role_arn`",
        "from `deploy_role_arn`",
    ),
    "gitlab no id token": (
        "ci",
        _GITLAB,
        _GITLAB_CI,
        "      aud: sts.amazonaws.com",
        "      aud: https://gitlab.com",
    ),
    "gitlab terraform job left without a cloud": (
        "ci",
        {"ci": "gitlab", "cloud": "none"},
        _GITLAB_CI,
        "\nbuild:\n",
        "\nterraform:\n  stage: build\n  script: [terraform validate]\n\nbuild:\n",
    ),
    "gitlab github workflow left": (
        "ci",
        _GITLAB,
        ".github/workflows/ci.yml",
        None,
        "on: push\njobs: {}\n",
    ),
    "gitlab oidc any branch deploys": (
        "ci oidc",
        _GITLAB,
        _GITLAB_TF,
        "ref_type:branch:ref:${var.gitlab_deploy_branch}",
        "ref_type:branch:ref:*",
    ),
    "gitlab oidc audience": (
        "ci oidc",
        _GITLAB,
        _GITLAB_TF,
        'variable = "${local.gitlab_host}:aud"',
        'variable = "${local.gitlab_host}:azp"',
    ),
    "oidc deploy role on any resource": (
        "ci oidc",
        _GITLAB,
        _CI_ROLES_TF,
        "resources = [aws_ecs_service.app.id]",
        'resources = ["*"]',
    ),
    "github oidc deploy outside the environment": (
        "ci oidc",
        {},
        "infra/terraform/github_oidc.tf",
        ":environment:${var.github_deploy_environment}",
        ":ref:refs/heads/*",
    ),
    "github oidc other issuer": (
        "ci oidc",
        {},
        "infra/terraform/github_oidc.tf",
        'url            = "https://token.actions.githubusercontent.com"',
        'url            = "https://gitlab.com"',
    ),
    "github deploy without the gate": (
        "ci",
        {},
        ".github/workflows/ci.yml",
        "if: github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main' && ",
        "if: ",
    ),
    "github deploy outside its environment": (
        "ci",
        {},
        ".github/workflows/ci.yml",
        "    environment: production\n",
        "",
    ),
    "github deploy other role": (
        "ci",
        {},
        ".github/workflows/ci.yml",
        "role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}",
        "role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}",
    ),
    "github deploy variable undocumented": (
        "docs",
        {},
        "README.md",
        "`TF_STATE_BUCKET`",
        "the state bucket",
    ),
    "elasticache open to the vpc": (
        "terraform",
        {"cache": "redis"},
        "infra/terraform/cache.tf",
        "security_groups = [aws_security_group.app.id]",
        "cidr_blocks     = [var.vpc_cidr]",
    ),
    "elasticache redis without tls": (
        "terraform",
        {"cache": "redis"},
        "infra/terraform/secrets.tf",
        'secret_string = "rediss://',
        'secret_string = "redis://',
    ),
    "elasticache memcached port": (
        "terraform",
        {"cache": "memcached"},
        "infra/terraform/cache.tf",
        "port                 = 11211",
        "port                 = 11212",
    ),
    "elasticache cache url as plain env": (
        "terraform",
        {"cache": "memcached"},
        "infra/terraform/ecs.tf",
        '      { name = "CACHE_URL", valueFrom = aws_secretsmanager_secret.cache_url.arn },\n',
        "",
    ),
    "gitlab smoke test of another image": (
        "ci",
        _GITLAB,
        _GITLAB_CI,
        '  services:\n    - name: "$CI_REGISTRY_IMAGE/candidates:$CI_COMMIT_SHA"',
        '  services:\n    - name: "$CI_REGISTRY_IMAGE:latest"',
    ),
    "gitlab smoke test on another port": (
        "ci",
        _GITLAB,
        _GITLAB_CI,
        "http://app:8000/healthz",
        "http://app:8080/healthz",
    ),
    "gitlab publish from every branch": (
        "ci",
        _GITLAB,
        _GITLAB_CI,
        "  needs: [smoke]\n  timeout: 10 minutes\n  rules:\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n",
        "  needs: [smoke]\n  timeout: 10 minutes\n",
    ),
    "gitlab publish before the smoke test": (
        "ci",
        _GITLAB,
        _GITLAB_CI,
        "  needs: [smoke]\n",
        "  needs: [build]\n",
    ),
    "github plan with a key": (
        "ci",
        {},
        ".github/workflows/ci.yml",
        "role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}",
        "aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}",
    ),
    # cloud=azure: each Azure wiring check fails on a broken copy of the file it reads.
    "azure target port": (
        "terraform",
        _AZURE,
        _AZURE_APP,
        "target_port                = local.app_port",
        "target_port                = 9999",
    ),
    "azure liveness on readiness": (
        "terraform",
        _AZURE,
        _AZURE_APP,
        '      liveness_probe {\n        transport               = "HTTP"\n        port                    = local.app_port\n        path                    = local.health_path',
        '      liveness_probe {\n        transport               = "HTTP"\n        port                    = local.app_port\n        path                    = local.readiness_path',
    ),
    "azure readiness on health": (
        "terraform",
        _AZURE,
        _AZURE_APP,
        "path                    = local.readiness_path",
        "path                    = local.health_path",
    ),
    "azure image from elsewhere": (
        "terraform",
        _AZURE,
        _AZURE_APP,
        'image  = "${azurerm_container_registry.main.login_server}/${local.name}:${var.image_tag}"',
        'image  = "docker.io/me/app:${var.image_tag}"',
    ),
    "azure secret as plain env": (
        "terraform",
        _AZURE,
        _AZURE_APP,
        '        name        = "JWT_SECRET"\n        secret_name = "jwt-secret"',
        '        name  = "JWT_SECRET"\n        value = local.jwt_secret',
    ),
    "azure env name": ("terraform", _AZURE, _AZURE_APP, 'name  = "LOG_LEVEL"', 'name  = "LOGLEVEL"'),
    "azure cache url without tls": (
        "terraform",
        _AZURE,
        f"{_AZURE_TF}/cache.tf",
        'cache_url = "rediss://',
        'cache_url = "redis://',
    ),
    "azure database public": (
        "terraform",
        _AZURE,
        f"{_AZURE_TF}/database.tf",
        "public_network_access_enabled = false",
        "public_network_access_enabled = true",
    ),
    "azure cosmos retryable writes": (
        "terraform",
        {"cloud": "azure", "database": "mongodb"},
        f"{_AZURE_TF}/database.tf",
        "retryWrites=false",
        "retryWrites=true",
    ),
    "azure sqlite scaled out": (
        "terraform",
        {"cloud": "azure"},
        _AZURE_APP,
        "max_replicas                     = 1",
        "max_replicas                     = 3",
    ),
    "azure deploy trusted from any branch": (
        "terraform",
        _AZURE,
        f"{_AZURE_TF}/ci_oidc.tf",
        'subject = "repo:${var.github_repository}:environment:production"',
        'subject = "repo:${var.github_repository}:ref:refs/heads/*"',
    ),
    "azure deploy role wildcard": (
        "terraform",
        _AZURE,
        f"{_AZURE_TF}/ci_oidc.tf",
        '"Microsoft.App/containerApps/write"',
        '"*"',
    ),
    "azure deploy role on the resource group": (
        "terraform",
        _AZURE,
        f"{_AZURE_TF}/ci_oidc.tf",
        "scope              = azurerm_container_app.app.id",
        "scope              = azurerm_resource_group.main.id",
    ),
    "azure backend without entra id": (
        "terraform",
        _AZURE,
        f"{_AZURE_TF}/versions.tf",
        "    use_azuread_auth = true\n",
        "",
    ),
    "azure service url output": (
        "terraform",
        _AZURE,
        f"{_AZURE_TF}/outputs.tf",
        'value       = "https://${azurerm_container_app.app.ingress[0].fqdn}"\n',
        'value       = "http://${azurerm_container_app.app.ingress[0].fqdn}"\n',
    ),
    "azure docs push elsewhere": (
        "docs",
        _AZURE,
        "README.md",
        'docker push "$SERVER/backend-roadmap-service:v1"',
        'docker push "$SERVER/app:v1"',
    ),
    "azure docs aws leftover": (
        "docs",
        _AZURE,
        "compose.yaml",
        "Container Apps secrets",
        "AWS Secrets Manager",
    ),
    "gitlab azure deploy from any branch": (
        "ci",
        _GITLAB_AZURE,
        _GITLAB_CI,
        "    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $AZURE_DEPLOY_CLIENT_ID && $AZURE_REGISTRY_NAME\n      when: manual",
        "    - if: $AZURE_DEPLOY_CLIENT_ID && $AZURE_REGISTRY_NAME\n      when: manual",
    ),
    "gitlab azure import into another repository": (
        "ci",
        _GITLAB_AZURE,
        _GITLAB_CI,
        '--image "backend-roadmap-service:$CI_COMMIT_SHA"',
        '--image "app:$CI_COMMIT_SHA"',
    ),
    "gitlab azure release before publish": (
        "ci",
        _GITLAB_AZURE,
        _GITLAB_CI,
        "  extends: .azure_identity\n  needs: [publish]\n",
        "  extends: .azure_identity\n  needs: [build]\n",
    ),
    "gitlab azure client secret": (
        "ci",
        _GITLAB_AZURE,
        _GITLAB_CI,
        '    ARM_USE_OIDC: "true"\n',
        '    ARM_USE_OIDC: "true"\n    ARM_CLIENT_SECRET: $AZURE_SECRET\n',
    ),
    "gitlab azure id token audience": (
        "ci",
        _GITLAB_AZURE,
        _GITLAB_CI,
        "aud: api://AzureADTokenExchange",
        "aud: https://gitlab.com",
    ),
    "gitlab azure readme variable from a missing output": (
        "ci",
        _GITLAB_AZURE,
        "README.md",
        "from `ci_deploy_client_id`",
        "from `deploy_client_id`",
    ),
    "github azure deploy without the gate": (
        "ci",
        _AZURE,
        ".github/workflows/ci.yml",
        "if: github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main' && ",
        "if: ",
    ),
    "github azure deploy as the plan identity": (
        "ci",
        _AZURE,
        ".github/workflows/ci.yml",
        "ARM_CLIENT_ID: ${{ vars.AZURE_DEPLOY_CLIENT_ID }}",
        "ARM_CLIENT_ID: ${{ vars.AZURE_PLAN_CLIENT_ID }}",
    ),
    "github azure import into another repository": (
        "ci",
        _AZURE,
        ".github/workflows/ci.yml",
        "REPOSITORY: backend-roadmap-service",
        "REPOSITORY: app",
    ),
    "github azure client secret": (
        "ci",
        _AZURE,
        ".github/workflows/ci.yml",
        '      ARM_USE_OIDC: "true"\n',
        '      ARM_USE_OIDC: "true"\n      ARM_CLIENT_SECRET: ${{ secrets.AZURE_SECRET }}\n',
    ),
    "github azure state variable undocumented": (
        "docs",
        _AZURE,
        "README.md",
        "`TF_STATE_STORAGE_ACCOUNT`",
        "the storage account",
    ),
    "renovate without terraform": ("dependabot", _GITLAB, "renovate.json", ', "terraform"]', "]"),
    "renovate young releases": ("dependabot", _GITLAB, "renovate.json", '"3 days"', '"0 days"'),
    # cloud=gcp: Cloud Run, Secret Manager, Cloud SQL, Memorystore, the CI's federation.
    "gcp image from elsewhere": (
        "terraform",
        _GCP,
        _GCP_RUN,
        "image = local.image",
        'image = "ghcr.io/x/y:latest"',
    ),
    "gcp container port": (
        "terraform",
        _GCP,
        _GCP_RUN,
        "container_port = local.app_port",
        "container_port = 8081",
    ),
    "gcp startup probe on the health path": (
        "terraform",
        _GCP,
        _GCP_RUN,
        "path = local.readiness_path",
        "path = local.health_path",
    ),
    "gcp readiness path": (
        "terraform",
        _GCP,
        "infra/terraform/main.tf",
        'readiness_path = "/readyz"',
        'readiness_path = "/ready"',
    ),
    "gcp secret as plain env": (
        "terraform",
        _GCP,
        _GCP_RUN,
        '        name  = "LOG_LEVEL"',
        '        name  = "JWT_SECRET"\n        value = "x"\n      }\n      env {\n        name  = "LOG_LEVEL"',
    ),
    "gcp secret env renamed": ("terraform", _GCP_FULL, _GCP_RUN, 'name = "CACHE_URL"', 'name = "REDIS_URL"'),
    "gcp secret from the latest version": (
        "terraform",
        _GCP,
        _GCP_RUN,
        "version = google_secret_manager_secret_version.jwt_secret.version",
        'version = "latest"',
    ),
    "gcp secrets readable by anyone": (
        "terraform",
        _GCP,
        "infra/terraform/secrets.tf",
        'member    = "serviceAccount:${google_service_account.app.email}"',
        'member    = "allAuthenticatedUsers"',
    ),
    "gcp database version": (
        "terraform",
        _GCP_FULL,
        "infra/terraform/database.tf",
        'database_version    = "POSTGRES_17"',
        'database_version    = "POSTGRES_16"',
    ),
    "gcp database public": (
        "terraform",
        _GCP_FULL,
        "infra/terraform/database.tf",
        "ipv4_enabled    = false",
        "ipv4_enabled    = true",
    ),
    "gcp redis without auth": (
        "terraform",
        _GCP_FULL,
        "infra/terraform/cache.tf",
        "auth_enabled       = true",
        "auth_enabled       = false",
    ),
    "gcp sqlite on more instances": (
        "terraform",
        _GCP,
        _GCP_RUN,
        "max_instance_count = 1",
        "max_instance_count = 3",
    ),
    "gcp brought database url written by terraform": (
        "terraform",
        {**_GCP, "database": "mongodb"},
        "infra/terraform/secrets.tf",
        "# No version here",
        'resource "google_secret_manager_secret_version" "database_url" {\n'
        '  secret      = google_secret_manager_secret.app["database_url"].id\n'
        '  secret_data = "mongodb://localhost/x"\n}\n# No version here',
    ),
    "gcp state left local": (
        "terraform",
        _GCP,
        "infra/terraform/versions.tf",
        '  backend "gcs" {\n    prefix = "backend-roadmap-service"\n  }\n',
        "",
    ),
    "gcp state under another prefix": (
        "terraform",
        _GCP,
        "infra/terraform/versions.tf",
        'prefix = "backend-roadmap-service"',
        'prefix = "state"',
    ),
    "gcp service url output": (
        "terraform",
        _GCP,
        "infra/terraform/outputs.tf",
        "value       = google_cloud_run_v2_service.app.uri",
        'value       = "http://${google_cloud_run_v2_service.app.name}"',
    ),
    "gcp federation any repository": (
        "gcp federation",
        _GCP,
        _GCP_OIDC,
        "attribute_condition = \"assertion.repository == '${var.github_repository}'\"",
        "attribute_condition = \"assertion.repository != ''\"",
    ),
    "gcp federation deploy from any branch": (
        "gcp federation",
        _GCP,
        _GCP_OIDC,
        'member             = "principal://iam.googleapis.com/${local.ci_pool}/subject/${local.deploy_subject}"',
        'member             = "principalSet://iam.googleapis.com/${local.ci_pool}/attribute.repository/${var.github_repository}"',
    ),
    "gcp federation editor": (
        "gcp federation",
        _GCP,
        _GCP_OIDC,
        'role    = "roles/viewer"',
        'role    = "roles/editor"',
    ),
    "gcp federation gitlab audience": (
        "gcp federation",
        _GCP_GITLAB,
        _GCP_OIDC,
        "allowed_audiences = [var.gitlab_oidc_audience]",
        'allowed_audiences = ["https://gitlab.com"]',
    ),
    "gcp federation left on aws": ("gcp federation", {}, "infra/terraform/ci_oidc.tf", None, _WIF_POOL),
    "gcp docs push another image": (
        "docs",
        _GCP,
        "README.md",
        'docker push "$REPO/backend-roadmap-service:v1"',
        'docker push "$REPO/app:v1"',
    ),
    "gcp docs target a resource terraform lacks": (
        "docs",
        _GCP,
        "README.md",
        "-target=google_artifact_registry_repository.app",
        "-target=google_artifact_registry_repository.images",
    ),
    "gcp github deploys as the plan account": (
        "ci",
        _GCP,
        ".github/workflows/ci.yml",
        "service_account: ${{ vars.GCP_DEPLOY_SERVICE_ACCOUNT }}",
        "service_account: ${{ vars.GCP_PLAN_SERVICE_ACCOUNT }}",
    ),
    "gcp github copies another image name": (
        "ci",
        _GCP,
        ".github/workflows/ci.yml",
        'docker push "$ARTIFACT_REGISTRY_URL/backend-roadmap-service:$GITHUB_SHA"',
        'docker push "$ARTIFACT_REGISTRY_URL/app:$GITHUB_SHA"',
    ),
    "gcp github state bucket not granted": (
        "gcp federation",
        _GCP,
        _GCP_OIDC,
        '"roles/storage.objectUser"   = google_service_account.ci_deploy.email',
        '"roles/storage.objectUser"   = google_service_account.ci_plan.email',
    ),
    "gcp gitlab deploys as the plan account": (
        "ci",
        _GCP_GITLAB,
        _GITLAB_CI,
        "  variables:\n    GCP_SERVICE_ACCOUNT: $GCP_DEPLOY_SERVICE_ACCOUNT\n  script:\n    - terraform apply",
        "  variables:\n    GCP_SERVICE_ACCOUNT: $GCP_PLAN_SERVICE_ACCOUNT\n  script:\n    - terraform apply",
    ),
    "gcp gitlab releases another tag": (
        "ci",
        _GCP_GITLAB,
        _GITLAB_CI,
        '/backend-roadmap-service:$CI_COMMIT_SHA"',
        '/backend-roadmap-service:latest"',
    ),
    "gcp gitlab readme variable from a missing output": (
        "ci",
        _GCP_GITLAB,
        "README.md",
        "from `workload_identity_provider`",
        "from `provider_name`",
    ),
    "jenkins stage renamed": ("ci", _JENKINS, "Jenkinsfile", "stage('Lint')", "stage('Style')"),
    "jenkins db alias": ("ci", _JENKINS, "Jenkinsfile", "services.db = ", "services.postgres = "),
    "jenkins db image": (
        "ci",
        _JENKINS,
        "Jenkinsfile",
        "docker.image('postgres:17.2-alpine')",
        "docker.image('postgres:16-alpine')",
    ),
    "jenkins db password": (
        "ci",
        _JENKINS,
        "Jenkinsfile",
        "POSTGRES_PASSWORD=ci-only-db-password",
        "POSTGRES_PASSWORD=other",
    ),
    "jenkins service health": ("ci", _JENKINS, "Jenkinsfile", "'--health-cmd \\'redis-cli ping\\' ", "'"),
    "jenkins test env name": ("ci", _JENKINS, "Jenkinsfile", "LOG_LEVEL = 'warning'", "LOGLEVEL = 'warning'"),
    "jenkins test command": (
        "ci",
        _JENKINS,
        "Jenkinsfile",
        "sh 'uv run --frozen pytest'",
        "sh 'uv run pytest -x'",
    ),
    "jenkins no generate step": (
        "ci",
        _JENKINS,
        "Jenkinsfile",
        "sh 'uv run --frozen python -m grpc_tools",
        "sh 'echo skipped # ",
    ),
    "jenkins smoke test without the jwt secret": (
        "ci",
        _JENKINS,
        "Jenkinsfile",
        "'-e JWT_SECRET=ci-only-smoke-test-jwt-secret-0123456789'",
        "''",
    ),
    "jenkins push from every branch": (
        "ci",
        _JENKINS,
        "Jenkinsfile",
        "                        branch 'main'\n                        expression { env.AWS_DEPLOY_ROLE_ARN",
        "                        expression { env.AWS_DEPLOY_ROLE_ARN",
    ),
    "jenkins push elsewhere": (
        "ci",
        _JENKINS_NO_CLOUD,
        "Jenkinsfile",
        'docker push "$REGISTRY/backend-roadmap-service:latest"',
        'docker push "docker.io/me/app:latest"',
    ),
    "jenkins deploy without the gate": (
        "ci",
        _JENKINS,
        "Jenkinsfile",
        "            input {\n",
        "            parameters {\n",
    ),
    "jenkins deploy from any branch": (
        "ci",
        _JENKINS,
        "Jenkinsfile",
        "                beforeInput true\n                branch 'main'\n",
        "                beforeInput true\n",
    ),
    "jenkins long-lived key": (
        "ci",
        _JENKINS,
        "Jenkinsfile",
        "                TF_IN_AUTOMATION = 'true'\n",
        "                TF_IN_AUTOMATION = 'true'\n                AWS_SECRET_ACCESS_KEY = credentials('aws-key')\n",
    ),
    "jenkins oidc credential": (
        "ci",
        _JENKINS,
        "Jenkinsfile",
        "credentialsId: 'aws-oidc-token'",
        "credentialsId: 'aws-keys'",
    ),
    "jenkins plan with the deploy role": (
        "ci",
        _JENKINS,
        "Jenkinsfile",
        '"AWS_ROLE_ARN=${env.AWS_PLAN_ROLE_ARN}"',
        '"AWS_ROLE_ARN=${env.AWS_DEPLOY_ROLE_ARN}"',
    ),
    "jenkins terraform variable CI does not pass": (
        "ci",
        _JENKINS,
        "Jenkinsfile",
        '"TF_VAR_jenkins_url=${env.JENKINS_URL}"',
        '"TF_VAR_jenkins_root=${env.JENKINS_URL}"',
    ),
    "jenkins readme variable from a missing output": (
        "ci",
        _JENKINS,
        "README.md",
        "from `ci_deploy_role_arn`",
        "from `deploy_role_arn`",
    ),
    "jenkins readme without the registry login": (
        "ci",
        _JENKINS_NO_CLOUD,
        "README.md",
        "`registry-credentials`",
        "`registry`",
    ),
    "jenkins terraform stage left without a cloud": (
        "ci",
        _JENKINS_NO_CLOUD,
        "Jenkinsfile",
        "        stage('Image') {",
        "        stage('Terraform') {\n            steps {\n                sh 'terraform validate'\n            }\n        }\n        stage('Image') {",
    ),
    "jenkins gitlab pipeline left": ("ci", _JENKINS, ".gitlab-ci.yml", None, "build:\n  script: [make]\n"),
    "jenkins oidc any branch deploys": (
        "jenkins oidc",
        _JENKINS,
        _JENKINS_TF,
        "job/${var.jenkins_deploy_branch}/",
        "job/*",
    ),
    "jenkins oidc audience": (
        "jenkins oidc",
        _JENKINS,
        _JENKINS_TF,
        'variable = "${local.jenkins_claims}:aud"',
        'variable = "${local.jenkins_claims}:azp"',
    ),
    "jenkins oidc state bucket": (
        "jenkins oidc",
        _JENKINS,
        _CI_ROLES_TF,
        "${var.state_bucket}/backend-roadmap-service/*",
        "${var.state_bucket}/*",
    ),
    "jenkins oidc deploy role on any resource": (
        "jenkins oidc",
        _JENKINS,
        _CI_ROLES_TF,
        "resources = [aws_ecs_service.app.id]",
        'resources = ["*"]',
    ),
    "renovate misses a jenkins image": (
        "dependabot",
        _JENKINS,
        "renovate.json",
        "(?<currentValue>[0-9]",
        "(?<currentValue>v[0-9]",
    ),
    "jenkins gcp login to another registry": (
        "ci",
        _JENKINS_GCP,
        "Jenkinsfile",
        '"https://${ARTIFACT_REGISTRY_URL%%/*}"',
        '"https://gcr.io"',
    ),
    "jenkins gcp credential config without the token file": (
        "ci",
        _JENKINS_GCP,
        "Jenkinsfile",
        '"$GCP_ID_TOKEN_FILE" > "$GOOGLE_APPLICATION_CREDENTIALS"',
        '"$GCP_ID_TOKEN" > "$GOOGLE_APPLICATION_CREDENTIALS"',
    ),
    "jenkins gcp plan as the deploy account": (
        "ci",
        _JENKINS_GCP,
        "Jenkinsfile",
        '"GCP_SERVICE_ACCOUNT=${env.GCP_PLAN_SERVICE_ACCOUNT}"',
        '"GCP_SERVICE_ACCOUNT=${env.GCP_DEPLOY_SERVICE_ACCOUNT}"',
    ),
    "jenkins gcp push without the provider": (
        "ci",
        _JENKINS_GCP,
        "Jenkinsfile",
        " && env.GCP_WORKLOAD_IDENTITY_PROVIDER",
        "",
    ),
    "jenkins gcp pushes elsewhere": (
        "ci",
        _JENKINS_GCP,
        "Jenkinsfile",
        'docker push "$ARTIFACT_REGISTRY_URL/',
        'docker push "$ARTIFACT_REGISTRY_URL/images/',
    ),
    "jenkins gcp readme credential audience": (
        "ci",
        _JENKINS_GCP,
        "README.md",
        "audience `gcp-workload-identity-federation`",
        "audience `sts.amazonaws.com`",
    ),
    "jenkins gcp readme variable from a missing output": (
        "ci",
        _JENKINS_GCP,
        "README.md",
        "`GCP_WORKLOAD_IDENTITY_PROVIDER` from `workload_identity_provider`",
        "`GCP_WORKLOAD_IDENTITY_PROVIDER` from `identity_provider`",
    ),
    "jenkins gcp provider for another issuer": (
        "gcp federation",
        _JENKINS_GCP,
        _GCP_OIDC,
        "issuer_uri        = local.jenkins_issuer",
        "issuer_uri        = var.jenkins_url",
    ),
    "jenkins gcp provider for another audience": (
        "gcp federation",
        _JENKINS_GCP,
        _GCP_OIDC,
        "allowed_audiences = [var.jenkins_oidc_audience]",
        'allowed_audiences = ["sts.amazonaws.com"]',
    ),
    "jenkins gcp provider takes every job": (
        "gcp federation",
        _JENKINS_GCP,
        _GCP_OIDC,
        "assertion.sub.startsWith('${local.jenkins_job_url}job/')",
        "assertion.sub.startsWith('${var.jenkins_url}')",
    ),
    "jenkins gcp any branch deploys": (
        "gcp federation",
        _JENKINS_GCP,
        _GCP_OIDC,
        'deploy_subject = "${local.jenkins_job_url}job/${var.jenkins_deploy_branch}/"',
        'deploy_subject = "${local.jenkins_job_url}job/"',
    ),
    "jenkins gcp plan writes the state": (
        "gcp federation",
        _JENKINS_GCP,
        _GCP_OIDC,
        '"roles/storage.objectViewer" = google_service_account.ci_plan.email',
        '"roles/storage.objectAdmin" = google_service_account.ci_plan.email',
    ),
    "jenkins gcp placeholder issuer": (
        "gcp federation",
        _JENKINS_GCP,
        "infra/terraform/variables.tf",
        'variable "jenkins_url" {\n',
        'variable "jenkins_url" {\n  default = "https://jenkins.example.com/"\n',
    ),
    "jenkins azure login to another registry": (
        "ci",
        _JENKINS_AZURE,
        "Jenkinsfile",
        '--password-stdin "$AZURE_REGISTRY_NAME.azurecr.io"',
        '--password-stdin "myregistry.azurecr.io"',
    ),
    "jenkins azure token where no sdk reads it": (
        "ci",
        _JENKINS_AZURE,
        "Jenkinsfile",
        "variable: 'ARM_OIDC_TOKEN_FILE_PATH'",
        "variable: 'AZURE_ID_TOKEN'",
    ),
    "jenkins azure plans from every branch": (
        "ci",
        _JENKINS_AZURE,
        "Jenkinsfile",
        "                        // The plan identity trusts main's builds only.\n                        branch 'main'\n",
        "",
    ),
    "jenkins azure state elsewhere": (
        "ci",
        _JENKINS_AZURE,
        "Jenkinsfile",
        '-backend-config="container_name=$TF_STATE_CONTAINER"',
        '-backend-config="container_name=tfstate"',
    ),
    "jenkins azure readme variable from a missing output": (
        "ci",
        _JENKINS_AZURE,
        "README.md",
        "`AZURE_TENANT_ID` from `tenant_id`",
        "`AZURE_TENANT_ID` from `tenant`",
    ),
    "jenkins azure any branch signs in": (
        "terraform",
        _JENKINS_AZURE,
        f"{_AZURE_TF}/ci_oidc.tf",
        'job/${var.jenkins_deploy_branch}/"',
        'job/"',
    ),
    "jenkins azure credential for another issuer": (
        "terraform",
        _JENKINS_AZURE,
        f"{_AZURE_TF}/ci_oidc.tf",
        "issuer              = local.jenkins_issuer",
        "issuer              = var.jenkins_url",
    ),
    "jenkins azure pushes anywhere": (
        "terraform",
        _JENKINS_AZURE,
        f"{_AZURE_TF}/ci_oidc.tf",
        '  scope                = azurerm_container_registry.main.id\n  role_definition_name = "AcrPush"',
        '  scope                = azurerm_resource_group.main.id\n  role_definition_name = "AcrPush"',
    ),
    "jenkins kubernetes image from another region": (
        "kubernetes",
        {"ci": "jenkins", "kubernetes": True},
        _K8S_DEPLOYMENT,
        "aws-account-id.dkr.ecr.eu-west-1.amazonaws.com",
        "aws-account-id.dkr.ecr.us-east-1.amazonaws.com",
    ),
    "jenkins kubernetes image from another repository": (
        "kubernetes",
        {"ci": "jenkins", "kubernetes": True, "cloud": "gcp"},
        _K8S_DEPLOYMENT,
        f"europe-west1-docker.pkg.dev/gcp-project-id/{_SLUG}/{_SLUG}",
        f"europe-west1-docker.pkg.dev/gcp-project-id/{_SLUG}",
    ),
    "jenkins kubernetes starts from a tag never pushed": (
        "kubernetes",
        {"ci": "jenkins", "kubernetes": True, "cloud": "azure"},
        f"{KUBERNETES}/kustomization.yaml",
        "newTag: commit-sha",
        "newTag: latest",
    ),
    "jenkins kubernetes readme without the placeholder": (
        "kubernetes",
        {"ci": "jenkins", "kubernetes": True, "cloud": "azure"},
        "README.md",
        "`acr-registry-name` stands for",
        "acr-registry-name stands for",
    ),
    "github oauth2 issuer not passed": (
        "oauth2 ci",
        {"auth": "oauth2"},
        ".github/workflows/ci.yml",
        "      TF_VAR_oidc_issuer: ${{ vars.OIDC_ISSUER }}\n",
        "",
    ),
    "gitlab oauth2 plan without the audience": (
        "oauth2 ci",
        {"ci": "gitlab", "cloud": "gcp", "auth": "oauth2"},
        _GITLAB_CI,
        " && $TF_VAR_oidc_audience",
        "",
    ),
    "jenkins oauth2 deploy without the issuer": (
        "oauth2 ci",
        {"ci": "jenkins", "cloud": "azure", "auth": "oauth2"},
        "Jenkinsfile",
        " && env.TF_VAR_oidc_issuer && env.TF_VAR_oidc_audience }\n            }\n            input",
        " }\n            }\n            input",
    ),
    "oauth2 readme without the ci settings": (
        "oauth2 ci",
        {"ci": "gitlab", "cloud": "gcp", "auth": "oauth2"},
        "README.md",
        "`TF_VAR_oidc_issuer`",
        "`TF_VAR_oidc`",
    ),
    "oauth2 issuer passed without oauth2": (
        "oauth2 ci",
        {},
        ".github/workflows/ci.yml",
        "      TF_VAR_image_tag: ${{ github.sha }}\n",
        "      TF_VAR_image_tag: ${{ github.sha }}\n      TF_VAR_oidc_issuer: ${{ vars.OIDC_ISSUER }}\n",
    ),
    "makefile run": ("makefile", {}, "Makefile", "\tuv run --frozen python -m", "\tpython -m"),
    "makefile spaces": ("makefile", {}, "Makefile", "\tdocker compose down", "    docker compose down"),
    **{
        f"log stack {name}": ("log stack", {"log_stack": "loki"}, relative, old, new)
        for name, (relative, old, new) in {
            "loki listen port": (logs.LOKI_CONFIG, "http_listen_port: 3100", "http_listen_port: 3101"),
            "loki config mount": (
                "compose.yaml",
                "loki.yaml:/etc/loki/loki.yaml:ro",
                "loki.yaml:/etc/loki/config.yaml:ro",
            ),
            "loki data off the volume": (
                logs.LOKI_CONFIG,
                "chunks_directory: /loki/chunks",
                "chunks_directory: /tmp/chunks",
            ),
            "loki schema without structured metadata": (logs.LOKI_CONFIG, "schema: v13", "schema: v12"),
            "datasource url": (logs.DATASOURCE, "url: http://loki:3100", "url: http://localhost:3100"),
            "alloy pushes elsewhere": (
                logs.ALLOY_CONFIG,
                "http://loki:3100/loki/api/v1/push",
                "http://loki:3100/api/prom/push",
            ),
            "alloy skips the json stage": (
                logs.ALLOY_CONFIG,
                "[loki.process.json.receiver]",
                "[loki.write.loki.receiver]",
            ),
            "alloy reads another project": (
                logs.ALLOY_CONFIG,
                "compose.project=backend-roadmap-service",
                "compose.project=other",
            ),
            "request id as a label": (
                logs.ALLOY_CONFIG,
                "stage.labels {\n    values = {\n",
                'stage.labels {\n    values = {\n      request_id = "",\n',
            ),
            "docker socket writable": (
                "compose.yaml",
                "/var/run/docker.sock:/var/run/docker.sock:ro",
                "/var/run/docker.sock:/var/run/docker.sock",
            ),
            "dashboard groups by an unknown label": (logs.DASHBOARD, "sum by (level)", "sum by (severity)"),
            "dashboard selects another service": (
                logs.DASHBOARD,
                '{service=\\"app\\", level',
                '{service=\\"api\\", level',
            ),
            "dashboard datasource": (logs.DASHBOARD, '"uid": "loki"', '"uid": "logs"'),
            "dashboard filters on a missing field": (logs.DASHBOARD, "| json | status", "| status"),
            "grafana without loki": (
                "compose.yaml",
                "      loki:\n        condition: service_healthy\n    restart",
                "    restart",
            ),
        }.items()
    },
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_a_mutated_file_fails_its_check(render, tmp_path, mutation):
    check, answers, relative, old, new = MUTATIONS[mutation]
    project = tmp_path / "project"
    shutil.copytree(render(**answers), project, ignore=shutil.ignore_patterns(".git"))
    path = project / relative
    if old is None:
        assert not path.exists(), f"{relative} is there already; update MUTATIONS"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new, encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
        assert old in text, f"the mutation's anchor {old!r} is not in {relative}; update MUTATIONS"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    CHECKS[check](render(**answers), answers)  # the unmutated project passes...
    with pytest.raises(AssertionError):  # ...and the mutated one does not.
        CHECKS[check](project, answers)
