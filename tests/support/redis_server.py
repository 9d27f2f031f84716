"""A private, throwaway redis-server for the suite: installed if missing, on a free port."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import redis
from debian import ensure


def find_or_install_redis_server() -> str:
    return ensure(lambda: shutil.which("redis-server"), ["redis-server"], "redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """Start with `start()`, stop with `stop()`; `url` points at database 0."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="sipas-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start it, or start it again on the same port after `stop()` (an outage that ends)."""
        binary = find_or_install_redis_server()
        os.makedirs(self.dir, exist_ok=True)
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir, "--daemonize", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class FaultyRedis(RedisServer):
    """A redis-server the fault tier takes down and brings back on the same port
    (`down`/`up`), or hangs and resumes (`hang`/`resume`, SIGSTOP/SIGCONT: the
    port still accepts connections, nothing answers)."""

    def down(self) -> None:
        self.process.terminate()
        self.process.wait(10)

    def up(self) -> None:
        self.start()

    def hang(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.resume()
        super().stop()
