"""--state-file: OAuth state survives a restart; bad files and failed saves are harmless."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
import json
import logging
import os
from pathlib import Path
import stat
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
import pytest

from dexcom_simulator import SimulatedClock, Simulator
from dexcom_simulator.cli import parse_config
from dexcom_simulator.oauth import OAuthError

from .common import REDIRECT, config, get_data, token_request, tokens

CLIENT_ID = "dev-client-id"
HOUR = timedelta(hours=1)


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    """Where the state file goes (the directory starts empty)."""
    return tmp_path / "state.json"


def start(path: Path, clock: SimulatedClock) -> Simulator:
    """Start a simulator on `path`, as a restarted process would."""
    return Simulator(config(state_file=path), now=clock)


@asynccontextmanager
async def served(simulator: Simulator) -> AsyncIterator[TestClient]:
    """Serve `simulator` on 127.0.0.1 for the duration of the block."""
    async with TestClient(TestServer(simulator.app, host="127.0.0.1")) as client:
        yield client


def warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Warnings the simulator logged."""
    return [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING
        and record.name.startswith("dexcom_simulator")
    ]


def test_state_file_option() -> None:
    """--state-file lands in the config; without it the state stays in memory."""
    assert parse_config([])[1].state_file is None
    _, parsed = parse_config(["--state-file", "config/state.json"])
    assert parsed.state_file == Path("config/state.json")


async def test_tokens_survive_a_restart(
    state_path: Path, clock: SimulatedClock, socket_enabled: None
) -> None:
    """After a restart the rotated refresh token works and the spent one does not."""
    first = start(state_path, clock)
    async with served(first) as client:
        linked = await tokens(client, "SandboxUser7")
        status, rotated = await token_request(
            client, grant_type="refresh_token", refresh_token=linked["refresh_token"]
        )
        assert status == 200, rotated

    second = start(state_path, clock)
    async with served(second) as client:
        status, _ = await get_data(
            client, rotated["access_token"], start=clock() - HOUR, end=clock()
        )
        assert status == 200
        status, body = await token_request(
            client, grant_type="refresh_token", refresh_token=linked["refresh_token"]
        )
        assert (status, body["error"]) == (400, "invalid_grant")
        status, again = await token_request(
            client, grant_type="refresh_token", refresh_token=rotated["refresh_token"]
        )
        assert status == 200, again
        status, _ = await get_data(
            client, again["access_token"], start=clock() - HOUR, end=clock()
        )
        assert status == 200


def test_revocation_and_expiry_survive_a_restart(
    state_path: Path, clock: SimulatedClock
) -> None:
    """A revoked user's tokens stay revoked; expiry times are kept, not restarted."""
    first = start(state_path, clock)
    revoked = first.issue_tokens("SandboxUser6")
    kept = first.issue_tokens("SandboxUser7")
    assert first.revoke_user("SandboxUser6") == 2
    clock.advance(3600)

    second = start(state_path, clock)
    assert second.oauth.authenticate(revoked.access_token) is None
    with pytest.raises(OAuthError, match="invalid or was already used"):
        second.oauth.refresh(revoked.refresh_token, CLIENT_ID)
    assert second.oauth.authenticate(kept.access_token) == "SandboxUser7"
    clock.advance(3601)
    assert second.oauth.authenticate(kept.access_token) is None
    assert second.oauth.token_expired(kept.access_token)


def test_pending_code_survives_a_restart(
    state_path: Path, clock: SimulatedClock
) -> None:
    """A login finished just before the restart can still be exchanged, once."""
    code = start(state_path, clock).create_code("SandboxUser3")
    second = start(state_path, clock)
    assert second.oauth.exchange_code(code, CLIENT_ID, REDIRECT).user == "SandboxUser3"
    third = start(state_path, clock)
    with pytest.raises(OAuthError, match="already used"):
        third.oauth.exchange_code(code, CLIENT_ID, REDIRECT)


