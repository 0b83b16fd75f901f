"""A PostgreSQL server of our own, in a temporary directory on a free port: for drills and tests
that restart or kill the database mid-use. A shared server must never be restarted for that.

Built for speed: trust authentication and no fsync, so what the server has committed survives the
server being killed (it is in the OS's cache) but not the machine losing power. Commits stay
synchronous: with them asynchronous a killed server would forget its last committed transactions,
and a drill would count posts as lost that the database had acknowledged. It runs the `postgres`
binaries of this machine (`pg_config --bindir`, else /usr/lib/postgresql/*/bin, else the PATH).
PostgreSQL refuses to run as root, so when we are root the server runs as the `postgres` system
user, in a directory that user owns.

    with PostgresServer() as pg:
        db = Database(pg.url)
        ...
        pg.restart(down_s=3)  # fast shutdown, 3 s with nothing listening, start again
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

RUN_AS = "postgres"
APP_DB = "app"
SUPERUSER = "postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bindir() -> Path:
    """Where initdb and postgres live on this machine."""
    candidates: list[Path] = []
    try:
        out = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True, timeout=10
        )
        candidates.append(Path(out.stdout.strip()))
    except (OSError, subprocess.SubprocessError):
        pass

    def version(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    candidates += [
        Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version)[::-1]
    ]
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).resolve().parent)
    for path in candidates:
        if (path / "initdb").exists() and (path / "postgres").exists():
            return path
    raise RuntimeError("no PostgreSQL server binaries found (initdb, postgres)")


class PostgresServer:
    """`start()` creates the cluster on first use and the database `app`; `url` points at it
    and stays the same across `stop`/`start`/`restart`/`kill` (same port, same data)."""

    def __init__(self, port: int | None = None, *, base_dir: str | None = None):
        self.port = port or free_port()
        self.bindir = postgres_bindir()
        self._base_dir = base_dir
        self.root: Path | None = None
        self.proc: subprocess.Popen | None = None
        self._log = None
        self._as_root = os.geteuid() == 0

    # -- addresses ------------------------------------------------------------------------------

    def database_url(self, name: str = APP_DB) -> str:
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """A further empty database on this server (for Dagster's own storage, say); its URL."""
        self._admin(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the database `app` (created by `start`)."""
        return self.database_url(APP_DB)

    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "not initialised: call start()"
        return self.root / "data"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The postmaster's process id while it runs."""
        if not self.running:
            return None
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            assert self.proc is not None
            return self.proc.pid

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self, timeout_s: float = 30.0) -> None:
        if self.running:
            return
        first = self.root is None
        if first:
            self._init_cluster()
        assert self.root is not None
        self._log = open(self.root / "postgres.log", "ab")  # noqa: SIM115 (kept open while it runs)
        args = [
            str(self.bindir / "postgres"), "-D", str(self.data_dir), "-p", str(self.port),
            "-k", str(self.root), "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off", "-c", "full_page_writes=off",
            "-c", "max_connections=200", "-c", "shared_buffers=32MB",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            self._as_owner(args),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own session: a Ctrl-C meant for the test run does not stop it mid-drill.
            start_new_session=True,
        )
        self._wait_ready(timeout_s)
        if first:
            self._admin(f'CREATE DATABASE "{APP_DB}"')
            atexit.register(self.close)  # a test run that dies leaves no server behind

    def stop(self, fast: bool = True, timeout_s: float = 30.0) -> None:
        """`fast`: PostgreSQL's fast shutdown, which ends every session at once (clients see
        "terminating connection due to administrator command"). Otherwise a smart shutdown,
        which waits for clients to disconnect, turned fast after `timeout_s`."""
        if not self.running:
            self._reap()
            return
        self._signal(signal.SIGINT if fast else signal.SIGTERM)
        if not self._wait_exit(timeout_s) and not fast:
            self._signal(signal.SIGINT)
            self._wait_exit(timeout_s)
        if self.running:  # immediate shutdown, then no more asking
            self._signal(signal.SIGQUIT)
            if not self._wait_exit(10):
                self._signal(signal.SIGKILL)
                self._wait_exit(10)
        self._reap()

    def restart(self, down_s: float) -> None:
        """Fast shutdown, `down_s` seconds with nothing listening on the port, start again.
        Blocks until the server accepts connections again."""
        self.stop(fast=True)
        time.sleep(down_s)
        self.start()

    def kill(self) -> None:
        """SIGKILL the postmaster, as a crash would. Its backends notice and exit; we wait for
        them (a backend still attached to the old shared memory would stop the next start),
        then `start()` runs crash recovery."""
        if not self.running:
            return
        import psutil

        pid = self.pid
        assert pid is not None
        try:
            children = psutil.Process(pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        os.kill(pid, signal.SIGKILL)
        self._wait_exit(10)
        _gone, alive = psutil.wait_procs(children, timeout=10)
        for child in alive:
            child.kill()
        psutil.wait_procs(alive, timeout=5)
        self._reap()

    def close(self) -> None:
        """Stop the server and delete its directory. Safe to call twice."""
        atexit.unregister(self.close)
        if self.root is None:
            return
        self.stop(fast=True)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- helpers --------------------------------------------------------------------------------

    def _as_owner(self, args: list[str]) -> list[str]:
        if not self._as_root:
            return args
        if shutil.which("setpriv"):
            # setpriv execs: the process we start is the postmaster itself.
            return ["setpriv", f"--reuid={RUN_AS}", f"--regid={RUN_AS}", "--init-groups", *args]
        return ["runuser", "-u", RUN_AS, "--", *args]

    def _init_cluster(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="socialsched-pg-", dir=self._base_dir))
        if self._as_root:
            owner = pwd.getpwnam(RUN_AS)
            os.chown(root, owner.pw_uid, owner.pw_gid)
        args = [
            str(self.bindir / "initdb"), "-D", str(root / "data"), "-U", SUPERUSER,
            "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
        ]  # fmt: skip
        done = subprocess.run(
            self._as_owner(args), capture_output=True, text=True, timeout=120, cwd=root
        )
        if done.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"initdb failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        self.root = root

    def _connect(self, dbname: str = "postgres"):
        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=dbname, connect_timeout=2
        )

    def _admin(self, sql: str) -> None:
        conn = self._connect()
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            if not self.running:
                raise RuntimeError(f"postgres exited at start:\n{self._log_tail()}")
            try:
                self._connect().close()
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"postgres not ready within {timeout_s} s:\n{self._log_tail()}"
                    ) from None
                time.sleep(0.05)

    def _signal(self, sig: signal.Signals) -> None:
        pid = self.pid
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)

    def _wait_exit(self, timeout_s: float) -> bool:
        assert self.proc is not None
        try:
            self.proc.wait(timeout_s)
            return True
        except subprocess.TimeoutExpired:
            return False

    def _reap(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            self.proc = None
        if self.proc is None and self._log is not None:
            self._log.close()
            self._log = None

    def _log_tail(self, chars: int = 4000) -> str:
        if self.root is None:
            return ""
        try:
            return (self.root / "postgres.log").read_text(errors="replace")[-chars:]
        except OSError:
            return ""
