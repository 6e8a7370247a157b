"""A Lambda function speaking the Runtime API like lambda_runtime 1.5, for the host's tests.

Not a real function: the event says what to do, so each failure mode can be provoked.
Event fields: {"echo": any} returns it; {"error": [type, message]} posts /error;
{"sleep": s} sleeps first; {"exit": code} exits mid-invocation; {"env": [names]} returns
those environment variables; {"context": true} returns the Runtime API headers it got;
{"fork": true} starts a grandchild `sleep` and returns its pid; {"touch": path} writes a file.
Env FAKE_INIT_ERROR=1 posts /init/error and exits (as lambda_runtime does when init fails).
"""

import http.client
import json
import os
import subprocess
import sys
import time

api = os.environ["AWS_LAMBDA_RUNTIME_API"]
host, port = api.split(":")
conn = http.client.HTTPConnection(host, int(port))


def call(method, path, body=None, headers=None):
    conn.request(method, "/2018-06-01/runtime" + path, body=body, headers=headers or {})
    resp = conn.getresponse()
    return resp.status, dict(resp.getheaders()), resp.read()


if os.environ.get("FAKE_INIT_ERROR"):
    call("POST", "/init/error", json.dumps({"errorType": "InitBroken", "errorMessage": "no config"}),
         {"lambda-runtime-function-error-type": "Runtime.InitError"})
    sys.exit(3)

print("fake runtime ready", os.getpid(), flush=True)
while True:
    status, headers, body = call("GET", "/invocation/next")
    if status != 200:
        sys.exit(0)
    headers = {k.lower(): v for k, v in headers.items()}
    rid = headers["lambda-runtime-aws-request-id"]
    event = json.loads(body)
    if "sleep" in event:
        time.sleep(event["sleep"])
    if "exit" in event:
        os._exit(event["exit"])
    if "touch" in event:
        with open(event["touch"], "a") as f:
            f.write(rid + "\n")
    if "error" in event:
        kind, message = event["error"]
        s, _, _ = call("POST", f"/invocation/{rid}/error",
                       json.dumps({"errorType": kind, "errorMessage": message}),
                       {"lambda-runtime-function-error-type": "unhandled"})
        continue
    if "env" in event:
        out = {k: os.environ.get(k) for k in event["env"]}
    elif "context" in event:
        out = {k: v for k, v in headers.items() if k.startswith("lambda-runtime-")}
    elif "fork" in event:
        out = {"pid": os.getpid(), "child": subprocess.Popen(["sleep", "300"]).pid}
    else:
        out = event.get("echo")
    call("POST", f"/invocation/{rid}/response", json.dumps(out))
