#!/usr/bin/env python3
"""The device protocol through an independent WebSocket client (issue 15,
item 7): a raw-socket RFC 6455 client written here with the standard
library only, so a framing mistake that Boost.Beast makes on both ends of the
C++ tests cannot hide. It starts a real tetherd (all-in-one, port 0),
registers devices with their proofs (docs/API.md "Device identity") and
checks the flow (hello, ping/pong, job, ack, result), device-sent pings,
fragmented frames, the close codes, hostile frames and the upgrade limits;
after every hostile case a new device still connects (the server keeps
serving).

    python3 tests/e2e/ws_conformance_test.py --tetherd build/tetherd [-v]
"""
import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "support"))
import tetherd as tetherd_launch  # noqa: E402 (tests/support/tetherd.py)

TETHERD = None
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

# Opcodes (RFC 6455 5.2).
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class Server:
    """One tetherd process with its data folder, started on port 0."""

    def __init__(self, extra=""):
        self.dir = tempfile.mkdtemp(prefix="tether-wsconf-")
        src = os.path.join(os.path.dirname(__file__), "..", "..", "examples",
                           "topologies", "all-in-one.toml")
        with open(src) as f:
            text = f.read()
        # Keepalive pings every second, two misses end the session.
        text = text.replace('keepalive = "30s"', 'keepalive = "1s"') + extra
        topo = os.path.join(self.dir, "topology.toml")
        with open(topo, "w") as f:
            f.write(text)
        self.topo = topo
        self.log = open(os.path.join(self.dir, "tetherd.log"), "a")
        self.start()

    def start(self):
        data = os.path.join(self.dir, "data")
        try:
            self.proc, self.http = tetherd_launch.launch(TETHERD, data,
                                                         self.topo, self.log)
        except RuntimeError as e:
            raise RuntimeError(str(e) + ":\n" + self.logs())
        self.admin_key, self.group_key = tetherd_launch.secrets(data)

    def kill9(self):
        self.proc.kill()
        self.proc.wait(10)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def logs(self):
        with open(os.path.join(self.dir, "tetherd.log")) as f:
            return f.read()[-4000:]

    def call(self, method, target, body=b"", headers=None):
        """One HTTP/1.1 request; returns (status, body bytes)."""
        host, port = self.http.rsplit(":", 1)
        h = {"Host": self.http, "Content-Length": str(len(body)),
             "Connection": "close"}
        h.update(headers or {})
        head = f"{method} {target} HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.sendall(head.encode() + body)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), rest

    def api(self, method, target, obj=None):
        body = json.dumps(obj).encode() if obj is not None else b""
        status, rest = self.call(method, target, body,
                                 {"Authorization": "Bearer " + self.admin_key,
                                  "Content-Type": "application/json"})
        return status, json.loads(rest) if rest else None

    def proof(self, terminal, method, target, body):
        return tetherd_launch.device_proof(self.group_key, terminal, method,
                                           target, body)

    def register(self, terminal, region="GG1"):
        body = json.dumps({"terminal_id": terminal, "region": region}).encode()
        target = "/v1/terminals/register"
        status, rest = self.call("POST", target, body, {
            "Authorization": self.proof(terminal, "POST", target, body),
            "Content-Type": "application/json"})
        assert status == 200, (status, rest)
        return json.loads(rest)


class Closed(Exception):
    pass


