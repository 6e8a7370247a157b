"""A stand-in for the emulator with its CLI, for the supervisor's own tests.

Not the emulator: it serves only the health endpoint and a DNS socket that answers
REFUSED, and starts a grandchild in another session (as a Redis node might be) so the
tests can check the supervisor stops descendants that left its process group.
Env STUB_EMULATOR_FAIL=1 makes it exit at once with an error, as a broken emulator would.
"""

import argparse
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("--host")
p.add_argument("--port", type=int)
p.add_argument("--dns-port", type=int)
p.add_argument("--run-dir")
p.add_argument("--lambda-host-url")
args = p.parse_args()
if os.environ.get("STUB_EMULATOR_FAIL"):
    print("stub emulator: configured to fail", flush=True)
    sys.exit(4)

node = subprocess.Popen(["sleep", "300"], start_new_session=True)
with open(os.path.join(args.run_dir, "stub-node.pid"), "w") as f:
    f.write(str(node.pid))


class H(BaseHTTPRequestHandler):
    def do_GET(self):
        code = 200 if self.path == "/_replica_dns/health" else 404
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def dns():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", args.dns_port))
    while True:
        data, addr = s.recvfrom(512)
        s.sendto(data[:2] + b"\x81\x05" + data[4:], addr)  # REFUSED


threading.Thread(target=dns, daemon=True).start()
print("stub emulator up", flush=True)
ThreadingHTTPServer(("127.0.0.1", args.port), H).serve_forever()
