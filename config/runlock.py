"""One `bin/run` per data dir: an flock on `DATA_DIR/run.lock`, and what its holder is doing.

The lock is held from before the embedded PostgreSQL and Redis start until after both have
fully stopped, so a second `bin/run` can never adopt servers the first one is still stopping
(the race of issue 10: 500s from a PostgreSQL that went away under the new instance). The
holder publishes its PID, URL and phase (`starting`, `serving`, `stopping`) in
`DATA_DIR/run.json`, replaced atomically, so the second instance knows whether to wait (the
first is stopping) or to give up at once (the first is starting or serving).

The kernel drops an flock when its holder dies, however it dies: a `bin/run` killed with
SIGKILL leaves a stale `run.json` but never a stale lock.

No Django imports: `config.services` (imported by settings) reads the phase too.
"""

import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

WAIT_SECONDS = 30.0

ALREADY_RUNNING = (
    "bin/run is already {phase} on this data dir ({data_dir}): PID {pid}, {url}. "
    "Stop it first (Ctrl-C in its terminal, or kill {pid}), or give this one another DATA_DIR."
)
STILL_STOPPING = "bin/run PID {pid} was still stopping after {seconds:.0f} s ({data_dir}); try again once it exited."


class RunLockBusy(Exception):
    """Another bin/run owns this data dir and is not about to release it."""


@dataclass(frozen=True)
class Owner:
    pid: int
    url: str
    phase: str


def owner_read(data_dir: Path) -> Owner | None:
    """What the holder last published: None before its first word, if unreadable, or if the
    word is a dead process's (a bin/run killed with SIGKILL cannot take its word back)."""
    try:
        raw = json.loads((data_dir / "run.json").read_text())
        owner = Owner(pid=int(raw["pid"]), url=str(raw["url"]), phase=str(raw["phase"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return owner


def is_held(data_dir: Path) -> bool:
    """Whether some process holds the lock right now (a probe: taken and dropped at once)."""
    path = data_dir / "run.lock"
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def wait_while_stopping(data_dir: Path, timeout: float = WAIT_SECONDS) -> None:
    """Return once no bin/run is stopping this data dir's servers (or after `timeout`).

    For processes that reuse the embedded servers without owning them (manage.py, the tests):
    a server whose owner is stopping it is about to go away and must not be reused."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        owner = owner_read(data_dir)
        if owner is None or owner.phase != "stopping" or not is_held(data_dir):
            return
        time.sleep(0.1)


class RunLock:
    """The data dir's lock, taken by `acquire()` and kept until `release()` or process exit."""

    def __init__(self, data_dir: Path, url: str) -> None:
        self.data_dir = data_dir
        self.url = url
        self._fd: int | None = None

    def acquire(self, *, wait: float = WAIT_SECONDS, say=print) -> None:
        """Take the lock. If another bin/run holds it: wait up to `wait` seconds while it is
        stopping (saying so, with its PID), raise `RunLockBusy` at once if it is starting or
        serving, or if it is still stopping after the wait."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.data_dir / "run.lock", os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait
        waiting_for = None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                owner = owner_read(self.data_dir)
                # No word yet, or the word of a previous holder: the new holder writes its own
                # right after it takes the lock, so look again in a moment.
                if owner is not None and owner.phase in ("starting", "serving") and owner.pid != os.getpid():
                    os.close(fd)
                    raise RunLockBusy(
                        ALREADY_RUNNING.format(phase=owner.phase, data_dir=self.data_dir, pid=owner.pid, url=owner.url)
                    ) from None
                if owner is not None and owner.phase == "stopping" and waiting_for != owner.pid:
                    waiting_for = owner.pid
                    say(f"==> waiting for bin/run PID {owner.pid} to finish stopping (up to {wait:.0f} s)")
                if time.monotonic() > deadline:
                    os.close(fd)
                    pid = owner.pid if owner else "?"
                    raise RunLockBusy(STILL_STOPPING.format(pid=pid, seconds=wait, data_dir=self.data_dir)) from None
                time.sleep(0.05)
        self._fd = fd
        self.publish("starting")

    def publish(self, phase: str) -> None:
        """Tell other processes what this bin/run is doing (atomic replace: never half a file)."""
        if self._fd is None:
            return
        tmp = self.data_dir / f"run.json.{os.getpid()}"
        tmp.write_text(json.dumps({"pid": os.getpid(), "url": self.url, "phase": phase}))
        os.replace(tmp, self.data_dir / "run.json")

    def release(self) -> None:
        if self._fd is None:
            return
        (self.data_dir / "run.json").unlink(missing_ok=True)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
