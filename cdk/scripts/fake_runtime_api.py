# Minimal Lambda Runtime API on 127.0.0.1 for scripts/measure-functions: serves one
# event (argv[2]) on port argv[1], prints the function's response or error, then prints
# DONE when the function polls again (the caller then stops the function by PID).
# Not an emulator: one invocation, no timeouts, no concurrency.
import http.server, sys, time
event = sys.argv[2].encode()
port = int(sys.argv[1])
served = {"n": 0}
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if served["n"] >= 1:
            print("DONE", flush=True); time.sleep(30); return
        served["n"] += 1
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", "req-1")
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time()*1000)+30000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:f")
        self.send_header("Content-Type", "application/json")
        self.end_headers(); self.wfile.write(event)
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        print("POST", self.path, body[:300].decode(errors="replace"), flush=True)
        self.send_response(202); self.end_headers()
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