def test_missing_file_starts_empty_and_is_created_owner_only(
    state_path: Path, clock: SimulatedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """No file yet (first start) is not a problem; the first change creates it 0600."""
    simulator = start(state_path, clock)
    assert not state_path.exists()
    assert warnings(caplog) == []
    simulator.issue_tokens("SandboxUser1")
    assert stat.S_IMODE(state_path.stat().st_mode) == 0o600


def test_save_makes_a_readable_file_owner_only(
    state_path: Path, clock: SimulatedClock
) -> None:
    """A file that others could read is replaced by one only the owner can."""
    state_path.write_text("")
    state_path.chmod(0o644)
    start(state_path, clock).issue_tokens("SandboxUser1")
    assert stat.S_IMODE(state_path.stat().st_mode) == 0o600
    assert json.loads(state_path.read_text())["version"] == 1


def _set(table: str, field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        for entry in document[table].values():
            entry[field] = value

    return change


def _replace(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document[key] = value

    return change


def _entries(table: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        for key in document[table]:
            document[table][key] = value

    return change


def _drop(table: str, field: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        for entry in document[table].values():
            del entry[field]

    return change


CORRUPTIONS = {
    "version": _replace("version", 2),
    "table not an object": _replace("access_tokens", []),
    "entry not an object": _entries("codes", "SandboxUser7"),
    "user not a string": _set("access_tokens", "user", None),
    "revoked not a flag": _set("refresh_tokens", "revoked", "no"),
    "time not ISO": _set("access_tokens", "expires_at", "tomorrow"),
    "naive time": _set("access_tokens", "expires_at", "2026-11-24T10:00:00"),
    "missing user": _drop("refresh_tokens", "user"),
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_malformed_state_is_ignored_whole(
    corrupt: Callable[[dict[str, Any]], None],
    state_path: Path,
    clock: SimulatedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Well-formed JSON with a bad entry: start empty, one warning, no token text."""
    first = start(state_path, clock)
    first.create_code("SandboxUser7")
    grant = first.issue_tokens("SandboxUser7")
    document = json.loads(state_path.read_text())
    corrupt(document)
    state_path.write_text(json.dumps(document))

    second = start(state_path, clock)
    assert second.oauth.authenticate(grant.access_token) is None
    with pytest.raises(OAuthError):
        second.oauth.refresh(grant.refresh_token, CLIENT_ID)
    logged = warnings(caplog)
    assert len(logged) == 1
    assert grant.access_token not in logged[0].getMessage()
    assert "tomorrow" not in logged[0].getMessage()


UNREADABLE = {
    "empty": b"",
    "blank": b" \n",
    "not JSON": b'{"version": 1, "codes": {',
    "not UTF-8": b"\xff\xfe{}",
    "a list": b"[]",
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("content", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_corrupt_file_starts_empty_with_one_warning(
    content: bytes,
    state_path: Path,
    clock: SimulatedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unusable file never stops the simulator; the next save replaces it."""
    state_path.write_bytes(content)
    simulator = start(state_path, clock)
    assert len(warnings(caplog)) == 1
    grant = simulator.issue_tokens("SandboxUser2")
    restarted = start(state_path, clock)
    assert restarted.oauth.authenticate(grant.access_token) == "SandboxUser2"
    assert len(warnings(caplog)) == 1


def test_failed_save_keeps_the_old_file(
    state_path: Path,
    clock: SimulatedClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failure mid-save leaves the previous file whole and no temporary file.

    The request that changed the state still succeeds; the next save writes
    everything, including what the failed one missed.
    """
    simulator = start(state_path, clock)
    saved = simulator.issue_tokens("SandboxUser1")
    before = state_path.read_bytes()

    def fail(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", fail)
        unsaved = simulator.issue_tokens("SandboxUser2")
    assert state_path.read_bytes() == before
    assert [path.name for path in state_path.parent.iterdir()] == [state_path.name]
    assert len(warnings(caplog)) == 1
    assert start(state_path, clock).oauth.authenticate(unsaved.access_token) is None

    simulator.issue_tokens("SandboxUser3")
    restarted = start(state_path, clock)
    assert restarted.oauth.authenticate(saved.access_token) == "SandboxUser1"
    assert restarted.oauth.authenticate(unsaved.access_token) == "SandboxUser2"


def test_without_state_file_nothing_is_written(
    tmp_path: Path, clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default keeps the state in memory only."""
    monkeypatch.chdir(tmp_path)
    Simulator(config(), now=clock).issue_tokens("SandboxUser1")
    assert list(tmp_path.iterdir()) == []
