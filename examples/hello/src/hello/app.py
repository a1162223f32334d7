"""Answer every GET with a greeting and the image's version (from the OCI label's build arg)."""

from __future__ import annotations

import os
from http.server import BaseHTTPRequestHandler, HTTPServer


class Hello(BaseHTTPRequestHandler):
    """Says hello."""

    def do_GET(self) -> None:
        body = f"hello from {os.uname().machine}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    """Serve on $PORT (default 8080)."""
    HTTPServer(("", int(os.environ.get("PORT", "8080"))), Hello).serve_forever()


if __name__ == "__main__":
    main()
