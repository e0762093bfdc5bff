"""Write docs/api-reference.md from the app's OpenAPI schema and its error classes.

    .venv/bin/python scripts/api_reference.py           # rewrite the file
    .venv/bin/python scripts/api_reference.py --check   # exit 1 if the file is stale

The schema is the one `/openapi.json` serves (and `/docs` renders); the codes come from
`stillmotion.errors`, one class per code, and the 1000 messages from the request schema's
rules, so the page cannot drift from what the server answers (tests/docs checks it is current).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from stillmotion.api.app import create_app
from stillmotion.api.schemas import FIELD_RULES, REQUIRED_MESSAGES
from stillmotion.config import Settings
from stillmotion.errors import StillmotionError

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "api-reference.md"
METHODS = ("get", "post", "put", "patch", "delete")
Schema = dict[str, Any]
# The base class answers 5000; its docstring describes the hierarchy, not the code.
INTERNAL_ERROR = "Anything unexpected; the message carries a request id that is also in the server's log."


def schema_name(ref: str) -> str:
    return ref.rsplit("/", 1)[1]


def anchor(name: str) -> str:
    return f"[{name}](#{name.lower()})"


def type_text(schema: Schema) -> str:
    """A field's type in a few words: `string`, `integer or null`, a link to another schema."""
    if "$ref" in schema:
        return anchor(schema_name(schema["$ref"]))
    if "anyOf" in schema:
        return " or ".join(type_text(part) for part in schema["anyOf"])
    if "enum" in schema:
        return " \\| ".join(f"`{value!r}`" if isinstance(value, str) else f"`{value}`" for value in schema["enum"])
    if schema.get("type") == "array":
        return f"list of {type_text(schema.get('items', {}))}"
    if schema.get("type") == "object" and "additionalProperties" in schema:
        return "object"
    return str(schema.get("type", "any"))


def rule_text(schema: Schema) -> str:
    """Length and range limits, from the field or from the non-null branch of an anyOf."""
    parts = []
    for branch in [schema, *schema.get("anyOf", [])]:
        if "minimum" in branch or "maximum" in branch:
            low, high = branch.get("minimum", "…"), branch.get("maximum", "…")
            parts.append(f"{_number(low)}..{_number(high)}")
        if "maxLength" in branch:
            parts.append(f"≤ {branch['maxLength']:,} chars")
    return ", ".join(parts)


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def fields_table(schema: Schema) -> list[str]:
    required = set(schema.get("required", []))
    rows = ["| field | type | required | default | rule | description |", "|---|---|---|---|---|---|"]
    for name, field in schema.get("properties", {}).items():
        default = f"`{field['default']!r}`" if "default" in field and field["default"] is not None else ""
        rows.append(
            f"| `{name}` | {type_text(field)} | {'yes' if name in required else ''} | {cell(default)} "
            f"| {rule_text(field)} | {cell(field.get('description', ''))} |"
        )
    return rows


def operation_section(path: str, method: str, operation: Schema) -> list[str]:
    lines = [f"### `{method.upper()} {path}`", "", f"**{operation.get('summary', '')}**"]
    if operation.get("description"):
        lines += ["", operation["description"].strip()]
    secured = bool(operation.get("security"))
    lines += ["", "Auth: `Authorization: Bearer <JWT or API key>`." if secured else "Auth: none."]
    parameters = operation.get("parameters", [])
    if parameters:
        lines += ["", "| parameter | in | type | required | description |", "|---|---|---|---|---|"]
        for parameter in parameters:
            lines.append(
                f"| `{parameter['name']}` | {parameter['in']} | {type_text(parameter.get('schema', {}))} "
                f"| {'yes' if parameter.get('required') else ''} | {cell(parameter.get('description', ''))} |"
            )
    body = operation.get("requestBody")
    if body:
        for content_type, content in body["content"].items():
            lines += ["", f"Body (`{content_type}`): {type_text(content['schema'])}."]
    lines += ["", "| HTTP | answer |", "|---|---|"]
    for status, response in operation.get("responses", {}).items():
        content = response.get("content", {})
        body_schema = next(iter(content.values()), {}).get("schema") if content else None
        shape = f"{type_text(body_schema)}: " if body_schema and status == "200" else ""
        lines.append(f"| {status} | {shape}{cell(response.get('description', ''))} |")
    return [*lines, ""]


