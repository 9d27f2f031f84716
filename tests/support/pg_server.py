"""A private, throwaway PostgreSQL cluster for the suite: installed if missing, on a free port.

PostgreSQL refuses to run as root, so as root the cluster belongs to the
`postgres` user the Debian package creates.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time

import psycopg
from debian import ensure
from redis_server import free_port


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(os.path.realpath(initdb)) if initdb else None


def find_or_install_postgres() -> str:
    return ensure(_bin_dir, ["postgresql"], "PostgreSQL")


class PostgresServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="sipas-pg-")
        self.process: subprocess.Popen | None = None
        self._as_user: list[str] = []

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database,
                               autocommit=True)

    def start(self) -> PostgresServer:
        bin_dir = find_or_install_postgres()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]
        data = os.path.join(self.dir, "data")
        subprocess.run(self._as_user + [f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                                        "-E", "UTF8", "--no-instructions"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Durability is not under test here; speed is welcome.
        self.process = subprocess.Popen(
            self._as_user + [f"{bin_dir}/postgres", "-D", data, "-p", str(self.port), "-k", self.dir,
                             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                             "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.connect().close()
                return self
            except psycopg.OperationalError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"postgres did not start on port {self.port}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
