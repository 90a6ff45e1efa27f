"""What the README's feature table claims, and which tests verify each claim, per language.

Patterns are regexes over pytest node ids, with `{lang}` standing for the language key. Only
enabled languages get patterns; the others show as "not offered yet" (copier.yml disables them).
"""

from __future__ import annotations

from tests.helpers.facts import ENABLED_LANGUAGES, databases_for, options_for

STATIC = r"^tests/test_static_checks\.py::"


def each_language(*patterns: str) -> dict[str, list[str]]:
    return {lang: [pattern.format(lang=lang) for pattern in patterns] for lang in ENABLED_LANGUAGES}


def each_language_with(database: str, *patterns: str) -> dict[str, list[str]]:
    """Patterns for the languages that implement `database`; the others show as not offered."""
    return {
        lang: [pattern.format(lang=lang) for pattern in patterns]
        for lang in ENABLED_LANGUAGES
        if database in databases_for(lang)
    }


def each_language_offering(question: str, value: str, *patterns: str) -> dict[str, list[str]]:
    """Patterns for the languages that implement answer `value` to `question`; `{id}` matches the
    ids of that language's targets with that answer (`python-postgresql-auth=api_key`, ...)."""
    return {
        lang: [
            pattern.format(lang=lang, id=rf"{lang}-[^\]]*?{question}={value}(?:-[^\]]*)?")
            for pattern in patterns
        ]
        for lang in ENABLED_LANGUAGES
        if value in options_for(lang, question)
    }


def each_language_pairing(api_style: str, auths: tuple[str, ...], *patterns: str) -> dict[str, list[str]]:
    """Patterns for the languages that implement `api_style` and every one of `auths`; `{id}`
    matches the ids of that language's targets with that API style and one of those auth methods."""
    return {
        lang: [
            pattern.format(lang=lang, id=rf"{lang}-[^\]]*?api_style={api_style}-auth=(?:{'|'.join(auths)})")
            for pattern in patterns
        ]
        for lang in ENABLED_LANGUAGES
        if api_style in options_for(lang, "api_style") and set(auths) <= set(options_for(lang, "auth"))
    }


