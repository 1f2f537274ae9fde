"""A PostgreSQL database for the test run: TEST_DATABASE_URL, a fresh database on
127.0.0.1:5432, or a throwaway cluster started in a temporary folder."""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid

import psycopg

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"{name} not found: install postgresql-15 and postgresql-15-postgis-3 (make deps)")
    return found[-1]


class ThrowawayCluster:
    """initdb + pg_ctl in a temporary folder, as `postgres` when run as root (initdb refuses root)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="berkane-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = _free_port()
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> str:
        if self._as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(_pg_bin("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        self._run(_pg_bin("pg_ctl"), "-D", self.data, "-o", options, "-w", "-l", os.path.join(self.dir, "log"), "start")
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(_pg_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def postgis_database(label: str = "berkane_test"):
    """Yield a SQLAlchemy URL of an empty database; remove it (and any cluster) afterwards."""
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"]
        return
    cluster = None
    try:
        psycopg.connect(LOCAL_SERVER, connect_timeout=3).close()
        server = LOCAL_SERVER
    except psycopg.OperationalError:
        cluster = ThrowawayCluster()
        server = cluster.start()
    name = f"{label}_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
        finally:
            # Also when the block failed: an interrupted run must not leave its database behind.
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        if cluster:
            cluster.stop()
