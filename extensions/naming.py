"""Name forms the templates need: slugs, identifiers, plurals, reserved words.

Kept free of Jinja so the template's tests can call the same functions the
templates do.
"""

from __future__ import annotations

import keyword
import re

_IRREGULAR_PLURALS = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "mouse": "mice",
    "goose": "geese",
    "tooth": "teeth",
    "foot": "feet",
    "index": "indices",
    "datum": "data",
    "criterion": "criteria",
}
_F_PLURAL_S = {"chief", "roof", "proof", "belief", "chef", "reef", "brief", "spoof"}
_UNCOUNTABLE = {"news", "series", "species", "equipment", "information", "music", "software"}

# Names that would clash with a language keyword, a standard-library module,
# a tool's own directory or a route the contract already owns.
RESERVED = frozenset(
    set(keyword.kwlist)
    | {
        # other stacks' keywords that are plausible project or resource names
        "async",
        "await",
        "case",
        "class",
        "const",
        "default",
        "enum",
        "func",
        "go",
        "interface",
        "package",
        "struct",
        "switch",
        "type",
        "var",
        "new",
        "public",
        "private",
        "static",
        "void",
        "crate",
        "mod",
        "impl",
        "trait",
        "namespace",
        "object",
        "string",
        # standard-library modules and tool directories
        "test",
        "tests",
        "src",
        "lib",
        "docs",
        "build",
        "dist",
        "node_modules",
        "target",
        "vendor",
        "internal",
        "cmd",
        "site",
        "typing",
        "types",
        "json",
        "logging",
        "email",
        "http",
        "sys",
        "os",
        "io",
        "time",
        "uuid",
        "random",
        "copier",
        "python",
        "java",
        "rust",
        "node",
        # routes the service contract owns
        "api",
        "auth",
        "health",
        "healthz",
        "readyz",
        "metrics",
        "openapi",
        "user",
        "users",
        "token",
        "tokens",
        "graphql",
        # GraphQL's root operation types and built-in scalars, which a type named after the
        # resource would clash with
        "query",
        "mutation",
        "subscription",
        "boolean",
        "int",
        "float",
    }
)

_SLUG_RE = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
_RESOURCE_RE = re.compile(r"^[a-z][a-z]*$")


def slugify(value: str) -> str:
    """'My Cool Service!' -> 'my-cool-service'."""
    value = re.sub(r"[^a-z0-9]+", "-", str(value).lower())
    return value.strip("-")


def snake(value: str) -> str:
    """'my-cool-service' -> 'my_cool_service'."""
    return re.sub(r"[^a-z0-9]+", "_", str(value).lower()).strip("_")


def pascal(value: str) -> str:
    """'my-cool-service' -> 'MyCoolService'."""
    return "".join(part.capitalize() for part in re.split(r"[^a-zA-Z0-9]+", str(value)) if part)


def camel(value: str) -> str:
    """'my-cool-service' -> 'myCoolService'."""
    word = pascal(value)
    return word[:1].lower() + word[1:]


def pluralize(word: str) -> str:
    """English plural of a lowercase noun, good enough for resource names."""
    word = str(word)
    if word in _UNCOUNTABLE:
        return word
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^f]fe$", word):
        return word[:-2] + "ves"
    if re.search(r"[^f]f$", word) and word not in _F_PLURAL_S:
        return word[:-1] + "ves"
    return word + "s"


def slug_problem(value: str) -> str:
    """Why a project slug is unusable, or '' when it is fine."""
    value = str(value)
    if not _SLUG_RE.match(value):
        return (
            "Use 2+ characters of lowercase letters, digits and '-', starting with a letter "
            "and not ending with '-' (for example: my-service)."
        )
    if "--" in value:
        return "Use single dashes between words (for example: my-service)."
    if value in RESERVED or snake(value) in RESERVED:
        return f"'{value}' is a reserved word; pick a more specific name (for example: {value}-service)."
    return ""


def resource_problem(value: str) -> str:
    """Why a resource noun is unusable, or '' when it is fine."""
    value = str(value)
    if not _RESOURCE_RE.match(value) or not 2 <= len(value) <= 30:
        return "Use one singular English noun of 2-30 lowercase letters (for example: book, recipe)."
    if value in RESERVED:
        return f"'{value}' is reserved by the service contract or a language; pick another noun (for example: book)."
    if pluralize(value) == value:
        return f"'{value}' has no distinct plural; pick a countable noun (for example: book)."
    return ""