FEATURES: list[tuple[str, dict[str, list[str]]]] = [
    (
        "Questions validated; unfinished choices disabled with a reason",
        each_language(r"^tests/test_questions\.py::"),
    ),
    (
        "Defaults and every enabled choice render, no template residue",
        each_language(r"^tests/test_render\.py::"),
    ),
    (
        "Generated `make test` passes (SQLite)",
        each_language(r"^tests/test_e2e\.py::test_generated_make_test_passes\[{lang}-sqlite\]"),
    ),
    (
        "Generated `make test` passes against a real PostgreSQL",
        each_language_with(
            "postgresql", r"^tests/test_e2e\.py::test_generated_make_test_passes\[{lang}-postgresql\]"
        ),
    ),
    (
        "Generated `make test` passes against a real MySQL-compatible server (MariaDB)",
        each_language_with("mysql", r"^tests/test_e2e\.py::test_generated_make_test_passes\[{lang}-mysql\]"),
    ),
    (
        "Generated `make test` passes against a real MongoDB wire-protocol server (FerretDB)",
        each_language_with(
            "mongodb", r"^tests/test_e2e\.py::test_generated_make_test_passes\[{lang}-mongodb\]"
        ),
    ),
    (
        "Generated `make test` passes with Redis caching, its cache tests against a real Redis",
        each_language_offering(
            "cache", "redis", r"^tests/test_e2e\.py::test_generated_make_test_passes\[{id}\]"
        ),
    ),
    (
        "Generated `make test` passes with Memcached caching, its cache tests against a real Memcached",
        each_language_offering(
            "cache",
            "memcached",
            r"^tests/test_e2e\.py::test_generated_make_test_passes\[{id}\]",
        ),
    ),
    (
        "Generated `make test` passes with other resource and project names (irregular plurals, long slugs)",
        each_language(r"^tests/test_e2e\.py::test_generated_make_test_passes_with_other_names\[.*{lang}"),
    ),
    (
        "Generated `make lint` (linter, formatter check, type checker) and `make build` pass",
        each_language(r"^tests/test_e2e\.py::test_generated_make_lint_and_build_pass\[{lang}-"),
    ),
    (
        "Service contract suite passes (SQLite): probes, metrics, CRUD, problem details, JWT, logs, SIGTERM",
        each_language(r"^tests/contract/.*\[{lang}-sqlite"),
    ),
    (
        "Service contract suite passes against a real PostgreSQL",
        each_language_with("postgresql", r"^tests/contract/.*\[{lang}-postgresql"),
    ),
    (
        "Service contract suite passes against a real MySQL-compatible server (MariaDB)",
        each_language_with("mysql", r"^tests/contract/.*\[{lang}-mysql"),
    ),
    (
        "Service contract suite passes against a real MongoDB wire-protocol server (FerretDB)",
        each_language_with("mongodb", r"^tests/contract/.*\[{lang}-mongodb"),
    ),
    (
        "MongoDB on AWS is DocumentDB: TLS checked with the CA bundle the image carries, retryable writes off, reachable from the service only",
        each_language_with(
            "mongodb",
            r"^tests/test_wiring\.py::test_wiring\[(terraform|dockerfile)-{lang}-mongodb\]",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[(documentdb|dockerfile CA)",
        ),
    ),
    (
        "Caching contract against a real Redis: miss then hit, invalidation on write, TTL expiry, cache down and back, readiness",
        each_language_offering("cache", "redis", r"^tests/contract/test_contract_cache\.py::.*\[{id}"),
    ),
    (
        "Caching contract against a real Memcached: miss then hit, invalidation on write, TTL expiry, cache down and back, readiness",
        each_language_offering("cache", "memcached", r"^tests/contract/test_contract_cache\.py::.*\[{id}"),
    ),
    (
        "API keys: minted and revoked by a service command, sent in `X-API-Key`, stored hashed, 401 with `WWW-Authenticate: ApiKey`",
        each_language_offering(
            "auth",
            "api_key",
            r"^tests/contract/test_contract_api_key\.py::.*\[{id}",
            r"^tests/test_e2e\.py::test_generated_make_test_passes\[{id}\]",
        ),
    ),
    (
        "OAuth 2.0 resource server: tokens from a real OpenID provider (client credentials), scope, audience, expiry, forged tokens, key rotation without restart",
        each_language_offering("auth", "oauth2", r"^tests/contract/test_contract_oauth2\.py::.*\[{id}"),
    ),
    (
        "OAuth 2.0: resource API, metrics and logs contract with provider clients as owners; generated `make test` passes",
        each_language_offering(
            "auth",
            "oauth2",
            r"^tests/contract/test_contract_resource\.py::.*\[{id}",
            r"^tests/test_e2e\.py::test_generated_make_test_passes\[{id}\]",
        ),
    ),
    (
        "No auth: public writes, no auth endpoints; production refuses to start unless `ALLOW_ANONYMOUS_WRITES=true`",
        each_language_offering(
            "auth",
            "none",
            r"^tests/contract/test_contract_no_auth\.py::.*\[{id}",
            r"^tests/test_e2e\.py::test_generated_make_test_passes\[{id}\]",
        ),
    ),
    (
        "gRPC API (api_style=grpc): the project's .proto compiled by the suite; CRUD, pages, status codes, bearer metadata, health, reflection, RPC metrics, SIGTERM",
        each_language_offering("api_style", "grpc", r"^tests/contract/test_contract_grpc\.py::.*\[{id}"),
    ),
    (
        "gRPC with API keys, OAuth 2.0 or no auth: the credential as metadata; UNAUTHENTICATED, PERMISSION_DENIED (naming a missing scope), UNAVAILABLE without an issuer; anonymous writes; generated `make test` passes",
        each_language_pairing(
            "grpc",
            ("api_key", "oauth2", "none"),
            r"^tests/contract/test_contract_grpc\.py::.*\[{id}\]",
            r"^tests/test_e2e\.py::test_generated_make_test_passes\[{id}\]",
        ),
    ),
    (
        "gRPC: code generated by the build; generated `make test`, `make lint` (mypy --strict against the generated stubs) and `make build` pass",
        each_language_offering(
            "api_style",
            "grpc",
            r"^tests/test_e2e\.py::test_generated_make_test_passes\[{id}\]",
            r"^tests/test_e2e\.py::test_generated_make_lint_and_build_pass\[{id}-",
        ),
    ),
    (
        "gRPC: the image's build stage generates the code; the runtime stage answers the gRPC health check",
        each_language_offering("api_style", "grpc", r"^tests/test_image\.py::.*\[{lang}-grpc\]"),
    ),
    (
        "gRPC port agrees across Dockerfile (ENV, EXPOSE), compose and docs; CI and Makefile generate code first",
        each_language_offering(
            "api_style", "grpc", r"^tests/test_wiring\.py::test_wiring\[[a-z]+-{lang}-api_style=grpc\]"
        ),
    ),
    (
        "SOAP API (api_style=soap): WSDL at /soap?wsdl, every operation called by zeep, faults carrying the problem, 401 faults with the auth method's challenge, no XML entities",
        each_language_offering(
            "api_style",
            "soap",
            r"^tests/contract/test_contract_soap\.py::.*\[{id}",
            r"^tests/test_e2e\.py::test_generated_make_test_passes\[{id}\]",
        ),
    ),
    (
        "GraphQL API (api_style=graphql) at /graphql: the documented schema (introspected), queries and mutations, every auth method on writes, coded errors, depth and alias limits",
        each_language_offering(
            "api_style", "graphql", r"^tests/contract/test_contract_graphql\.py::.*\[{id}"
        ),
    ),
    (
        "GraphQL with OAuth 2.0: provider tokens on mutations; UNAUTHENTICATED, FORBIDDEN naming the scope, SERVICE_UNAVAILABLE without an issuer (not an internal error); SIGTERM mid-mutation; generated `make test` passes",
        each_language_pairing(
            "graphql",
            ("oauth2",),
            r"^tests/contract/test_contract_graphql\.py::.*\[{id}\]",
            r"^tests/contract/test_contract_lifecycle\.py::test_sigterm.*\[{id}\]",
            r"^tests/test_e2e\.py::test_generated_make_test_passes\[{id}\]",
        ),
    ),
    (
        "GraphQL: generated `make test` (schema.graphql against the served schema), `make lint` and `make build` pass",
        each_language_offering(
            "api_style",
            "graphql",
            r"^tests/test_e2e\.py::test_generated_make_test_passes\[{id}\]",
            r"^tests/test_e2e\.py::test_generated_make_lint_and_build_pass\[{id}-",
        ),
    ),
    (
        "`copier update`: template changes arrive, the learner's edits to code and Makefile stay, overlapping edits conflict as in git",
        each_language(
            r"^tests/test_update\.py::test_update_brings_template_changes_and_keeps_the_learners_edits\[{lang}\]"
        ),
    ),
    (
        "`copier update -d <answer>` gives a fresh render with that answer plus the learner's edits",
        each_language(
            r"^tests/test_update\.py::test_changing_an_answer_equals_a_fresh_render_plus_the_learners_edits\[{lang}-"
        ),
    ),
    (
        "Committed lockfile matches the manifest for every answer",
        each_language(r"^tests/test_lockfiles\.py::.*\[{lang}\]"),
    ),
    (
        "Dockerfile played stage by stage (no Docker engine): non-root image from build artifacts only, HEALTHCHECK passes, probes answer, SIGTERM exits 0",
        each_language(r"^tests/test_image\.py::.*\[{lang}\]"),
    ),
    ("Dockerfile passes hadolint", each_language(STATIC + r"test_hadolint\[{lang}")),
    ("CI workflow passes actionlint", each_language(STATIC + r"test_actionlint\[{lang}")),
    (
        "CI workflow has no zizmor findings (security audit, regular persona)",
        each_language(
            STATIC + r"test_zizmor_finds_nothing_in_the_workflow\[{lang}", STATIC + r"test_zizmor_catches"
        ),
    ),
    (
        "Dependabot config matches its schema and watches the packages, images, actions and Terraform where they are",
        each_language(
            STATIC + r"test_dependabot.*\[{lang}",
            STATIC + r"test_dependabot_schema_check_catches",
            r"^tests/test_wiring\.py::test_wiring\[dependabot-{lang}",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[dependabot",
        ),
    ),
    (
        "`cloud: none` (Docker Compose only): no Terraform, Terraform CI job, Dependabot entry or AWS text; "
        "the README's `docker run` runs the image CI pushes as production; the service files are the AWS render's; "
        "`copier update -d cloud=none` drops the Terraform",
        each_language(
            r"^tests/test_questions\.py::test_an_answer_is_offered_exactly_with_the_languages_that_implement_it\[{lang}-cloud=none\]",
            r"^tests/test_render\.py::test_without_a_cloud_only_the_deployment_files_change\[{lang}-",
            r"^tests/test_wiring\.py::test_wiring\[[a-z]+-{lang}-[^\]]*cloud=none\]",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[cloud none",
            STATIC + r".*\[{lang}-[^\]]*cloud=none\]",
            r"^tests/test_combinations\.py::test_the_static_and_wiring_renders_pair_every_cloud_with_every_answer\[{lang}\]",
            r"^tests/test_update\.py::test_changing_an_answer_equals_a_fresh_render_plus_the_learners_edits\[{lang}-cloud-none\]",
        ),
    ),
    (
        "`cloud: gcp` (Google Cloud): Artifact Registry; Cloud Run v2 on the stack port, its startup probe on the "
        "readiness path and liveness probe on the health path, the contract's env and exactly the deploy secrets from "
        "Secret Manager; Cloud SQL for PostgreSQL or MySQL on a private address, a MongoDB URL you bring, Memorystore "
        "for Redis or Memcached; state in Cloud Storage (GitHub) or GitLab, described and validated variables, service URL "
        "and registry outputs; CI plans and deploys by workload identity federation (GitHub's or GitLab's ID tokens, no "
        "keys), the deploy behind a manual gate on main; fmt-clean, no "
        "failed checkov check; the service files are the AWS render's; `copier update -d cloud=gcp` swaps the Terraform",
        each_language(
            r"^tests/test_questions\.py::test_an_answer_is_offered_exactly_with_the_languages_that_implement_it\[{lang}-cloud=gcp\]",
            r"^tests/test_render\.py::test_on_google_cloud_only_the_deployment_files_change\[{lang}-",
            r"^tests/test_wiring\.py::test_wiring\[[a-z ]+-{lang}-[^\]]*cloud=gcp",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[gcp ",
            STATIC + r".*\[{lang}-[^\]]*cloud=gcp",
            STATIC + r"test_checkov_catches_a_cache_without_auth",
            r"^tests/test_update\.py::test_changing_an_answer_equals_a_fresh_render_plus_the_learners_edits\[{lang}-cloud-gcp\]",
        ),
    ),
    (
        "`ci: gitlab`: `.gitlab-ci.yml` matches GitLab's CI schema and `renovate.json` Renovate's; no `.github/`; "
        "`copier update -d ci=gitlab` swaps them in",
        each_language(
            r"^tests/test_questions\.py::test_gitlab_ci_is_accepted_for_every_language\[{lang}\]",
            STATIC + r"test_gitlab_files_match_their_schemas\[{lang}-ci=gitlab",
            STATIC + r"test_gitlab_schema_checks_catch_a_broken_copy",
            r"^tests/test_update\.py::test_changing_an_answer_equals_a_fresh_render_plus_the_learners_edits\[{lang}-ci-gitlab\]",
        ),
    ),
    (
        "GitLab CI wiring: GitHub's jobs and test env, services by alias at the facts' images and ports, the facts' "
        "commands, the image pushed to `$CI_REGISTRY_IMAGE` from the default branch only; Terraform plan and a manual "
        "default-branch deploy by OIDC (no AWS keys) through an OIDC provider and project-scoped, least-privilege roles; "
        "Renovate watches the packages, images and Terraform",
        each_language(
            r"^tests/test_wiring\.py::test_wiring\[(ci|ci oidc|dependabot)-{lang}-ci=gitlab",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[(gitlab|renovate) ",
        ),
    ),
    (
        "GitHub Actions deploys to AWS: Terraform plan on every run and a deploy of `main` on a manual start, "
        "in the environment the deploy role trusts, by OIDC (no AWS keys) through an OIDC provider and "
        "repository-scoped, least-privilege roles; state in S3 with a lock file; the README names every variable",
        each_language(
            r"^tests/test_wiring\.py::test_wiring\[(ci|ci oidc|docs|terraform)-{lang}(-[^\]]*)?\]",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[(github|oidc deploy|terraform backend) ",
        ),
    ),
    (
        "AWS runs the chosen cache on ElastiCache in private subnets, reachable from the tasks only "
        "(Redis with TLS and an AUTH token, `rediss://`); the task's `CACHE_URL` is a Secrets Manager secret naming it",
        each_language_offering(
            "cache",
            "redis",
            r"^tests/test_wiring\.py::test_wiring\[terraform-{lang}-[^\]]*cache=(redis|memcached)",
            STATIC + r"test_checkov_passes\[{lang}-[^\]]*cache=(redis|memcached)",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[elasticache ",
        ),
    ),
    (
        "`cloud: azure`: Terraform for Container Apps (ACR, Log Analytics, VNet), PostgreSQL/MySQL flexible servers, "
        "Cosmos DB for MongoDB and Azure Cache for Redis, `terraform fmt` clean, parsing, with no failed checkov check "
        "(each skip with its reason); Memcached refused with the reason; `copier update -d cloud=azure` swaps the Terraform",
        each_language(
            r"^tests/test_questions\.py::test_an_answer_is_offered_exactly_with_the_languages_that_implement_it\[{lang}-cloud=azure\]",
            r"^tests/test_questions\.py::test_a_cloud_refuses_what_it_cannot_deploy_with_the_reason",
            STATIC + r"test_(terraform|checkov)[a-z_]*\[{lang}-[^\]]*cloud=azure",
            STATIC + r"test_checkov_catches_a_registry_with_an_admin_password",
            r"^tests/test_update\.py::test_changing_an_answer_equals_a_fresh_render_plus_the_learners_edits\[{lang}-cloud-azure\]",
        ),
    ),
    (
        "Azure wiring: the Container App runs the image from the ACR Terraform makes on the stack's port, probes on the "
        "contract's health and readiness paths, the contract's env with exactly the deploy secrets as secret references, "
        "private database and TLS cache URLs; GitHub and GitLab plan and deploy (manual, `main` only) by OIDC federation "
        "to exact-subject identities (no Azure secrets), the image imported into ACR; the README names every variable",
        each_language(
            r"^tests/test_wiring\.py::test_wiring\[(terraform|ci|docs)-{lang}-[^\]]*cloud=azure",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[(azure|github azure|gitlab azure) ",
        ),
    ),
    (
        "`ci: jenkins`: npm-groovy-lint (CodeNarc) passes the `Jenkinsfile` and `renovate.json` matches Renovate's "
        "schema; no `.github/`; `copier update -d ci=jenkins` swaps them in",
        each_language(
            r"^tests/test_questions\.py::test_jenkins_is_accepted_for_every_language\[{lang}\]",
            STATIC + r"test_jenkinsfile_passes_npm_groovy_lint\[{lang}-[^\]]*ci=jenkins",
            STATIC + r"test_jenkins_renovate_config_matches_its_schema\[{lang}-[^\]]*ci=jenkins",
            STATIC + r"test_groovy_lint_catches_a_broken_jenkinsfile",
            r"^tests/test_update\.py::test_changing_an_answer_equals_a_fresh_render_plus_the_learners_edits\[{lang}-ci-jenkins\]",
        ),
    ),
    (
        "Jenkins wiring: GitHub's jobs and test env, service containers by link alias at the facts' images, the "
        "facts' commands, the image pushed from main only to the cloud's registry (ECR, or `$REGISTRY`); Terraform "
        "plan and a main-only deploy behind `input` by OIDC (no AWS keys) through the Jenkins issuer and job-scoped, "
        "least-privilege roles; Renovate watches the packages, images (the Jenkinsfile's too) and Terraform",
        each_language(
            r"^tests/test_wiring\.py::test_wiring\[(ci|jenkins oidc|dependabot)-{lang}-[^\]]*ci=jenkins",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[(jenkins|renovate) ",
        ),
    ),
    (
        "Jenkins deploys to Google Cloud and Azure: the image pushed from main to Artifact Registry or ACR after a "
        "login by the cloud's CLI with the deploy identity; plan and a main-only deploy behind `input` with the ID token "
        "traded by workload identity federation (external-account credential configuration; the provider takes the "
        "Jenkins issuer's tokens of this job's branches only) or Entra ID federated credentials (main's job URL exactly, "
        "`ARM_OIDC_TOKEN_FILE_PATH`); the README names each credential, plugin and variable, from outputs the Terraform "
        "has; Kubernetes pulls the image from the registry the Terraform makes",
        each_language(
            r"^tests/test_questions\.py::test_every_ci_system_is_accepted_with_every_cloud\[{lang}-ci=jenkins-",
            r"^tests/test_wiring\.py::test_wiring\[(ci|gcp federation|terraform|docs|kubernetes)-{lang}-[^\]]*ci=jenkins-cloud=(gcp|azure)",
            r"^tests/test_wiring\.py::test_wiring\[(ci|gcp federation|terraform|docs)-{lang}-[^\]]*cloud=(gcp|azure)-ci=jenkins",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[jenkins (gcp|azure|kubernetes) ",
            STATIC
            + r"test_(terraform|checkov|jenkinsfile)[a-z_]*\[{lang}-[^\]]*(cloud=(gcp|azure)-ci=jenkins|ci=jenkins-cloud=(gcp|azure))",
        ),
    ),
    (
        "OAuth 2.0 deployed by CI: the plan and deploy of every CI system give Terraform the issuer and audience "
        "(GitHub from repository variables, GitLab and Jenkins waiting for `TF_VAR_oidc_issuer` and "
        "`TF_VAR_oidc_audience`), which the README names",
        each_language_offering(
            "auth",
            "oauth2",
            r"^tests/test_wiring\.py::test_wiring\[oauth2 ci-{id}",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[((github|gitlab|jenkins) )?oauth2 ",
        ),
    ),
    ("compose.yaml matches the compose spec", each_language(STATIC + r"test_compose.*\[{lang}")),
    ("Terraform is `terraform fmt` clean and parses", each_language(STATIC + r"test_terraform.*\[{lang}")),
    (
        "Terraform fails no checkov check; each skip in the files gives its reason",
        each_language(
            STATIC + r"test_checkov_(passes|skips_give_their_reasons)\[{lang}",
            STATIC + r"test_checkov_catches",
            STATIC + r"test_checkov_skip_check_catches",
        ),
    ),
    (
        "Terraform keeps CI's state remotely (S3 with GitHub Actions, GitLab's with GitLab CI), describes and validates its variables, outputs the service URL and registry",
        each_language(
            r"^tests/test_wiring\.py::test_wiring\[terraform-{lang}",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[terraform (backend|variable|service url)",
        ),
    ),
    (
        "Prometheus config and rules pass promtool; alert unit tests pass",
        each_language(STATIC + r"test_promtool.*\[{lang}"),
    ),
    (
        "Port, health and metrics paths agree across Dockerfile, compose, Prometheus, Terraform, CI, Makefile",
        each_language(r"^tests/test_wiring\.py::test_wiring\[[a-z]+-{lang}"),
    ),
    (
        "nginx in front (`nginx` toggle): Debian's `nginx -t` passes; through a real nginx: security headers, `X-Request-ID` kept or generated, gzip on JSON, 413 over the body limit, no metrics, its own errors as problem documents, a docs page CSP that allows what the page loads",
        each_language(
            r"^tests/test_nginx\.py::.*\[{lang}(-[a-z-]+)?\]",
            r"^tests/test_nginx\.py::test_nginx_check_catches",
        ),
    ),
    (
        "nginx wiring: compose publishes the README's port, mounts the config where nginx reads it, proxies to the app's port; the app publishes no HTTP port of its own",
        each_language(
            r"^tests/test_wiring\.py::test_wiring\[[a-z]+-{lang}(-api_style=grpc)?-nginx\]",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[(nginx|compose app published beside nginx)",
        ),
    ),
    (
        "Kubernetes manifests (`kubernetes` toggle): kustomize Deployment with the contract's probes, the image's user, read-only root, no capabilities, RuntimeDefault seccomp, no service account token; Service, Ingress, ConfigMap and the Secret the README creates; an autoscaler and disruption budget with a server database, one replica on a volume with SQLite; Prometheus annotations; kustomize builds them, and what it builds is valid against the pinned Kubernetes schemas in strict mode; the image serves the probes and metrics under the pod's user, read-only filesystem and env",
        each_language(
            r"^tests/test_questions\.py::test_kubernetes_is_offered_with_every_language\[{lang}\]",
            STATIC + r"test_kubernetes_manifests_match_the_schemas\[{lang}-[^\]]*kubernetes[^\]]*\]",
            STATIC + r"test_kubernetes_schema_check_catches_a_broken_manifest",
            STATIC + r"test_kustomize_build_catches_a_listed_manifest_that_is_missing",
            r"^tests/test_image\.py::test_image_runs_under_the_kubernetes_pod_spec\[{lang}\]",
            r"^tests/test_update\.py::test_changing_an_answer_equals_a_fresh_render_plus_the_learners_edits\[{lang}-kubernetes-True\]",
        ),
    ),
    (
        "Kubernetes wiring: container, Service and Ingress ports, probe paths, metrics annotations, the env (compose's plus production's, secrets from the Secret the README creates), the user and the writable paths agree with the facts, compose, Prometheus, CI's image and the Dockerfile",
        each_language(
            r"^tests/test_wiring\.py::test_wiring\[kubernetes-{lang}-[^\]]*kubernetes[^\]]*\]",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[kubernetes",
        ),
    ),
    (
        "Real Prometheus scrapes the service; every alert and dashboard query evaluates on real series",
        each_language(r"^tests/test_prometheus_live\.py::.*\[{lang}\]"),
    ),
    (
        "Every log line (startup, shutdown, a refused configuration, each request) is JSON with the contract's `ts`, `level` and `msg`",
        each_language(
            r"^tests/contract/test_contract_lifecycle\.py::test_(sigterm|production_refuses).*\[{lang}-",
            r"^tests/test_logs\.py::test_the_common_field_check_catches",
        ),
    ),
    (
        "Log stack (`log_stack=loki`): a real Loki of compose's version (built from Go modules) accepts the config and passes compose's health check; a running service's lines, labelled as the Alloy config says, are found by each logs-dashboard query",
        each_language(
            r"^tests/test_logs\.py::.*\[{lang}\]",
            r"^tests/test_logs\.py::test_loki_config_check_catches",
            r"^tests/test_questions\.py::test_the_loki_log_stack_is_offered_with_every_language\[{lang}\]",
        ),
    ),
    (
        "Log stack wiring: Alloy reads this project's containers through the read-only Docker socket, makes `level` a label and the request id metadata (never a label), and pushes to compose's Loki; Grafana's datasource and every dashboard query agree with it",
        each_language(
            r"^tests/test_wiring\.py::test_wiring\[log stack-{lang}-log_stack=loki",
            r"^tests/test_wiring\.py::test_a_mutated_file_fails_its_check\[log stack ",
        ),
    ),
]
