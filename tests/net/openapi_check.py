#!/usr/bin/env python3
"""Structural check of docs/openapi.json against the OpenAPI 3.0 rules that
matter to its readers and to generators (Debian 12 packages no OpenAPI
validator for Python, so this is our own, standard library only).

Checks: the version and the required top-level objects; every path starts
with "/" and every {template} in it is declared once as a required path
parameter (and no path parameter is declared that the path lacks); every
operation has a unique operationId, a summary, at least one 2xx answer,
only valid status codes, a description per answer; every $ref resolves;
every schema uses only OpenAPI 3.0 schema keywords and known types;
security requirements name declared schemes and, for non-OAuth schemes,
list no scopes (3.0 requires an empty list).

Usage: openapi_check.py FILE   (exit 0: valid; 1: each problem printed)
      openapi_check.py --self-test   (the checker refuses broken documents)
"""
import copy
import json
import re
import sys

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
SCHEMA_KEYS = {
    "title", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems",
    "minItems", "uniqueItems", "maxProperties", "minProperties", "required",
    "enum", "type", "allOf", "oneOf", "anyOf", "not", "items", "properties",
    "additionalProperties", "description", "format", "default", "nullable",
    "discriminator", "readOnly", "writeOnly", "xml", "externalDocs",
    "example", "deprecated", "$ref"}
TYPES = {"string", "integer", "number", "boolean", "array", "object"}
PARAM_IN = {"query", "header", "path", "cookie"}
STATUS = re.compile(r"^(default|[1-5][0-9][0-9]|[1-5]XX)$")


def resolve(doc, ref, problems, where):
    if not ref.startswith("#/"):
        problems.append(f"{where}: external $ref {ref} not allowed here")
        return None
    node = doc
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            problems.append(f"{where}: $ref {ref} does not resolve")
            return None
        node = node[part]
    return node