class WS:
    """A raw RFC 6455 client: every byte it sends is built here."""

    def __init__(self, url, extra_headers=None, raw_request=None):
        u = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=5)
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        target = u.path + ("?" + u.query if u.query else "")
        headers = {"Host": u.netloc, "Upgrade": "websocket",
                   "Connection": "Upgrade", "Sec-WebSocket-Key": key,
                   "Sec-WebSocket-Version": "13"}
        headers.update(extra_headers or {})
        req = raw_request or (f"GET {target} HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
        self.sock.sendall(req)
        head = self._read_until(b"\r\n\r\n")
        self.status = int(head.split()[1])
        self.head = head.decode(errors="replace")
        if self.status == 101:
            accept = base64.b64encode(hashlib.sha1(
                key.encode() + GUID).digest()).decode()
            assert ("Sec-WebSocket-Accept: " + accept) in self.head, self.head

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed()
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _read_until(self, sep):
        while sep not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed()
            self.buf += chunk
        head, _, self.buf = self.buf.partition(sep)
        return head

    def send(self, opcode, payload, fin=True, mask=True, rsv=0):
        if isinstance(payload, str):
            payload = payload.encode()
        b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
        elif n < 65536:
            head = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
        else:
            head = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
        if mask:
            m = os.urandom(4)
            payload = bytes(c ^ m[i % 4] for i, c in enumerate(payload))
            head += m
        self.sock.sendall(head + payload)

    def frame(self, timeout=5):
        """(fin, opcode, payload) of the next frame from the server."""
        self.sock.settimeout(timeout)
        b0, b1 = self._read(2)
        assert b1 & 0x80 == 0, "a server frame must not be masked"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read(8))[0]
        return bool(b0 & 0x80), b0 & 0x0F, self._read(n)

    def next_of(self, kind, timeout=5):
        """The next text frame of `kind`, answering keepalive pings."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            _, op, payload = self.frame(max(0.1, deadline - time.time()))
            if op != TEXT:
                continue
            msg = json.loads(payload)
            if msg["type"] == kind:
                return msg
            if msg["type"] == "ping":
                self.send(TEXT, json.dumps({"type": "pong", "seq": msg["seq"]}))
        raise AssertionError("no " + kind + " frame")

    def close_code(self, timeout=8):
        """The code of the server's close frame (skipping other frames);
        None when the socket ends without one."""
        deadline = time.time() + timeout
        try:
            while time.time() < deadline:
                _, op, payload = self.frame(max(0.1, deadline - time.time()))
                if op == CLOSE:
                    return struct.unpack("!H", payload[:2])[0] if payload else 1005
        except (Closed, ConnectionResetError):
            return None
        raise AssertionError("no close frame within %s s" % timeout)

    def close(self):
        self.sock.close()


class Conformance(unittest.TestCase):
    server = None
    counter = 0

    @classmethod
    def setUpClass(cls):
        # Connections rest 10 ms after their last frame (net/
        # resting_websocket.hpp): most frames here meet a resting one.
        cls.server = Server('\n[limits]\nws_stream_rest = "10ms"\n')

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def connect(self, terminal, region="GG1"):
        """A registered device's open socket (hello not read)."""
        reg = self.server.register(terminal, region)
        url = reg["cluster_urls"][0] + "?terminal_id=" + terminal
        ws = WS(url, {"Authorization": "Bearer " + reg["token"]})
        self.assertEqual(ws.status, 101, ws.head)
        return ws

    def device(self, prefix="W"):
        """A registered device's open socket, after its hello."""
        Conformance.counter += 1
        terminal = f"{prefix}{Conformance.counter}"
        ws = self.connect(terminal)
        hello = ws.next_of("hello")
        self.assertEqual(hello["terminal_id"], terminal)
        self.assertEqual(hello["keepalive_s"], 1)
        return terminal, ws

    def assert_still_serving(self):
        _, ws = self.device("S")
        ws.close()

    def test_flow_hello_ping_job_ack_result(self):
        terminal, ws = self.device()
        ping = ws.next_of("ping", timeout=4)  # keepalive 1 s
        ws.send(TEXT, json.dumps({"type": "pong", "seq": ping["seq"]}))
        status, accepted = self.server.api(
            "POST", f"/v1/terminals/{terminal}/jobs",
            {"service": "print", "payload": {"n": 1}})
        self.assertEqual(status, 202, accepted)
        job = ws.next_of("job")
        self.assertEqual(job["job_id"], accepted["job_id"])
        self.assertEqual(job["payload"], {"n": 1})
        ws.send(TEXT, json.dumps({"type": "ack", "job_id": job["job_id"]}))
        ws.send(TEXT, json.dumps({"type": "result", "job_id": job["job_id"],
                                  "status": "done", "detail": "ok"}))
        deadline = time.time() + 5
        while time.time() < deadline:
            _, j = self.server.api("GET", "/v1/jobs/" + job["job_id"])
            if j["status"] == "done":
                break
            time.sleep(0.05)
        self.assertEqual(j["status"], "done")
        # Pings keep coming while the device answers them: still connected.
        ws.next_of("ping", timeout=4)
        ws.close()

    def test_device_sent_ping_is_answered_with_its_payload(self):
        _, ws = self.device()
        ws.send(PING, b"are you there")
        deadline = time.time() + 5
        while True:
            _, op, payload = ws.frame(max(0.1, deadline - time.time()))
            if op == PONG:
                break
        self.assertEqual(payload, b"are you there")
        ws.close()

    def test_fragmented_text_frame_is_reassembled(self):
        _, ws = self.device()
        text = json.dumps({"type": "no-such-type"})
        # Pauses of several rest periods (10 ms here) mid-message: a
        # connection never rests while a message is under way.
        ws.send(TEXT, text[:5], fin=False)
        time.sleep(0.05)
        ws.send(PING, b"between fragments")  # control frames may interleave
        time.sleep(0.05)
        ws.send(CONT, text[5:12], fin=False)
        time.sleep(0.05)
        ws.send(CONT, text[12:], fin=True)
        err = ws.next_of("error")
        self.assertEqual(err["code"], "unknown_type")
        ws.close()

    def test_bad_frame_gets_an_error_and_the_connection_stays(self):
        _, ws = self.device()
        ws.send(TEXT, json.dumps({"type": "ack"}))  # no job_id
        self.assertEqual(ws.next_of("error")["code"], "bad_frame")
        ws.next_of("ping", timeout=4)
        ws.close()

    def hostile(self, send, expected):
        _, ws = self.device()
        send(ws)
        self.assertEqual(ws.close_code(), expected)
        ws.close()
        self.assert_still_serving()

    def test_not_json_closes_1008(self):
        self.hostile(lambda ws: ws.send(TEXT, "not json"), 1008)

    def test_binary_frame_closes_1003(self):
        self.hostile(lambda ws: ws.send(BINARY, b"\x00\x01"), 1003)

    def test_frame_over_64_kib_closes_1009(self):
        big = json.dumps({"type": "pong", "seq": 1, "x": "a" * 70000})
        self.hostile(lambda ws: ws.send(TEXT, big), 1009)

    def test_fragments_over_64_kib_close_1009(self):
        def send(ws):
            for _ in range(3):
                ws.send(TEXT if _ == 0 else CONT, "a" * 30000, fin=False)
        self.hostile(send, 1009)

    def test_invalid_utf8_closes_1007(self):
        self.hostile(lambda ws: ws.send(TEXT, b'{"type":"\xc3\x28"}'), 1007)

    def test_unmasked_client_frame_closes_1002(self):
        self.hostile(lambda ws: ws.send(TEXT, '{"type":"pong","seq":1}',
                                        mask=False), 1002)

    def test_reserved_opcode_closes_1002(self):
        self.hostile(lambda ws: ws.send(0x3, b"x"), 1002)

    def test_reserved_bits_close_1002(self):
        self.hostile(lambda ws: ws.send(TEXT, "{}", rsv=0b100), 1002)

    def test_continuation_without_start_closes_1002(self):
        self.hostile(lambda ws: ws.send(CONT, "{}"), 1002)

    def test_close_with_a_reserved_code_is_answered_1002(self):
        self.hostile(lambda ws: ws.send(CLOSE, struct.pack("!H", 1005)), 1002)

    def test_close_with_a_normal_code_is_echoed(self):
        self.hostile(lambda ws: ws.send(CLOSE, struct.pack("!H", 1000) + b"bye"),
                     1000)

    def test_unanswered_pings_close_4000(self):
        _, ws = self.device()
        # Keepalive 1 s, two misses: the session ends after about 3 s.
        self.assertEqual(ws.close_code(timeout=10), 4000)
        ws.close()

    def test_newer_connection_replaces_the_older_4001(self):
        terminal, old = self.device()
        reg = self.server.register(terminal)
        new = WS(reg["cluster_urls"][0] + "?terminal_id=" + terminal,
                 {"Authorization": "Bearer " + reg["token"]})
        self.assertEqual(new.status, 101, new.head)
        new.next_of("hello")
        self.assertEqual(old.close_code(), 4001)
        old.close()
        new.close()

    def test_job_delivered_not_acked_comes_again_after_a_reconnect(self):
        terminal, ws = self.device()
        status, accepted = self.server.api(
            "POST", f"/v1/terminals/{terminal}/jobs", {"service": "print"})
        self.assertEqual(status, 202, accepted)
        self.assertEqual(ws.next_of("job")["job_id"], accepted["job_id"])
        ws.close()  # dropped: no ack, no close frame
        again = self.connect(terminal)
        again.next_of("hello")
        self.assertEqual(again.next_of("job")["job_id"], accepted["job_id"])
        again.close()

    def test_no_node_available_closes_1013(self):
        for node in ("C2-n1", "C2-n2"):
            status, body = self.server.api("PUT", "/v1/admin/nodes/" + node,
                                           {"state": "draining"})
            self.assertEqual(status, 200, body)
        try:
            ws = self.connect("N1013", region="GG2")
            self.assertEqual(ws.close_code(), 1013)
            ws.close()
        finally:
            for node in ("C2-n1", "C2-n2"):
                self.server.api("PUT", "/v1/admin/nodes/" + node,
                                {"state": "active"})
        ws = self.connect("N1013", region="GG2")
        ws.next_of("hello")
        ws.close()

    def test_upgrade_limits(self):
        terminal, ws = self.device()
        ws.close()
        reg = self.server.register(terminal)
        url = reg["cluster_urls"][0] + "?terminal_id=" + terminal
        auth = {"Authorization": "Bearer " + reg["token"]}
        big = WS(url, dict(auth, **{"X-Padding": "p" * 9000}))
        self.assertEqual(big.status, 400, big.head)
        u = urllib.parse.urlsplit(url)
        plain = WS(url, raw_request=(
            f"GET {u.path}?{u.query} HTTP/1.1\r\nHost: {u.netloc}\r\n"
            f"Authorization: Bearer {reg['token']}\r\n\r\n").encode())
        self.assertEqual(plain.status, 426, plain.head)
        notoken = WS(url)
        self.assertEqual(notoken.status, 401, notoken.head)
        for ws in (big, plain, notoken):
            ws.close()
        self.assert_still_serving()


