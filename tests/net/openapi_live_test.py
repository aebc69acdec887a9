#!/usr/bin/env python3
"""Real answers of a running tetherd validated against docs/openapi.json.

Starts tetherd (all-in-one topology, port 0), makes every kind of call the
document describes that a test can make without devices connected
(register with a device proof, destination, terminal reads and writes, a
job pushed and read, the lists, the admin calls, keys, revocation, health,
metrics, the document itself) and some refused ones (400, 401, 403, 404,
405), and checks each answer's body against the schema the document gives
for that path, method and status: types, required fields, enums, nullable,
and no field the schema does not describe (so the document stays complete).
Standard library only.

Usage: openapi_live_test.py --tetherd build/net/tetherd --doc docs/openapi.json
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "support"))
import tetherd as tetherd_launch  # noqa: E402 (tests/support/tetherd.py)


class Server:
    """One tetherd on port 0 with its own data folder."""

    def __init__(self, tetherd, topology):
        self.dir = tempfile.mkdtemp(prefix="tether-openapi-")
        self.log = open(os.path.join(self.dir, "tetherd.log"), "a")
        data = os.path.join(self.dir, "data")
        self.proc, self.http = tetherd_launch.launch(tetherd, data, topology,
                                                     self.log)
        self.key, self.group_key = tetherd_launch.secrets(data)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def proof(self, terminal, method, target, body):
        return tetherd_launch.device_proof(self.group_key, terminal, method,
                                           target, body)

    def call(self, method, target, body=None, auth="key"):
        data = b"" if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if auth == "key":
            headers["Authorization"] = "Bearer " + self.key
        elif auth and auth.startswith("device:"):
            headers["Authorization"] = self.proof(auth[7:], method, target, data)
        elif auth:
            headers["Authorization"] = auth
        req = urllib.request.Request("http://" + self.http + target,
                                     data=data if method != "GET" else None,
                                     method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()


class Validator:
    def __init__(self, doc):
        self.doc = doc

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            cur = self.doc
            for part in node["$ref"][2:].split("/"):
                cur = cur[part]
            node = cur
        return node

    def check(self, value, schema, where, problems, part=False):
        """`part`: `schema` is one part of an allOf (other parts describe
        the other fields)."""
        schema = self.deref(schema)
        if value is None:
            if not schema.get("nullable"):
                problems.append(f"{where}: null where the schema has no nullable")
            return
        for sub in schema.get("allOf", []):
            self.check(value, sub, where, problems, part=True)
        if "oneOf" in schema:
            if sum(1 for s in schema["oneOf"]
                   if not self._errors(value, s, where)) != 1:
                problems.append(f"{where}: not exactly one of oneOf")
        t = schema.get("type")
        ok = {"string": lambda v: isinstance(v, str),
              "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
              "boolean": lambda v: isinstance(v, bool),
              "array": lambda v: isinstance(v, list),
              "object": lambda v: isinstance(v, dict)}
        if t and not ok[t](value):
            problems.append(f"{where}: {json.dumps(value)[:60]} is not {t}")
            return
        if "enum" in schema and value not in schema["enum"]:
            problems.append(f"{where}: {value!r} not in {schema['enum']}")
        if isinstance(value, str) and "pattern" in schema \
                and not re.search(schema["pattern"], value):
            problems.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if isinstance(value, list) and "items" in schema:
            for i, v in enumerate(value):
                self.check(v, schema["items"], f"{where}[{i}]", problems)
        if isinstance(value, dict):
            self._object(value, schema, where, problems, part)

    def _object(self, value, schema, where, problems, part):
        props = dict(schema.get("properties", {}))
        for sub in schema.get("allOf", []):
            props.update(self.deref(sub).get("properties", {}))
        for r in schema.get("required", []):
            if r not in value:
                problems.append(f"{where}: required field {r!r} missing")
        extra = schema.get("additionalProperties")
        # Strict on purpose: an object whose fields are listed may not carry
        # others (a field the server added must be described).
        free = part or extra is True or (extra is None and not props)
        for k, v in value.items():
            if k in props:
                self.check(v, props[k], f"{where}.{k}", problems)
            elif isinstance(extra, dict):
                self.check(v, extra, f"{where}.{k}", problems)
            elif not free:
                problems.append(f"{where}: field {k!r} is not described")

    def _errors(self, value, schema, where):
        p = []
        self.check(value, schema, where, p)
        return p

    def answer(self, path, method, status, ctype, body):
        op = self.doc["paths"][path][method.lower()]
        resp = op["responses"].get(str(status))
        if resp is None:
            return [f"{method} {path}: status {status} is not described "
                    f"(body {body[:120]!r})"]
        resp = self.deref(resp)
        content = resp.get("content", {})
        media = ctype.split(";")[0].strip()
        if media not in content:
            return [f"{method} {path} {status}: content type {media} not described"]
        if media != "application/json":
            return []
        problems = []
        self.check(json.loads(body), content[media]["schema"],
                   f"{method} {path} {status}", problems)
        return problems


def run(server, v):
    problems = []
    calls = 0

    def expect(path, method, target, status, body=None, auth="key"):
        nonlocal calls
        calls += 1
        got, ctype, raw = server.call(method, target, body, auth)
        if got != status:
            problems.append(f"{method} {target}: HTTP {got}, expected {status}: {raw[:200]!r}")
            return None
        problems.extend(v.answer(path, method, got, ctype, raw))
        return json.loads(raw) if "json" in ctype else raw

    expect("/v1/openapi.json", "GET", "/v1/openapi.json", 200, auth=None)
    expect("/healthz", "GET", "/healthz", 200)
    expect("/healthz", "GET", "/healthz", 200, auth=None)
    expect("/metrics", "GET", "/metrics", 200)
    expect("/ui/", "GET", "/ui/", 200, auth=None)
    expect("/ui/{file}", "GET", "/ui/app.js", 200, auth=None)
    expect("/v1/terminals/register", "POST", "/v1/terminals/register", 200,
           {"terminal_id": "T1", "model": "GJ1", "region": "GG1",
            "attributes": {"plan": "paid"}}, auth="device:T1")
    expect("/v1/terminals/register", "POST", "/v1/terminals/register", 401,
           {"terminal_id": "T2"}, auth=None)
    expect("/v1/terminals/register", "POST", "/v1/terminals/register", 400,
           {"terminal_id": "T2", "attributes": {"service": "x"}},
           auth="device:T2")
    # services (issue 14 item 8)
    expect("/v1/terminals/register", "POST", "/v1/terminals/register", 200,
           {"terminal_id": "T3", "services": ["print", "scan"]},
           auth="device:T3")
    expect("/v1/terminals/register", "POST", "/v1/terminals/register", 400,
           {"terminal_id": "T3", "services": ["print", "print"]},
           auth="device:T3")
    expect("/v1/terminals/{id}/jobs", "POST", "/v1/terminals/T1/jobs", 409,
           {"service": "scan", "payload": {}})
    expect("/v1/terminals/{id}/destination", "GET",
           "/v1/terminals/T1/destination", 200, auth="device:T1")
    expect("/v1/terminals/{id}", "GET", "/v1/terminals/T1", 200)
    expect("/v1/terminals/{id}", "GET", "/v1/terminals/nope", 404)
    expect("/v1/terminals/{id}", "GET", "/v1/terminals/T1", 401, auth="Bearer tk_0")
    expect("/v1/terminals", "GET", "/v1/terminals?prefix=T&limit=5", 200)
    expect("/v1/terminals", "GET", "/v1/terminals?bogus=1", 400)
    expect("/v1/terminals/{id}/attributes", "PUT", "/v1/terminals/T1/attributes",
           200, {"plan": "free"})
    expect("/v1/users/{user}/terminals/{id}", "PUT",
           "/v1/users/alice/terminals/T1", 200)
    job = expect("/v1/terminals/{id}/jobs", "POST", "/v1/terminals/T1/jobs", 202,
                 {"service": "print", "payload": {"text": "hi"}, "ttl_s": 60})
    if job:
        expect("/v1/jobs/{id}", "GET", "/v1/jobs/" + job["job_id"], 200)
    expect("/v1/jobs", "GET", "/v1/jobs?terminal_id=T1&limit=5", 200)
    # per-call history (issue 17 item 3)
    expect("/v1/terminals/{id}/history", "GET",
           "/v1/terminals/T1/history?limit=2", 200)
    expect("/v1/terminals/{id}/history", "GET",
           "/v1/terminals/T1/history?since=2026-01-01T00:00:00Z", 200)
    expect("/v1/terminals/{id}/history", "GET",
           "/v1/terminals/T1/history?since=yesterday", 400)
    expect("/v1/terminals/{id}/history", "GET",
           "/v1/terminals/nope/history", 404)
    expect("/v1/admin/clusters", "GET", "/v1/admin/clusters", 200)
    expect("/v1/admin/clusters/{id}", "PUT", "/v1/admin/clusters/C2", 200,
           {"weight": 2})
    expect("/v1/admin/nodes/{id}", "PUT", "/v1/admin/nodes/C2-n2", 200,
           {"state": "draining"})
    expect("/v1/admin/nodes/{id}", "PUT", "/v1/admin/nodes/C2-n2", 200,
           {"state": "active"})
    expect("/v1/admin/label-config", "GET", "/v1/admin/label-config", 200)
    expect("/v1/admin/label-config", "PUT", "/v1/admin/label-config", 200,
           {"items": ["region", "model"]})
    # An item no cluster names (strict matching): 409, nothing stored.
    expect("/v1/admin/label-config", "PUT", "/v1/admin/label-config", 409,
           {"items": ["region", "print_frequency"]})
    expect("/v1/admin/reallocate", "POST", "/v1/admin/reallocate", 202,
           {"terminal_ids": ["T1"]})
    key = expect("/v1/admin/keys", "POST", "/v1/admin/keys", 201,
                 {"name": "reader", "scopes": ["jobs:read"]})
    expect("/v1/admin/keys", "GET", "/v1/admin/keys", 200)
    if key:
        expect("/v1/admin/clusters", "GET", "/v1/admin/clusters", 403,
               auth="Bearer " + key["key"])
        expect("/v1/admin/keys/{id}", "DELETE", "/v1/admin/keys/" + key["key_id"], 200)
    expect("/v1/admin/keys/{id}", "DELETE", "/v1/admin/keys/admin", 409)
    # GE/GF classes (issue 17): none formed here
    expect("/v1/admin/classes/{name}", "DELETE", "/v1/admin/classes/ge-1", 404)
    expect("/v1/admin/classes", "GET", "/v1/admin/classes", 200)
    expect("/v1/admin/classes", "GET", "/v1/admin/classes?ids=x", 400)
    expect("/v1/admin/classes/{name}/members", "GET",
           "/v1/admin/classes/ge-1/members", 404)
    expect("/v1/admin/classes/{name}/members", "GET",
           "/v1/admin/classes/ge-1/members?limit=0", 400)
    # the event stream stays open (tests/e2e/events_test.cpp reads it)
    expect("/v1/admin/events", "GET", "/v1/admin/events", 401, auth=None)
    expect("/v1/admin/terminals/{id}/revoke", "POST",
           "/v1/admin/terminals/T1/revoke", 200)
    expect("/v1/admin/terminals/{id}/revoke", "DELETE",
           "/v1/admin/terminals/T1/revoke", 200)
    # the operator's calls on one job, terminal, cluster or node
    expect("/v1/admin/nodes", "GET", "/v1/admin/nodes", 200)
    expect("/v1/admin/clusters/{id}", "GET", "/v1/admin/clusters/C1", 200)
    expect("/v1/admin/clusters/{id}", "GET", "/v1/admin/clusters/nope", 404)
    if job:
        expect("/v1/jobs/{id}", "DELETE", "/v1/jobs/" + job["job_id"], 200)
        expect("/v1/jobs/{id}", "DELETE", "/v1/jobs/" + job["job_id"], 409)
    expect("/v1/jobs/{id}", "DELETE", "/v1/jobs/Jnope", 404)
    expect("/v1/terminals/{id}", "DELETE", "/v1/terminals/T3", 200)
    expect("/v1/terminals/{id}", "DELETE", "/v1/terminals/T3", 404)
    # 405 with the error body (on a path the document describes)
    calls += 1
    got, ctype, raw = server.call("DELETE", "/v1/admin/clusters")
    if got != 405:
        problems.append(f"DELETE /v1/admin/clusters: HTTP {got}, expected 405")
    else:
        p = []
        v.check(json.loads(raw), {"$ref": "#/components/schemas/Error"},
                "DELETE /v1/admin/clusters 405", p)
        problems.extend(p)
    return calls, problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tetherd", required=True)
    ap.add_argument("--doc", required=True)
    args = ap.parse_args()
    with open(args.doc) as f:
        doc = json.load(f)
    topology = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                            "examples", "topologies", "all-in-one.toml")
    server = Server(os.path.abspath(args.tetherd), topology)
    try:
        calls, problems = run(server, Validator(doc))
    finally:
        server.stop()
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print(f"ok: {calls} answers of a real tetherd match docs/openapi.json")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
