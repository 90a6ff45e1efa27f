"""The answer sets the static and wiring checks render: every enabled language on its own and
with each server database, with each cache (alone, and beside a server database: compose and CI
then run two services), plus the optional-file toggles on the defaults."""

from __future__ import annotations

from tests.helpers.facts import DATABASES, ENABLED_LANGUAGES, databases_for, options_for

ANSWER_SETS: dict[str, dict] = {}
for _language in ENABLED_LANGUAGES:
    ANSWER_SETS[_language] = {"language": _language}
    for _database in databases_for(_language):
        if DATABASES[_database]["server"]:
            ANSWER_SETS[f"{_language}-{_database}"] = {"language": _language, "database": _database}
    _servers = [key for key in databases_for(_language) if DATABASES[key]["server"]]
    for _cache in options_for(_language, "cache"):
        if _cache != "none":
            ANSWER_SETS[f"{_language}-{_cache}"] = {"language": _language, "cache": _cache}
            for _database in _servers[:1]:
                ANSWER_SETS[f"{_language}-{_database}-{_cache}"] = {
                    "language": _language,
                    "database": _database,
                    "cache": _cache,
                }
ANSWER_SETS["no-grafana"] = {"grafana": False}
