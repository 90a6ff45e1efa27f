"""Jinja extensions of the template: the stack-facts context hook and name filters."""

from __future__ import annotations

import datetime
import importlib.util
from pathlib import Path
from typing import Any

from copier_template_extensions import ContextHook
from jinja2.ext import Extension


def _load_sibling(name: str):
    """Import a module beside this file; copier loads extensions by path, not by package.

    Never from an earlier import: `copier update` loads the old release's extensions and then the
    new one's in the same process, and the new release must render with its own facts.
    """
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"backend_roadmap_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


stacks = _load_sibling("stacks")
naming = _load_sibling("naming")


class StackFacts(ContextHook):
    """Adds `stack` (the chosen language's facts), `db`, `cache_facts`, `auth_facts`, `cloud_facts`,
    `ci_facts`, `options`, `proxy`, `log_facts`, `deploy_secrets`, `smoke_env` and the contract to the context.

    Copier also renders defaults and validators before every question is
    answered, so each lookup falls back to the defaults rather than failing.
    """

    def hook(self, context: dict[str, Any]) -> None:
        language = context.get("language") or "python"
        database = context.get("database") or "sqlite"
        context["stack"] = stacks.facts_for(
            language, context.get("project_slug") or "service", context.get("api_style") or "rest"
        )
        context["db"] = {"key": database, **stacks.DATABASES.get(database, {})}
        # The chosen values of the questions whose answers may add packages
        # (stack.option_packages); the lock template guards packages by them.
        context["options"] = [
            database,
            context.get("cache") or "none",
            context.get("api_style") or "rest",
            context.get("auth") or "jwt",
        ]
        cache = context.get("cache") or "none"
        context["cache_facts"] = {"key": cache, **stacks.CACHES.get(cache, {})}
        auth = context.get("auth") or "jwt"
        context["auth_facts"] = {"key": auth, **stacks.AUTHS.get(auth, {})}
        cloud = context.get("cloud") or "aws"
        context["cloud_facts"] = {"key": cloud, **stacks.CLOUDS.get(cloud, {})}
        context["deploy_secrets"] = stacks.deploy_secrets(auth, database, cache)
        context["smoke_env"] = stacks.smoke_env(auth, database)
        ci = context.get("ci") or "github"
        # The table names the repository as {owner}/{slug}; every file gets the names filled in here
        # (image names are lower case, as registries require).
        owner, slug = context.get("repository_owner") or "", context.get("project_slug") or ""
        ci_facts = {"key": ci, **stacks.CI_SYSTEMS.get(ci, {})}
        # A CI system without a registry of its own pushes to the chosen cloud's (or the learner's),
        # and signs in to that cloud with an identity of the cloud's own.
        ci_facts.update(ci_facts.get("registries", {}).get(cloud, {}))
        ci_facts.update(ci_facts.get("identities", {}).get(cloud, {}))
        for key, owner_form in (
            ("image", owner.lower()),
            ("published_image", owner.lower()),
            ("badge", owner),
        ):
            if key in ci_facts:
                ci_facts[key] = ci_facts[key].replace("{owner}", owner_form).replace("{slug}", slug)
        context["ci_facts"] = ci_facts
        context["contract"] = stacks.CONTRACT
        context["proxy"] = stacks.PROXY
        log_stack = context.get("log_stack") or "none"
        context["log_facts"] = {"key": log_stack, **stacks.LOG_STACKS.get(log_stack, {})}
        context["log_stacks"] = stacks.LOG_STACKS
        resource = naming.snake(context.get("resource") or "note")
        context["soap"] = stacks.soap_contract(resource, naming.pluralize(resource))
        context["stacks"] = stacks.STACKS
        context["ci_systems"] = stacks.CI_SYSTEMS
        context["databases"] = stacks.DATABASES
        context["current_year"] = datetime.date.today().year


class NameFilters(Extension):
    """Filters for the case and number forms of the project and resource names."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters.update(
            slugify=naming.slugify,
            snake=naming.snake,
            pascal=naming.pascal,
            camel=naming.camel,
            pluralize=naming.pluralize,
            slug_problem=naming.slug_problem,
            resource_problem=naming.resource_problem,
            unsupported_with=stacks.unsupported_reason,
            refused_with=stacks.refused_reason,
        )
