"""Starting a tetherd for the Python tests (tests/e2e/ws_conformance_test.py,
tests/net/openapi_live_test.py): all-in-one on port 0 with its own data
folder; what it serves is read from its --ready-file (written to a .tmp
file and renamed, so it is complete once it exists) and its secrets from
DATA/secrets (docs/SECURITY.md)."""
import hashlib
import hmac
import json
import os
import subprocess
import time


def launch(tetherd, data_dir, topology, log, timeout_s=20):
    """Starts tetherd; returns (process, "host:port" of its HTTP API).
    Raises RuntimeError when it exits or is not ready within timeout_s."""
    ready = os.path.join(os.path.dirname(data_dir), "ready.json")
    if os.path.exists(ready):
        os.remove(ready)
    proc = subprocess.Popen(
        [tetherd, "--data", data_dir, "--ready-file", ready, "--http",
         "127.0.0.1:0", "--ws-base-port", "0", "--config", topology],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + timeout_s
    while not os.path.exists(ready):
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            proc.wait(10)
            raise RuntimeError("tetherd did not start")
        time.sleep(0.05)
    with open(ready) as f:
        return proc, json.load(f)["http"]


def secrets(data_dir):
    """(admin key, enrollment group `default`'s 32-byte key)."""
    base = os.path.join(data_dir, "secrets")
    with open(os.path.join(base, "admin-key")) as f:
        admin = f.read().strip()
    with open(os.path.join(base, "enrollment", "default")) as f:
        group = bytes.fromhex(f.readline().strip()[:64])
    return admin, group


def device_proof(group_key, terminal, method, target, body, group="default"):
    """The Tether-Device header of a device of enrollment group `group`
    (docs/API.md, "Device proof"): the device key is HMAC-SHA256(group key,
    terminal id); it signs method, target, time, a fresh nonce and the
    body's SHA-256."""
    ts = int(time.time())
    nonce = os.urandom(16).hex()
    to_sign = "\n".join([method, target, str(ts), nonce,
                         hashlib.sha256(body).hexdigest()]).encode()
    device_key = hmac.new(group_key, terminal.encode(), hashlib.sha256).digest()
    sig = hmac.new(device_key, to_sign, hashlib.sha256).hexdigest()
    return f"Tether-Device kid={group},ts={ts},nonce={nonce},sig={sig}"