class Receiver:
    """A callback receiver on loopback: answers each POST with the next
    status of `statuses` (then 200) and keeps the bodies."""

    def __init__(self, statuses=()):
        import http.server
        import threading
        outer = self
        self.statuses = list(statuses)
        self.bodies = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.bodies.append(json.loads(body))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/cb" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait(self, pred, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred(self.bodies):
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Callbacks(unittest.TestCase):
    """Callback promises of docs/API.md that no other end-to-end test
    checks: an expired job's callback, and callbacks that resume after
    tetherd is killed (-9) and restarted."""

    def setUp(self):
        self.server = Server()
        self.receiver = Receiver()

    def tearDown(self):
        self.receiver.stop()
        self.server.stop()

    def test_an_expired_job_is_called_back(self):
        self.server.register("E1")  # registered, never connected
        status, accepted = self.server.api(
            "POST", "/v1/terminals/E1/jobs",
            {"service": "print", "ttl_s": 1, "callback_url": self.receiver.url})
        self.assertEqual(status, 202, accepted)
        self.assertTrue(self.receiver.wait(lambda b: len(b) >= 1, 10))
        self.assertEqual(self.receiver.bodies[0]["job_id"], accepted["job_id"])
        self.assertEqual(self.receiver.bodies[0]["status"], "expired")

    def test_callbacks_resume_after_a_restart(self):
        self.receiver.statuses = [500] * 100  # refused until the restart
        self.server.register("E2")
        status, accepted = self.server.api(
            "POST", "/v1/terminals/E2/jobs",
            {"service": "print", "ttl_s": 1, "callback_url": self.receiver.url})
        self.assertEqual(status, 202, accepted)
        self.assertTrue(self.receiver.wait(lambda b: len(b) >= 1, 10))
        self.server.kill9()
        self.receiver.statuses = []  # accepted from now on
        seen = len(self.receiver.bodies)
        self.server.start()
        self.assertTrue(self.receiver.wait(lambda b: len(b) > seen, 15),
                        self.server.logs())
        self.assertEqual(self.receiver.bodies[-1]["job_id"], accepted["job_id"])
        self.assertEqual(self.receiver.bodies[-1]["status"], "expired")