def check_refs(doc, node, problems, where="#"):
    if isinstance(node, dict):
        if "$ref" in node:
            resolve(doc, node["$ref"], problems, where)
        for k, v in node.items():
            check_refs(doc, v, problems, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            check_refs(doc, v, problems, f"{where}/{i}")


def check_schema(s, problems, where):
    if not isinstance(s, dict):
        problems.append(f"{where}: a schema must be an object")
        return
    for k in s:
        if k not in SCHEMA_KEYS and not k.startswith("x-"):
            problems.append(f"{where}: unknown schema keyword {k!r}")
    if "$ref" in s:
        return
    t = s.get("type")
    if t is not None and t not in TYPES:
        problems.append(f"{where}: unknown type {t!r}")
    if t == "array" and "items" not in s:
        problems.append(f"{where}: an array schema needs items")
    if "required" in s:
        req = s["required"]
        if not isinstance(req, list) or not req:
            problems.append(f"{where}: required must be a non-empty list")
        elif "properties" in s:
            for r in req:
                if r not in s["properties"]:
                    problems.append(f"{where}: required {r!r} not in properties")
    for k in ("properties",):
        for name, sub in s.get(k, {}).items():
            check_schema(sub, problems, f"{where}/properties/{name}")
    for k in ("items", "not"):
        if k in s:
            check_schema(s[k], problems, f"{where}/{k}")
    if isinstance(s.get("additionalProperties"), dict):
        check_schema(s["additionalProperties"], problems,
                     f"{where}/additionalProperties")
    for k in ("allOf", "oneOf", "anyOf"):
        for i, sub in enumerate(s.get(k, [])):
            check_schema(sub, problems, f"{where}/{k}/{i}")


def check_content(content, problems, where):
    for mt, media in content.items():
        if "schema" in media:
            check_schema(media["schema"], problems, f"{where}/{mt}/schema")


def check_parameters(doc, path, op, problems, where):
    declared = []
    for i, p in enumerate(op.get("parameters", [])):
        if "$ref" in p:
            p = resolve(doc, p["$ref"], problems, where) or {}
        if p.get("in") not in PARAM_IN or not p.get("name"):
            problems.append(f"{where}/parameters/{i}: needs name and a valid in")
            continue
        if "schema" not in p and "content" not in p:
            problems.append(f"{where}/parameters/{i}: needs a schema")
        else:
            check_schema(p.get("schema", {}), problems,
                         f"{where}/parameters/{i}/schema")
        if p["in"] == "path":
            if p.get("required") is not True:
                problems.append(f"{where}: path parameter {p['name']} must be required")
            declared.append(p["name"])
    templated = re.findall(r"\{([^}]+)\}", path)
    if sorted(declared) != sorted(templated):
        problems.append(f"{where}: path parameters {sorted(declared)} "
                        f"do not match the path's {sorted(templated)}")


def check_operation(doc, path, method, op, problems, op_ids):
    where = f"paths/{path}/{method}"
    oid = op.get("operationId")
    if not oid:
        problems.append(f"{where}: no operationId")
    elif oid in op_ids:
        problems.append(f"{where}: operationId {oid} used twice")
    op_ids.add(oid)
    if not op.get("summary"):
        problems.append(f"{where}: no summary")
    check_parameters(doc, path, op, problems, where)
    if "requestBody" in op:
        body = op["requestBody"]
        if "$ref" not in body:
            check_content(body.get("content", {}), problems, f"{where}/requestBody")
    responses = op.get("responses") or {}
    if not any(str(c).startswith("2") for c in responses):
        problems.append(f"{where}: no 2xx answer")
    for code, r in responses.items():
        if not STATUS.match(str(code)):
            problems.append(f"{where}: bad status code {code!r}")
        if "$ref" in r:
            r = resolve(doc, r["$ref"], problems, where) or {}
        if not r.get("description"):
            problems.append(f"{where}/responses/{code}: no description")
        check_content(r.get("content", {}), problems, f"{where}/responses/{code}")
    schemes = doc.get("components", {}).get("securitySchemes", {})
    for req in op.get("security", doc.get("security", [])):
        for name, scopes in req.items():
            if name not in schemes:
                problems.append(f"{where}: security scheme {name} not declared")
            elif schemes[name].get("type") not in ("oauth2", "openIdConnect") and scopes:
                problems.append(f"{where}: scheme {name} takes no scopes in 3.0 "
                                "(use x-tether-scopes)")


def check(doc):
    problems = []
    if not re.match(r"^3\.0\.\d+$", str(doc.get("openapi", ""))):
        problems.append("openapi: must be 3.0.x")
    info = doc.get("info", {})
    if not info.get("title") or not info.get("version"):
        problems.append("info: needs title and version")
    if not isinstance(doc.get("paths"), dict) or not doc["paths"]:
        problems.append("paths: missing or empty")
        return problems
    op_ids = set()
    for path, item in doc["paths"].items():
        if not path.startswith("/"):
            problems.append(f"paths/{path}: must start with /")
        for method, op in item.items():
            if method not in METHODS:
                if method not in ("parameters", "summary", "description") \
                        and not method.startswith("x-"):
                    problems.append(f"paths/{path}: unknown field {method}")
                continue
            check_operation(doc, path, method, op, problems, op_ids)
    for name, s in doc.get("components", {}).get("schemas", {}).items():
        check_schema(s, problems, f"components/schemas/{name}")
    for name, s in doc.get("components", {}).get("securitySchemes", {}).items():
        if s.get("type") not in ("apiKey", "http", "oauth2", "openIdConnect"):
            problems.append(f"securitySchemes/{name}: bad type")
        if s.get("type") == "http" and not s.get("scheme"):
            problems.append(f"securitySchemes/{name}: http needs scheme")
        if s.get("type") == "apiKey" and (not s.get("name") or s.get("in") not in ("query", "header", "cookie")):
            problems.append(f"securitySchemes/{name}: apiKey needs name and in")
    check_refs(doc, doc, problems)
    return problems


def self_test(doc):
    """Each mutation must be caught: the checker is not a no-op."""
    def broken(f):
        d = copy.deepcopy(doc)
        f(d)
        return d
    first = next(iter(doc["paths"]))
    templated = next(p for p in doc["paths"] if "{" in p)
    cases = {
        "version": broken(lambda d: d.update(openapi="2.0")),
        "dangling $ref": broken(lambda d: d["components"]["schemas"].pop("Error")),
        "no 2xx": broken(lambda d: [op["responses"].pop(c) for op in d["paths"][first].values()
                                    for c in list(op["responses"]) if c.startswith("2")]),
        "undeclared path parameter": broken(lambda d: [op.pop("parameters", None)
                                                       for op in d["paths"][templated].values()]),
        "bad type": broken(lambda d: d["components"]["schemas"]["Job"].update(type="map")),
        "unknown keyword": broken(lambda d: d["components"]["schemas"]["Job"].update(const=1)),
        "scopes on bearer": broken(lambda d: d["paths"]["/metrics"]["get"].update(security=[{"ApiKey": ["metrics"]}])),
    }
    failed = [name for name, d in cases.items() if not check(d)]
    for name in failed:
        print(f"self-test: the checker did not catch: {name}")
    return not failed


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    path = sys.argv[-1]
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if "--self-test" in sys.argv:
        return 0 if self_test(doc) else 1
    problems = check(doc)
    for p in problems:
        print(p)
    if not problems:
        print(f"{path}: valid ({len(doc['paths'])} paths)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
