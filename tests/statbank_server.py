"""A StatBank stand-in on the loopback interface that serves the recorded answers in
``tests/fixtures/statbank/`` (see its README: constructed to the documented format)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "statbank"


@dataclass
class Answer:
    """One scripted answer: status, fixture file (or raw bytes), headers, delay in seconds."""

    status: int = 200
    fixture: str | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def content(self) -> bytes:
        return (FIXTURES / self.fixture).read_bytes() if self.fixture else self.body


OK = {
    "FOLK1A": Answer(fixture="folk1a_2025K1.csv"),
    "FOLK1E": Answer(fixture="folk1e_2025K1_herkomst25.csv"),
}


class FakeStatbank:
    """Answers POST /v1/data per table from a queue; the last answer of a queue repeats."""

    def __init__(self) -> None:
        self.script: dict[str, list[Answer]] = {}
        self.requests: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def answer(self, table: str, *answers: Answer) -> None:
        self.script[table] = list(answers)

    def _next(self, table: str) -> Answer:
        queue = self.script.get(table) or [OK[table]]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length).decode("utf-8"))
                fake.requests.append({"path": self.path, **body})
                answer = fake._next(body["table"])
                time.sleep(answer.delay)
                content = answer.content()
                self.send_response(answer.status)
                self.send_header("Content-Type", "text/csv; charset=utf-8")
                headers = {"Content-Length": str(len(content)), **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                # The client may have given up already (the timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(content)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def run(self) -> Iterator[FakeStatbank]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join(timeout=5)
