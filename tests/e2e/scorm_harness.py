"""A stand-alone page for the SCORM run-time tests: a small HTTP server that serves `assets/`
as the app does (at `/`), a harness page that starts the run-time the way the player page
does, and records the commits the run-time POSTs (fetch and beacon alike)."""

from __future__ import annotations

import json
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[2] / "assets"
COMMIT_PATH = "/scorm/attempts/{attempt}/items/ITEM_1/commit"

HARNESS_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>SCORM run-time harness</title>
<script src="/scorm/runtime.js"></script></head>
<body><script>
window.harness = {
  terminated: [],
  commitErrors: [],
  captured: null,
  ready: fetch("/scorm/datamodel.json").then(function (r) { return r.json(); }).then(function (specs) { window.harness.specs = specs; }),
  // Starts a session as the player page does; `unimplemented` marks spec elements as not implemented.
  start: function (version, values, nav, unimplemented, commitUrl) {
    var spec = JSON.parse(JSON.stringify(window.harness.specs[version]));
    (unimplemented || []).forEach(function (name) { spec.elements[name].implemented = false; });
    window.harness.session = LmsScorm.start({
      version: version, spec: spec, values: values || {}, commitUrl: commitUrl, nav: nav || {},
      onTerminate: function (info) { window.harness.terminated.push(info); },
      onCommitError: function (message) { window.harness.commitErrors.push(message); },
    });
    window.harness.captured = version === "2004" ? window.API_1484_11 : window.API;
  },
  // One API call and what the API says about it afterwards.
  call: function (name, args) {
    var api = window.harness.captured;
    var v2004 = typeof api.GetLastError === "function";
    var result = api[name].apply(api, args);
    var code = v2004 ? api.GetLastError() : api.LMSGetLastError();
    return {
      result: result,
      code: code,
      text: v2004 ? api.GetErrorString(code) : api.LMSGetErrorString(code),
      diagnostic: v2004 ? api.GetDiagnostic("") : api.LMSGetDiagnostic(""),
    };
  },
};
</script></body></html>
"""


class CommitServer:
    """Serves the assets and the harness; records each commit POST and answers it as told."""

    def __init__(self) -> None:
        self.commits: list[dict] = []
        self.status = 200
        self.answer: dict = {"ok": True}
        self.hold = threading.Event()  # cleared: commit answers wait until it is set
        self.hold.set()
        self.lock = threading.Lock()
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(ASSETS), **kwargs)

            def log_message(self, *args):  # keep the test output quiet
                pass

            def do_GET(self):
                if self.path == "/harness.html":
                    body = HARNESS_HTML.encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().do_GET()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with server.lock:
                    server.commits.append(
                        {"path": self.path, "content_type": self.headers.get("Content-Type", ""), "body": json.loads(raw or b"null")}
                    )
                server.hold.wait(10)
                body = json.dumps(server.answer).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        with self.lock:
            self.commits.clear()
        self.status = 200
        self.answer = {"ok": True}
        self.hold.set()

    def commits_to(self, path: str) -> list[dict]:
        """The commits received on one commit URL (each test has its own: a beacon of the
        previous test's page may still arrive)."""
        with self.lock:
            return [commit for commit in self.commits if commit["path"] == path]

    def wait_for_commits(self, path: str, count: int, timeout: float = 5.0) -> list[dict]:
        """The commits to `path` once there are at least `count` (fails after `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            commits = self.commits_to(path)
            if len(commits) >= count:
                return commits
            time.sleep(0.02)
        raise AssertionError(f"expected {count} commit(s) to {path}, got {self.commits_to(path)}")

    def close(self) -> None:
        self.hold.set()
        self.httpd.shutdown()
        self.httpd.server_close()
