"""A local stand-in for the data sets' public origin (raw.githubusercontent.com): an HTTP server on
127.0.0.1 serving ``/{owner}/{repo}/{commit}/{path}`` from a dict or a folder, counting requests."""

from __future__ import annotations

import http.server
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scalingviz import catalog


class Origin:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes, int | None]] = {}  # path -> (status, body, Content-Length)
        self.drip = 0.0  # seconds between the bytes of a body (a slow link)
        self.root: Path | None = None
        self.requests: list[str] = []
        self.url = ""

    def put(self, path: str, body: bytes, *, status: int = 200, length: int | None = None) -> None:
        self.routes["/" + path.lstrip("/")] = (status, body, length)


@contextmanager
def serve(root: Path | None = None) -> Iterator[Origin]:
    origin = Origin()
    origin.root = root

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            origin.requests.append(self.path)
            if self.path in origin.routes:
                status, body, length = origin.routes[self.path]
            elif origin.root is not None and (origin.root / self.path.lstrip("/")).is_file():
                status, body, length = 200, (origin.root / self.path.lstrip("/")).read_bytes(), None
            else:
                status, body, length = 404, b"Not Found", None
            self.send_response(status)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            try:
                if origin.drip:
                    for i in range(len(body)):
                        self.wfile.write(body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(origin.drip)
                else:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()


def mirror(shared: Path, dest: Path) -> Path:
    """Lay out the fetched data sets' files from a ../shared/data copy at their pinned origin paths (the
    sets ../shared holds: ScaleBench, fetched from the network only, is left out)."""
    for ds in catalog.CATALOG.values():
        if ds.shipped or not (shared / ds.name).is_dir():
            continue
        for f in ds.files:
            target = dest / ds.repo / ds.commit / f.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shared / ds.name / f.name, target)
    return dest
