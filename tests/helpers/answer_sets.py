"""The answer sets the static and wiring checks render: every enabled language on its own and
with each server database, with each other cache, API style and auth method it implements
(on SQLite, and the caches and auth methods with a server database too: compose and CI then run
two services, and secrets and IAM depend on both), plus the optional-file toggles on the defaults
(nginx also with gRPC, whose port stays beside nginx; kubernetes also with a server database, gRPC,
auth none and a cache). All of those keep the default cloud;
cloud=none goes with each of those answers at least once, so every pair of a cloud with another
answer is rendered and checked. ci=gitlab and ci=jenkins each go with each language on a server
database (with a cache and gRPC where the language has them), without a cloud, and with Kubernetes
(Jenkins' on each cloud, whose registry it pushes to). cloud=azure goes with each language, CI system and
database, and the toggles; cloud=gcp with every value, and with each CI system."""

from __future__ import annotations

import itertools

from tests.helpers.combinations import DIMENSIONS
from tests.helpers.facts import DATABASES, ENABLED_LANGUAGES, databases_for, options_for, stacks

refused_reason = stacks.refused_reason

# copier.yml's defaults of the questions besides language and database.
OPTION_DEFAULTS = {"cache": "none", "api_style": "rest", "auth": "jwt"}

ANSWER_SETS: dict[str, dict] = {}
for _language in ENABLED_LANGUAGES:
    ANSWER_SETS[_language] = {"language": _language}
    _servers = [db for db in databases_for(_language) if DATABASES[db]["server"]]
    for _database in _servers:
        ANSWER_SETS[f"{_language}-{_database}"] = {"language": _language, "database": _database}
    for _question, _default in OPTION_DEFAULTS.items():
        for _value in options_for(_language, _question):
            if _value == _default:
                continue
            ANSWER_SETS[f"{_language}-{_question}={_value}"] = {"language": _language, _question: _value}
            if _question in ("auth", "cache") and _servers:
                ANSWER_SETS[f"{_language}-{_servers[0]}-{_question}={_value}"] = {
                    "language": _language,
                    "database": _servers[0],
                    _question: _value,
                }
    # nginx in front, and with another listener beside HTTP (gRPC stays direct).
    ANSWER_SETS[f"{_language}-nginx"] = {"language": _language, "nginx": True}
    if "grpc" in options_for(_language, "api_style"):
        ANSWER_SETS[f"{_language}-api_style=grpc-nginx"] = {
            "language": _language,
            "api_style": "grpc",
            "nginx": True,
        }
    # Kubernetes manifests: SQLite's volume and single replica, a server database's autoscaler and
    # secret URL, a cache's optional secret, gRPC's second port, the anonymous-writes opt-in.
    _kubernetes = {"language": _language, "kubernetes": True}
    ANSWER_SETS[f"{_language}-kubernetes"] = _kubernetes
    if _servers:
        ANSWER_SETS[f"{_language}-{_servers[0]}-kubernetes"] = {**_kubernetes, "database": _servers[0]}
    for _question, _value in (("api_style", "grpc"), ("auth", "none")):
        if _value in options_for(_language, _question):
            ANSWER_SETS[f"{_language}-{_question}={_value}-kubernetes"] = {**_kubernetes, _question: _value}
    _caches = [value for value in options_for(_language, "cache") if value != OPTION_DEFAULTS["cache"]]
    if _caches and _servers:
        ANSWER_SETS[f"{_language}-{_servers[0]}-cache={_caches[0]}-kubernetes"] = {
            **_kubernetes,
            "database": _servers[0],
            "cache": _caches[0],
        }
ANSWER_SETS["no-grafana"] = {"grafana": False}


def each_value_once(language: str, answers: dict[str, str]) -> list[dict[str, str]]:
    """`answers` with every value of every dimension the language offers, each at least once: the
    i-th set takes the i-th value of each dimension (its default once the values run out). Values
    the cloud of `answers` refuses (copier.yml does) are left out."""
    cloud = answers.get("cloud", "aws")
    values = [
        [
            value
            for value in options_for(language, question)
            if not refused_reason(cloud, "cloud", {question: value})
        ]
        for question in DIMENSIONS
    ]
    return [
        {question: value or DIMENSIONS[question] for question, value in zip(DIMENSIONS, row, strict=True)}
        | answers
        for row in itertools.zip_longest(*values)
    ]


def answer_set_id(language: str, answers: dict[str, str]) -> str:
    """`python-postgresql-cache=redis-cloud=none`: the language, a server database, then the other
    answers that are not the defaults."""
    parts = [language]
    for question, value in answers.items():
        if question == "language" or value == DIMENSIONS.get(question):
            continue
        parts.append(value if question == "database" else f"{question}={value}")
    return "-".join(parts)


