"""scripts/develop started and stopped as a person would, and what is left of it."""

from collections.abc import Iterable
import contextlib
import os
from pathlib import Path
import re
import shutil
import signal
import socket
import subprocess
import time

REPO = Path(__file__).resolve().parent.parent.parent
# Configurations of their own (gitignored), so a run never touches config/.
RUN_DIR = REPO / ".e2e-run"
READY_LINE = "Ctrl-C stops both."


def listening(port: int) -> bool:
    """Return whether something accepts connections on 127.0.0.1:port."""
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    """Return a port nothing listens on (the system's pick, released again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def mount_points() -> list[str]:
    """Return the mount points under the repository (octal escapes decoded)."""
    points = []
    for line in Path("/proc/mounts").read_text(encoding="utf-8").splitlines():
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), line.split()[1])
        if point.startswith(f"{REPO}/"):
            points.append(point)
    return points


def processes_in(ids: Iterable[int]) -> list[int]:
    """Return the live processes whose session or process group is one of ids."""
    wanted = set(ids)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8")
        except OSError:
            continue  # ended meanwhile
        # pid (comm) state ppid pgrp session ...; comm may hold spaces or parentheses.
        state, _, pgrp, session = stat[stat.rindex(")") + 2 :].split()[:4]
        if state != "Z" and wanted & {int(pgrp), int(session)}:
            found.append(int(entry.name))
    return found


class Develop:
    """One scripts/develop run on a fresh configuration directory inside RUN_DIR."""

    def __init__(self, name: str, ha_port: int, simulator_port: int) -> None:
        """Prepare the configuration directory and the output file."""
        self.config = RUN_DIR / name
        self.output = RUN_DIR / f"{name}.out"
        self.ha_port = ha_port
        self.simulator_port = simulator_port
        self.process: subprocess.Popen[bytes] | None = None
        self.children: list[int] = []

    def log(self) -> str:
        """Return what scripts/develop printed so far."""
        return self.output.read_text(encoding="utf-8") if self.output.exists() else ""

    def ha_log_tail(self, lines: int = 80) -> str:
        """Return the end of Home Assistant's own log, for failure messages."""
        path = self.config / "home-assistant.log"
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def start(self, timeout: float) -> None:
        """Start scripts/develop; return once it says it is ready."""
        shutil.rmtree(self.config, ignore_errors=True)
        RUN_DIR.mkdir(exist_ok=True)
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(  # its own session: signals only from us
                [str(REPO / "scripts" / "develop")],
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={
                    **os.environ,
                    "DEXCOM_DEVELOP_CONFIG": str(self.config),
                    "DEXCOM_DEVELOP_HA_PORT": str(self.ha_port),
                    "DEXCOM_DEVELOP_SIMULATOR_PORT": str(self.simulator_port),
                },
            )
        deadline = time.monotonic() + timeout
        while READY_LINE not in self.log():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(
                    f"scripts/develop not ready ({self.process.returncode}):\n"
                    f"{self.log()}\nHome Assistant log:\n{self.ha_log_tail()}"
                )
            time.sleep(0.5)
        started = re.search(
            r"simulator \(pid (\d+)\) and Home Assistant \(pid (\d+)\)", self.log()
        )
        assert started, self.log()
        self.children = [int(started[1]), int(started[2])]

    def stop(self, timeout: float) -> int:
        """SIGTERM to scripts/develop (by pid), as Ctrl-C would; return its exit status."""
        assert self.process
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"scripts/develop did not stop in {timeout} s:\n{self.log()}"
            ) from None

    def kill(self) -> None:
        """Last resort, so a failed run leaves nothing behind: SIGKILL its groups."""
        assert self.process
        for group in {self.process.pid, *self.children}:
            with contextlib.suppress(ProcessLookupError):  # already gone
                os.killpg(group, signal.SIGKILL)
        self.process.wait()

    def leftovers(self) -> list[int]:
        """Return the pids of anything still running from this run."""
        assert self.process
        return processes_in([self.process.pid, *self.children])
