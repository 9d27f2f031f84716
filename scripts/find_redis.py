"""Which Redis `make run` uses.

REDIS_URL when it is set (an operator's Redis); otherwise a private
redis-server started on a free loopback port with its data under instance/,
installing Debian's package first when it is missing and we are root.
If that private server dies, `restart()` starts it again on the same port
and data directory, so the roles' REDIS_URL stays right and they reconnect.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

START_TIMEOUT_SECONDS = 10


class RedisUnavailable(RuntimeError):
    """No Redis could be found, installed or started; the message says what to do."""


@dataclass
class RedisChoice:
    url: str
    # The private server this run started and must stop; None for REDIS_URL.
    process: subprocess.Popen | None = None
    binary: str | None = None
    data_dir: Path | None = None
    port: int | None = None

    def restart(self) -> subprocess.Popen:
        """Start the private server again where it was (after it died)."""
        if self.binary is None or self.data_dir is None or self.port is None:
            raise RedisUnavailable("this Redis was not started here; it cannot be restarted here")
        self.process = start_private_redis(self.binary, self.data_dir, self.port).process
        return self.process


def choose_redis(env: Mapping[str, str], data_dir: Path) -> RedisChoice:
    if env.get("REDIS_URL"):
        return RedisChoice(env["REDIS_URL"])
    binary = shutil.which("redis-server") or install_redis_server()
    return start_private_redis(binary, data_dir)


def install_redis_server() -> str:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RedisUnavailable(
            "no Redis: set REDIS_URL to a running Redis, or install redis-server "
            "(sudo apt-get install redis-server) and run again"
        )
    print("run: redis-server is not installed; installing Debian's package", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "redis-server"]):
        if subprocess.run(command, env=env, stdin=subprocess.DEVNULL).returncode != 0:
            raise RedisUnavailable(f"`{' '.join(command)}` failed; set REDIS_URL to a running Redis instead")
    binary = shutil.which("redis-server")
    if not binary:
        raise RedisUnavailable("redis-server was installed but is not on PATH")
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_private_redis(binary: str, data_dir: Path, port: int | None = None) -> RedisChoice:
    """Start redis-server (on a free port unless one is given) in its own session, so a
    terminal's Ctrl-C reaches only the supervisor, which stops it last (after the
    processes that use it)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "yes",
         "--daemonize", "no", "--dir", str(data_dir), "--logfile", str(data_dir / "redis.log")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        _wait_for_ping(port, process, data_dir)
    except BaseException:  # including Ctrl-C while waiting: never leave it running
        process.kill()
        process.wait()
        raise
    return RedisChoice(f"redis://127.0.0.1:{port}/0", process, binary, data_dir, port)


def _wait_for_ping(port: int, process: subprocess.Popen, data_dir: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _answers_ping(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RedisUnavailable(f"redis-server did not start on port {port}; see {data_dir / 'redis.log'}")
        time.sleep(0.05)


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False
