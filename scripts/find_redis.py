"""Which Redis `make run` uses.

REDIS_URL when it is set (an operator's Redis); otherwise a private
redis-server with its data under instance/, installing Debian's package first
when it is missing and we are root. The private server listens on a unix socket
only (`port 0`: no TCP at all), in a directory only this user may enter (0700),
so another local user can neither read the queues nor forge jobs: a loopback
port would let any of them in (Redis has no password here, and a job names a
function to run). If that server dies, `restart()` starts it again on the same
socket and data directory, so the roles' REDIS_URL stays right and they reconnect.
"""
from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import quote

START_TIMEOUT_SECONDS = 10
SOCKET_NAME = "redis.sock"
# sun_path holds 108 bytes with the closing NUL: a longer path cannot be bound.
SOCKET_PATH_MAX = 107


class RedisUnavailable(RuntimeError):
    """No Redis could be found, installed or started; the message says what to do."""


@dataclass
class RedisChoice:
    url: str
    # The private server this run started and must stop; None for REDIS_URL.
    process: subprocess.Popen | None = None
    binary: str | None = None
    data_dir: Path | None = None

    def restart(self) -> subprocess.Popen:
        """Start the private server again where it was (after it died)."""
        if self.binary is None or self.data_dir is None:
            raise RedisUnavailable("this Redis was not started here; it cannot be restarted here")
        self.process = start_private_redis(self.binary, self.data_dir).process
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


def private_directory(path: Path) -> Path:
    """`path`, made if missing and closed to everyone but this user (0700) even if it was
    made before by an older run; RedisUnavailable if it belongs to someone else."""
    path.mkdir(parents=True, exist_ok=True)
    if path.stat().st_uid != os.geteuid():
        raise RedisUnavailable(f"{path} belongs to another user; choose another --instance-dir")
    path.chmod(stat.S_IRWXU)
    return path


def start_private_redis(binary: str, data_dir: Path) -> RedisChoice:
    """Start redis-server on the unix socket `data_dir/redis.sock`, TCP off, in its own
    session, so a terminal's Ctrl-C reaches only the supervisor, which stops it last
    (after the processes that use it)."""
    sock = private_directory(data_dir).resolve() / SOCKET_NAME
    if len(os.fsencode(sock)) > SOCKET_PATH_MAX:
        raise RedisUnavailable(f"the private Redis' socket path {sock} is longer than a unix socket allows "
                               f"({SOCKET_PATH_MAX} bytes); choose a shorter --instance-dir")
    if _answers_ping(sock):  # redis-server would take the socket over from the other run
        raise RedisUnavailable(f"a Redis already answers on {sock}: is another `make run` using this "
                               "instance directory? Stop it, or choose another --instance-dir")
    process = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
         "--protected-mode", "yes", "--daemonize", "no", "--dir", str(data_dir),
         "--logfile", str(data_dir / "redis.log")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        _wait_for_ping(sock, process, data_dir)
    except BaseException:  # including Ctrl-C while waiting: never leave it running
        process.kill()
        process.wait()
        raise
    return RedisChoice(f"unix://{quote(str(sock))}?db=0", process, binary, data_dir)


def _wait_for_ping(sock: Path, process: subprocess.Popen, data_dir: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _answers_ping(sock):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RedisUnavailable(f"redis-server did not start on {sock}; see {data_dir / 'redis.log'}")
        time.sleep(0.05)


def _answers_ping(sock: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as client:
            client.settimeout(1)
            client.connect(str(sock))
            client.sendall(b"PING\r\n")
            return client.recv(16).startswith(b"+PONG")
    except OSError:
        return False