class ScheduledReallocation(unittest.TestCase):
    """`[reallocation] period`: without any call, a terminal whose cluster
    changed (here: the clusters' labels were swapped) is sent `reassign`
    by the next scheduled run, and its destination names the new cluster."""

    def test_a_period_reallocates_without_a_call(self):
        server = Server('\n[reallocation]\nperiod = "1s"\nwindow = "0s"\n')
        try:
            reg = server.register("R1")
            self.assertEqual(reg["cluster_id"], "C1")
            ws = WS(reg["cluster_urls"][0] + "?terminal_id=R1",
                    {"Authorization": "Bearer " + reg["token"]})
            ws.next_of("hello")
            # (each keeps naming "model", an item in use: a cluster change
            # that leaves an item in use named by no cluster is refused)
            for cluster, region in (("C1", "GGX"), ("C2", "GG1")):
                status, body = server.api(
                    "PUT", "/v1/admin/clusters/" + cluster,
                    {"labels": {"region": [region], "model": ["*"]}})
                self.assertEqual(status, 200, body)
            reassign = ws.next_of("reassign", timeout=10)
            self.assertGreaterEqual(reassign["after_ms"], 0)
            target = "/v1/terminals/R1/destination"
            status, rest = server.call("GET", target, b"", {
                "Authorization": server.proof("R1", "GET", target, b"")})
            self.assertEqual(status, 200, rest)
            self.assertEqual(json.loads(rest)["cluster_id"], "C2")
            ws.close()
        finally:
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tetherd", required=True)
    args, rest = parser.parse_known_args()
    TETHERD = os.path.abspath(args.tetherd)
    unittest.main(argv=[sys.argv[0]] + rest)
