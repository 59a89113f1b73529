"""SIGTERM stops scripts/develop cleanly: no process, port or mount is left.

It needs a full start of Home Assistant and the simulator (about a minute),
so it runs with the browser tests (scripts/e2e), not in the normal suite. The
mounts are the ones this environment sees: scripts/run's own bind mounts live
in a private mount namespace, so the host never sees them anyway.
"""

from collections.abc import Generator

import pytest

from .develop import Develop, free_port, listening, mount_points

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No Home Assistant test instance: this test starts a real one."""


@pytest.fixture
def develop() -> Generator[Develop]:
    """Prepare scripts/develop on free ports; kill it if a check fails before its stop."""
    develop = Develop("develop_stop", free_port(), free_port())
    yield develop
    if develop.process and develop.process.poll() is None:
        develop.kill()


def test_sigterm_stops_the_stack_and_leaves_nothing(develop: Develop) -> None:
    """Exit status 143 after "Stopped.", nothing running, ports closed, no new mount."""
    mounts_before = mount_points()
    develop.start(timeout=600)
    assert listening(develop.ha_port)
    assert listening(develop.simulator_port)
    assert len(develop.leftovers()) > 2, "the stack's processes are found while it runs"

    assert develop.stop(timeout=150) == 143, develop.log()
    assert develop.log().rstrip().endswith("Stopped."), develop.log()
    assert develop.leftovers() == [], "processes of the stack still running"
    assert not listening(develop.ha_port)
    assert not listening(develop.simulator_port)
    assert mount_points() == mounts_before
