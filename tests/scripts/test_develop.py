"""scripts/develop refuses what it cannot use before it touches anything.

The full start (Home Assistant, the simulator, the banner) and the stop are
what test_develop_stop.py and the browser tests in tests/e2e run (scripts/e2e).
Every run here names a configuration outside the repository, which
scripts/develop refuses right after the ports: no check that passes by
mistake can start Home Assistant.
"""

import os
from pathlib import Path
import socket
import subprocess

import pytest

DEVELOP = Path(__file__).parent.parent.parent / "scripts" / "develop"


def develop(**environment: str) -> subprocess.CompletedProcess[str]:
    """Run scripts/develop with a configuration it refuses and these variables."""
    return subprocess.run(
        [str(DEVELOP)],
        env={**os.environ, "DEXCOM_DEVELOP_CONFIG": "/", **environment},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def free_port() -> str:
    """Return a port nothing listens on (the system's pick, released again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


@pytest.mark.parametrize("port", ["0", "65536", "80a", "08123"])
@pytest.mark.parametrize(
    "variable", ["DEXCOM_DEVELOP_HA_PORT", "DEXCOM_DEVELOP_SIMULATOR_PORT"]
)
def test_a_port_that_is_no_port_is_refused(variable: str, port: str) -> None:
    """Exit status 2 and a message naming the value."""
    result = develop(**{variable: port})
    assert result.returncode == 2
    assert f"Ports are numbers from 1 to 65535, not '{port}'" in result.stderr


def test_a_busy_port_is_refused_with_the_way_out(socket_enabled: None) -> None:
    """Another scripts/develop on the port: exit 1, naming the variables."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = develop(
            DEXCOM_DEVELOP_HA_PORT=port, DEXCOM_DEVELOP_SIMULATOR_PORT=free_port()
        )
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 is in use" in result.stderr
    assert "DEXCOM_DEVELOP_HA_PORT and DEXCOM_DEVELOP_SIMULATOR_PORT" in result.stderr


def test_a_configuration_outside_the_repository_is_refused(
    socket_enabled: None,
) -> None:
    """The chroot sees only the repository: exit 2 before anything starts."""
    result = develop(
        DEXCOM_DEVELOP_HA_PORT=free_port(), DEXCOM_DEVELOP_SIMULATOR_PORT=free_port()
    )
    assert result.returncode == 2
    assert "DEXCOM_DEVELOP_CONFIG must be a directory inside" in result.stderr
