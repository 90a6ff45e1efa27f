"""The answer sets the static and wiring checks render: every enabled language on its own, with
each server database and with each other cache, API style and auth answer it implements, plus the
optional-file toggles on the defaults."""

from __future__ import annotations

from tests.helpers.facts import DATABASES, ENABLED_LANGUAGES, databases_for, options_for

# copier.yml's defaults of the questions whose other answers get an answer set of their own.
_OPTION_DEFAULTS = {"cache": "none", "api_style": "rest", "auth": "jwt"}

ANSWER_SETS: dict[str, dict] = {}
for _language in ENABLED_LANGUAGES:
    ANSWER_SETS[_language] = {"language": _language}
    for _database in databases_for(_language):
        if DATABASES[_database]["server"]:
            ANSWER_SETS[f"{_language}-{_database}"] = {"language": _language, "database": _database}
    for _question, _default in _OPTION_DEFAULTS.items():
        for _value in options_for(_language, _question):
            if _value != _default:
                ANSWER_SETS[f"{_language}-{_question}={_value}"] = {"language": _language, _question: _value}
ANSWER_SETS["no-grafana"] = {"grafana": False}
