"""The answer sets the static and wiring checks render: every enabled language on its own,
with each server database and with each API style it implements, plus the optional-file
toggles on the defaults."""

from __future__ import annotations

from tests.helpers.facts import DATABASES, ENABLED_LANGUAGES, databases_for, options_for

ANSWER_SETS: dict[str, dict] = {}
for _language in ENABLED_LANGUAGES:
    ANSWER_SETS[_language] = {"language": _language}
    for _database in databases_for(_language):
        if DATABASES[_database]["server"]:
            ANSWER_SETS[f"{_language}-{_database}"] = {"language": _language, "database": _database}
    for _style in options_for(_language, "api_style"):
        if _style != "rest":
            ANSWER_SETS[f"{_language}-{_style}"] = {"language": _language, "api_style": _style}
ANSWER_SETS["no-grafana"] = {"grafana": False}
