"""A Lambda function speaking the Runtime API like lambda_runtime 1.5, for the host's tests.

Not a real function: the event says what to do, so each failure mode can be provoked.
Event fields: {"echo": any} returns it; {"error": [type, message]} posts /error;
{"sleep": s} sleeps first; {"exit": code} exits mid-invocation; {"env": [names]} returns
those environment variables; {"context": true} returns the Runtime API headers it got;
{"fork": true} starts a grandchild `sleep` and returns its pid; {"touch": path} writes a file.
{"alloc_mb": n} holds n MB of touched memory (this process); {"alloc_child_mb": n} starts a
child that holds n MB; {"big": n} returns a string of n bytes; {"boto": [service, method,
kwargs]} calls the emulator (AWS_ENDPOINT_URL) with boto3, no retries, and returns the
response (or {"clientError": code}); {"once": marker, "first": event, "then": event} runs
`first` the first time (creating the marker file) and `then` (default {"echo": "ok"}) after.
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
    if isinstance(event, dict) and "once" in event:
        if os.path.exists(event["once"]):
            event = event.get("then", {"echo": "ok"})
        else:
            open(event["once"], "w").close()
            event = event["first"]
    if not isinstance(event, dict):
        event = {"echo": event}
    if "alloc_mb" in event:
        held = b"\x01" * (event["alloc_mb"] << 20)
    if "alloc_child_mb" in event:
        subprocess.Popen([sys.executable, "-c", "import time; x = b'\\x01' * (%d << 20); time.sleep(300)"
                          % event["alloc_child_mb"]])
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
    elif "big" in event:
        out = "x" * event["big"]
    elif "boto" in event:
        import boto3
        import botocore.config
        import botocore.exceptions

        service, method, kwargs = event["boto"]
        client = boto3.client(service, config=botocore.config.Config(
            retries={"total_max_attempts": 1}, read_timeout=120))
        try:
            resp = getattr(client, method)(**kwargs)
            resp.pop("ResponseMetadata", None)
            out = json.loads(json.dumps(resp, default=str))
        except botocore.exceptions.ClientError as exc:
            out = {"clientError": exc.response["Error"]["Code"]}
    else:
        out = event.get("echo")
    call("POST", f"/invocation/{rid}/response", json.dumps(out))