for _language in ENABLED_LANGUAGES:
    for _answers in each_value_once(_language, {"cloud": "none"}):
        ANSWER_SETS[answer_set_id(_language, _answers)] = {"language": _language, **_answers}
    # The README's nginx section points at the deployment, which cloud=none replaces.
    ANSWER_SETS[f"{_language}-nginx-cloud=none"] = {"language": _language, "nginx": True, "cloud": "none"}
    # Nor do the Kubernetes manifests, which must not speak of the cloud they are not on.
    ANSWER_SETS[f"{_language}-kubernetes-cloud=none"] = {
        "language": _language,
        "kubernetes": True,
        "cloud": "none",
    }

# ci=gitlab and ci=jenkins with what their pipelines have to wire: the services of a server database
# and a cache, the generate step of gRPC, and without a cloud (no Terraform jobs, no OIDC roles).
for _language, _ci in itertools.product(ENABLED_LANGUAGES, ("gitlab", "jenkins")):
    _server = next(db for db in databases_for(_language) if DATABASES[db]["server"])
    _wired = {"language": _language, "ci": _ci, "database": _server}
    _caches = [value for value in options_for(_language, "cache") if value != "none"]
    if _caches:
        _wired["cache"] = _caches[0]
    if "grpc" in options_for(_language, "api_style"):
        _wired["api_style"] = "grpc"
    ANSWER_SETS[answer_set_id(_language, _wired)] = _wired
    _plain = {"language": _language, "ci": _ci, "cloud": "none"}
    ANSWER_SETS[answer_set_id(_language, _plain)] = _plain
    # Kubernetes runs the image this pipeline pushes, from its registry (Jenkins': the cloud's).
    ANSWER_SETS[f"{_language}-kubernetes-ci={_ci}"] = {
        "language": _language,
        "kubernetes": True,
        "ci": _ci,
    }
    if _ci == "jenkins":
        for _cloud in ("gcp", "azure"):
            ANSWER_SETS[f"{_language}-kubernetes-ci=jenkins-cloud={_cloud}"] = {
                "language": _language,
                "kubernetes": True,
                "ci": "jenkins",
                "cloud": _cloud,
            }

# cloud=azure with each language, each CI system and each database (every other value once, but the
# cache Azure refuses), and with the toggles whose files speak of the deployment.
for _language in ENABLED_LANGUAGES:
    for _ci in ("github", "gitlab", "jenkins"):
        for _answers in each_value_once(_language, {"cloud": "azure", "ci": _ci}):
            ANSWER_SETS[answer_set_id(_language, _answers)] = {"language": _language, **_answers}
    for _toggle in ("nginx", "kubernetes"):
        ANSWER_SETS[f"{_language}-{_toggle}-cloud=azure"] = {
            "language": _language,
            _toggle: True,
            "cloud": "azure",
        }
# cloud=gcp with every value of every dimension (Cloud SQL for each SQL database, the MongoDB URL
# the learner brings, Memorystore for each cache, each auth method's env and secrets), with ci=gitlab
# (the workload identity provider for GitLab's tokens), and with nginx, whose README section points
# at the deployment.
for _language in ENABLED_LANGUAGES:
    for _answers in each_value_once(_language, {"cloud": "gcp"}):
        ANSWER_SETS[answer_set_id(_language, _answers)] = {"language": _language, **_answers}
    _server = next(db for db in databases_for(_language) if DATABASES[db]["server"])
    _gitlab = {"language": _language, "database": _server, "ci": "gitlab", "cloud": "gcp"}
    ANSWER_SETS[answer_set_id(_language, _gitlab)] = _gitlab
    for _answers in each_value_once(_language, {"cloud": "gcp", "ci": "jenkins"}):
        ANSWER_SETS[answer_set_id(_language, _answers)] = {"language": _language, **_answers}
    ANSWER_SETS[f"{_language}-nginx-cloud=gcp"] = {"language": _language, "nginx": True, "cloud": "gcp"}
# log_stack=loki with each language on every CI system and cloud: compose, Grafana and the README
# change with it, and the CI and deployment files must not.
for _language in ENABLED_LANGUAGES:
    for _ci, _cloud in itertools.product(("github", "gitlab"), ("aws", "none")):
        _loki = {"language": _language, "log_stack": "loki", "ci": _ci, "cloud": _cloud}
        ANSWER_SETS[answer_set_id(_language, _loki)] = _loki
