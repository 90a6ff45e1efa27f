"""The answer sets the static and wiring checks render: every enabled language on its own and
with each server database, plus the optional-file toggles on the defaults."""

from __future__ import annotations

from tests.helpers.facts import DATABASES, ENABLED_LANGUAGES, databases_for, options_for

ANSWER_SETS: dict[str, dict] = {}
for _language in ENABLED_LANGUAGES:
    ANSWER_SETS[_language] = {"language": _language}
    for _database in databases_for(_language):
        if DATABASES[_database]["server"]:
            ANSWER_SETS[f"{_language}-{_database}"] = {"language": _language, "database": _database}
    for _auth in options_for(_language, "auth"):
        if _auth != "jwt":
            ANSWER_SETS[f"{_language}-auth={_auth}"] = {"language": _language, "auth": _auth}
ANSWER_SETS["no-grafana"] = {"grafana": False}
