"""Start a local server for a test on a free port, and wait until it answers HTTP.

A port found free can be taken before the server binds it: with two pytest workers, a Jupyter kernel
of the other worker opens ZMQ sockets on random ports, and a probe of such a port reads a ZMQ greeting
(``BadStatusLine: \\xff...``) while the server exits because its port is busy. That is retried on a new port.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def start(command: Callable[[int], list[str]], probe: Callable[[int], str], log_path: Callable[[int], Path], *,
          timeout: float = 90, attempts: int = 3, **popen) -> tuple[subprocess.Popen, int, object]:
    """``command(port)`` started in a session of its own, its output to ``log_path(port)``; returns once
    ``probe(port)`` gets an HTTP answer (any status). Raises RuntimeError naming the log when it never does."""
    why = ""
    for _ in range(attempts):
        port = free_port()
        log = open(log_path(port), "w")
        proc = subprocess.Popen(command(port), stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **popen)
        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(probe(port), timeout=2):
                    return proc, port, log
            except urllib.error.HTTPError:  # any HTTP answer means the server is up
                return proc, port, log
            except (http.client.BadStatusLine, http.client.RemoteDisconnected) as exc:
                why = f"port {port} answered as another program does ({exc!r}); retried on a new port"
                break
            except Exception:
                if proc.poll() is not None:
                    why = f"the server exited (code {proc.returncode}) on port {port}: see {log.name}"
                    break
                if time.time() > deadline:
                    stop(proc)
                    log.close()
                    raise RuntimeError(f"no answer on port {port} within {timeout:.0f} s: see {log.name}") from None
                time.sleep(0.5)
        stop(proc)
        log.close()
    raise RuntimeError(f"the server did not start in {attempts} attempts; last: {why}")


def process_tree(root: int) -> dict[int, tuple[float, bool]]:
    """Every process descending from ``root`` (itself included): pid -> (resident MB, is a kernel)."""
    import glob

    parent, info = {}, {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        pid = int(stat.split("/")[2])
        try:
            with open(stat) as f:
                parent[pid] = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                kernel = b"ipykernel" in f.read()
            with open(f"/proc/{pid}/status") as f:
                rss = next(int(x.split()[1]) / 1024 for x in f if x.startswith("VmRSS:"))
            info[pid] = (rss, kernel)
        except (OSError, StopIteration, ValueError, IndexError):
            continue
    keep, frontier = {root}, [root]
    while frontier:
        kids = [p for p, pp in parent.items() if pp in frontier and p not in keep]
        keep.update(kids)
        frontier = kids
    return {p: info[p] for p in keep if p in info}
