"""Finishing touches on the OpenAPI document, applied to every operation (a spectacular hook)."""

from api.filters import MAX_ID

JSON = "application/json"


# No control characters in an address: the edge refuses them (api.middleware).
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001f\\u007f]*$"


def _query_string(parameter: dict) -> None:
    """A string in the address holds no control character, and an optional parameter may be sent
    empty (`?date_after=`), which means "not given", as the public pages' forms send it."""
    schema = parameter.get("schema", {})
    if (
        schema.get("type") in ("integer", "number")
        and _optional_query(parameter)
        and parameter.get("name") not in PAGING
    ):
        parameter["schema"] = {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
        return
    if schema.get("type") != "string":
        return
    if "pattern" not in schema and "enum" not in schema and "format" not in schema:
        schema["pattern"] = NO_CONTROL_CHARACTERS
    if parameter.get("in") != "query" or parameter.get("required"):
        return
    if "enum" in schema and "" not in schema["enum"]:
        schema["enum"] = [*schema["enum"], ""]
    elif "format" in schema:
        parameter["schema"] = {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


# Paging numbers are checked strictly (a 400 names them); filters read an empty value as not given.
PAGING = ("page", "page_size")


def _optional_query(parameter: dict) -> bool:
    return parameter.get("in") == "query" and not parameter.get("required")


def _ids_from_one(schema: dict) -> None:
    """An integer without bounds here is a record id (counts declare minimum 0): ids start at 1."""
    if schema.get("type") == "integer" and "minimum" not in schema:
        schema["minimum"] = 1
        schema.setdefault("maximum", MAX_ID)


def _json_first(content: dict) -> dict:
    if JSON not in content:
        return content
    return {JSON: content[JSON], **{k: v for k, v in content.items() if k != JSON}}


def strict_and_json_first(result, generator, request, public):
    """Request bodies declare `additionalProperties: false` (the API refuses unknown fields), ids
    in bodies and parameters start at 1, strings in the address hold no control character and
    optional ones may be empty, and JSON is listed first among the media types, so
    validators check the JSON shapes."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
            for prop in component.get("properties", {}).values():
                _ids_from_one(prop)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    _ids_from_one(parameter.get("schema", {}))
                _query_string(parameter)
            body = operation.get("requestBody")
            if body and "content" in body:
                body["content"] = _json_first(body["content"])
            for response in operation.get("responses", {}).values():
                if "content" in response:
                    response["content"] = _json_first(response["content"])
    return result