def error_classes() -> list[type[StillmotionError]]:
    """The contract's error classes. An engine's own refinement of a failure (defined in its module,
    with its parent's code) is left out: whether it exists depends on which engines this process
    imported, and the table is the same for every deployment."""
    found: list[type[StillmotionError]] = [StillmotionError]
    for cls in found:
        found.extend(sub for sub in cls.__subclasses__() if sub not in found)
    return sorted((cls for cls in found if not cls.__module__.startswith("stillmotion.engines.")), key=lambda cls: cls.code)


def codes_section() -> list[str]:
    lines = [
        "## Codes",
        "",
        "Every answer is `{\"code\", \"message\", \"data\"}`. `code` 200 is success; the others:",
        "",
        "| HTTP | code | when | default message |",
        "|---|---|---|---|",
        "| 200 | 200 | success | Success |",
    ]
    for cls in error_classes():
        # Codes only a failed task carries (as `failure_code`) keep the base class's 500.
        answered = cls.http_status != 500 or cls.code == 5000
        when = INTERNAL_ERROR if cls is StillmotionError else " ".join((cls.__doc__ or "").split())
        lines.append(f"| {cls.http_status if answered else '—'} | {cls.code} | {cell(when)} | {cell(cls.default_message)} |")
    lines += [
        "",
        "`—`: never an HTTP answer, only a failed task's `failure_code`; a failed task can also carry",
        "1001 (its image) or 1002 (moderation, including the image's).",
        "",
        "### The 1000 messages",
        "",
        "A rejected field answers 400 with code 1000 and the message of its rule; a missing required",
        "field has its own message.",
        "",
        "| field | rule broken | missing |",
        "|---|---|---|",
    ]
    for field, rule in FIELD_RULES.items():
        lines.append(f"| `{field}` | {cell(rule)} | {cell(REQUIRED_MESSAGES.get(field, ''))} |")
    return [*lines, ""]


def render(schema: Schema) -> str:
    info = schema["info"]
    lines = [
        f"# {info['title']} API reference (version {info['version']})",
        "",
        "<!-- Generated by scripts/api_reference.py from the OpenAPI schema; do not edit by hand. -->",
        "",
        info.get("description", "").strip(),
        "",
        "The same schema is served at `/openapi.json` and browsable, with \"Try it out\", at `/docs`.",
        "",
        "## Authentication",
        "",
    ]
    for name, scheme in schema.get("components", {}).get("securitySchemes", {}).items():
        lines.append(f"- `{name}`: HTTP `{scheme['scheme']}`. {scheme.get('description', '')}")
    lines += ["", "## Endpoints", ""]
    for path, operations in schema["paths"].items():
        for method in METHODS:
            if method in operations:
                lines += operation_section(path, method, operations[method])
    lines += codes_section()
    lines += ["## Schemas", ""]
    for name, component in schema.get("components", {}).get("schemas", {}).items():
        lines += [f"### {name}", ""]
        if component.get("description"):
            lines += [component["description"].strip(), ""]
        lines += [*fields_table(component), ""]
    return "\n".join(lines).rstrip() + "\n"


def current_reference() -> str:
    """The page as the code now describes it (default settings: nothing of this machine's)."""
    return render(create_app(Settings(_env_file=None)).openapi())  # type: ignore[call-arg]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is not up to date")
    args = parser.parse_args()
    text = current_reference()
    if args.check:
        if OUTPUT.read_text() != text:
            print(f"{OUTPUT} is stale: run python scripts/api_reference.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"Wrote {OUTPUT}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
