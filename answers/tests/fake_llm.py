"""A real OpenAI-compatible chat completions server for the tests (and the benchmark):
`POST /v1/chat/completions`, JSON or server-sent events, on a loopback port, in a thread.

It records every request body it received (`requests`), and answers by `behaviour`:

- "echo": the answer is `reply` (default: the user message it was sent), so a test sees
  exactly what reached the model;
- "status:<code>": that HTTP status (a 429/500 for the retries);
- "fail_first:<n>": a 500 for the first n requests, then as "echo";
- "sleep:<seconds>": waits that long before answering (a timeout);
- "stall": headers and one delta, then stalls (a stream that stops).

Streams send `reply` in pieces of `piece_words` words, `delay` seconds apart, then a
usage chunk and `data: [DONE]`.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeModel:
    def __init__(self) -> None:
        self.behaviour = "echo"
        self.reply: str | None = None
        self.delay = 0.0
        self.piece_words = 1
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                with fake.lock:
                    fake.requests.append(body)
                    count = len(fake.requests)
                fake.handle(self, body, count)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def reset(self, behaviour: str = "echo", reply: str | None = None, delay: float = 0.0) -> None:
        self.behaviour, self.reply, self.delay = behaviour, reply, delay
        self.piece_words = 1
        with self.lock:
            self.requests.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, handler: BaseHTTPRequestHandler, body: dict, count: int) -> None:
        kind, _, arg = self.behaviour.partition(":")
        if kind == "status" or (kind == "fail_first" and count <= int(arg)):
            status = int(arg) if kind == "status" else 500
            payload = json.dumps({"error": {"message": "fake failure"}}).encode()
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            if status == 429:
                handler.send_header("Retry-After", "0")
            handler.end_headers()
            handler.wfile.write(payload)
            return
        if kind == "sleep":
            time.sleep(float(arg))
        reply = self.reply if self.reply is not None else body["messages"][-1]["content"]
        usage = {"prompt_tokens": sum(len(m["content"].split()) for m in body["messages"]), "completion_tokens": 7}
        if not body.get("stream"):
            payload = json.dumps(
                {"choices": [{"index": 0, "message": {"role": "assistant", "content": reply}}], "usage": usage}
            ).encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Connection", "close")
        handler.end_headers()
        words = reply.split(" ")
        pieces = [" ".join(words[i : i + self.piece_words]) for i in range(0, len(words), self.piece_words)]
        try:
            for i, piece in enumerate(pieces):
                text = piece if i == 0 else " " + piece
                chunk = {"choices": [{"index": 0, "delta": {"content": text}}]}
                handler.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                handler.wfile.flush()
                if kind == "stall":
                    time.sleep(60)
                    return
                if self.delay:
                    time.sleep(self.delay)
            handler.wfile.write(f"data: {json.dumps({'choices': [], 'usage': usage})}\n\n".encode())
            handler.wfile.write(b"data: [DONE]\n\n")
            handler.wfile.flush()
        except OSError:
            pass
        handler.close_connection = True
