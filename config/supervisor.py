"""bin/run's supervisor: the processes it started, watched, restarted within a bound, stopped in order.

Each service is a child of bin/run leading its own process group, so that
- a terminal's Ctrl-C reaches bin/run alone, which then stops the web server and Celery
  before Redis and PostgreSQL (never the database under a serving web worker);
- when a service exits, whatever it forked (PostgreSQL backends, web workers, Celery pool
  children) can be cleared with one `killpg` before it is started again.

An unexpected exit is reported with its reason (exit code or signal) and the last lines of
the service's log, then the service is started again, at most `RESTARTS_MAX` times in
`RESTART_WINDOW` seconds; past that the supervisor gives up (`ServiceFailed`) and bin/run
stops everything and exits non-zero. The product never goes on serving 500s because a
service it started is gone.
"""

import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from config.services import exit_reason, log_tail, process_group_kill

RESTARTS_MAX = 3
RESTART_WINDOW = 60.0
OUTPUT_LINES_KEPT = 12

EXITED = "==> {name} exited unexpectedly ({reason}); the last lines of its log{where}:"
RESTARTING = "==> restarting {name} (restart {count} of {max} allowed in {window:.0f} s)"
GAVE_UP = "{name} exited {count} times within {window:.0f} s ({reason}); stopping everything"


def say(*lines: str) -> None:
    """Print for the user, never failing: bin/run's output may be a pipe whose reader is gone
    (a closed terminal, `| head`), and a BrokenPipeError must not cut its cleanup short and
    orphan the servers it started."""
    try:
        print(*lines)
    except OSError:
        pass


class ServiceFailed(Exception):
    """A service kept exiting: past the restart bound."""


@dataclass(eq=False)
class Service:
    """One process bin/run keeps alive.

    `spawn` starts it and returns once it is usable (PostgreSQL and Redis wait until they
    answer; the web server and Celery return at once). A service whose `spawn` pipes stdout
    gets its lines printed with its name in front and the last ones kept for an exit report;
    one that writes its own log file names it in `log_file`. Services of a higher `tier` are
    stopped first, those of one tier together."""

    name: str
    spawn: Callable[[], subprocess.Popen]
    tier: int
    stop_signal: int = signal.SIGTERM
    stop_timeout: float = 20.0
    log_file: Path | None = None
    proc: subprocess.Popen | None = None
    output: deque = field(default_factory=lambda: deque(maxlen=OUTPUT_LINES_KEPT))
    restarts: deque = field(default_factory=deque)
    _reader: threading.Thread | None = None


class Supervisor:
    def __init__(self) -> None:
        self.services: list[Service] = []
        self.stopping = False

    def start(self, service: Service) -> None:
        """Start a service (first time or again) and keep watching it."""
        if service not in self.services:
            self.services.append(service)
        service.proc = service.spawn()
        if service.proc.stdout is not None:
            service._reader = threading.Thread(
                target=self._relay, args=(service, service.proc.stdout), name=f"{service.name}-output", daemon=True
            )
            service._reader.start()

    def _relay(self, service: Service, stream) -> None:
        """Print a service's output, its name in front, and keep the last lines."""
        prefix = f"{service.name:<8}| "
        for raw in iter(stream.readline, b""):  # drained to the end, or the child would block
            line = raw.decode(errors="replace").rstrip("\n")
            service.output.append(line)
            say(prefix + line)
        stream.close()

    def check(self) -> None:
        """Look at every service once; report and restart the ones that exited.
        Raises `ServiceFailed` past a service's restart bound."""
        for service in list(self.services):
            if self.stopping or service.proc is None or service.proc.poll() is None:
                continue
            self._exited(service)

    def _exited(self, service: Service) -> None:
        reason = exit_reason(service.proc.returncode)
        process_group_kill(service.proc)  # what it forked must not outlive it
        if service._reader is not None:
            service._reader.join(timeout=2)  # its last words are in the pipe
        if service.log_file is not None:
            lines, where = log_tail(service.log_file), f" ({service.log_file})"
        else:
            lines, where = list(service.output), ""
        say(EXITED.format(name=service.name, reason=reason, where=where))
        for line in lines or ["(nothing)"]:
            say(f"    {line}")
        now = time.monotonic()
        while service.restarts and now - service.restarts[0] > RESTART_WINDOW:
            service.restarts.popleft()
        if len(service.restarts) >= RESTARTS_MAX:
            service.proc = None
            count = len(service.restarts) + 1
            raise ServiceFailed(GAVE_UP.format(name=service.name, count=count, window=RESTART_WINDOW, reason=reason))
        service.restarts.append(now)
        say(RESTARTING.format(name=service.name, count=len(service.restarts), max=RESTARTS_MAX, window=RESTART_WINDOW))
        try:
            self.start(service)
        except Exception as exc:  # noqa: BLE001 - a failed restart is one more exit
            say(f"==> {service.name} did not start again: {exc}")
            service.proc = None
            raise ServiceFailed(f"{service.name} could not be restarted: {exc}") from exc
        say(f"==> {service.name} is running again")

    def stop_all(self) -> None:
        """Stop every service, the highest tier first; within a tier all at once (each gets
        its stop signal, then up to its `stop_timeout` to exit before its group is killed)."""
        self.stopping = True
        for tier in sorted({s.tier for s in self.services}, reverse=True):
            running = [s for s in self.services if s.tier == tier and s.proc is not None]
            for service in running:
                if service.proc.poll() is None:
                    say(f"==> stopping {service.name}")
                    try:
                        service.proc.send_signal(service.stop_signal)
                    except ProcessLookupError:
                        pass
            for service in running:
                try:
                    service.proc.wait(timeout=service.stop_timeout)
                except subprocess.TimeoutExpired:
                    say(f"==> {service.name} did not stop in {service.stop_timeout:.0f} s; killing it")
                process_group_kill(service.proc)  # and whatever it left behind
                if service._reader is not None:
                    service._reader.join(timeout=2)
