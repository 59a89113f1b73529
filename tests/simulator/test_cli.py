"""The command line: option parsing and a real server process."""

import asyncio
from pathlib import Path
import signal
import socket
import sys

from aiohttp import ClientSession
import pytest

from dexcom_simulator import DEFAULT_REDIRECT_URIS, RandomStalls
from dexcom_simulator.cli import parse_config

REPO = Path(__file__).resolve().parents[2]


def test_defaults() -> None:
    """Defaults match the documented ones."""
    args, config = parse_config([])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    assert config.client_id == "dev-client-id"
    assert config.redirect_uris == DEFAULT_REDIRECT_URIS
    assert (config.delay, config.jitter, config.token_lifetime) == (3600, 60, 7200)
    assert config.clock == "real"


def test_all_options() -> None:
    """Every option lands in the config."""
    _, config = parse_config(
        [
            "--client-id", "cid",
            "--client-secret", "sec",
            "--redirect-uri", "http://a/cb",
            "--redirect-uri", "http://b/cb",
            "--delay", "10800",
            "--jitter", "5",
            "--token-lifetime", "60",
            "--seed", "9",
            "--clock", "simulated",
            "--start", "2026-11-23T10:00:00Z",
            "--stall", "2026-11-23T08:00:00Z,1800",
            "--random-stalls", "2",
            "--stall-duration", "60", "120",
            "--error-rate", "500=0.1",
            "--error-rate", "503=0.05",
            "--latency", "0.2",
            "--timeout-rate", "0.01",
            "--hang-seconds", "30",
            "--malformed-rate", "0.02",
            "--rate-limit-rate", "0.03",
            "--retry-after", "12",
            "--fault-scope", "all",
        ]
    )  # fmt: skip
    assert (config.client_id, config.client_secret) == ("cid", "sec")
    assert config.redirect_uris == ("http://a/cb", "http://b/cb")
    assert (config.delay, config.jitter, config.token_lifetime, config.seed) == (
        10800,
        5,
        60,
        9,
    )
    assert config.start is not None
    assert config.start.hour == 10
    assert config.stalls[0].duration == 1800
    assert config.random_stalls == RandomStalls(
        per_day=2, min_duration=60, max_duration=120
    )
    faults = config.faults
    assert dict(faults.error_rates) == {500: 0.1, 503: 0.05}
    assert (faults.latency, faults.timeout_rate, faults.hang_seconds) == (0.2, 0.01, 30)
    assert (faults.malformed_rate, faults.rate_limit_rate, faults.retry_after) == (
        0.02,
        0.03,
        12,
    )
    assert faults.scope == "all"


BAD_ARGV = [
    ["--error-rate", "500"],
    ["--error-rate", "500=lots"],
    ["--stall", "tomorrow"],
    ["--start", "2026-11-23T10:00:00Z"],
    ["--error-rate", "500=0.8", "--error-rate", "503=0.8"],
    ["--clock", "sometimes"],
]


def test_bad_options_exit_with_usage() -> None:
    """Bad or inconsistent options stop with a usage error."""
    for argv in BAD_ARGV:
        with pytest.raises(SystemExit) as exit_info:
            parse_config(argv)
        assert exit_info.value.code == 2, argv


async def test_server_process_serves_login_and_stops_on_sigterm(
    socket_enabled: None,
) -> None:
    """`python -m dexcom_simulator` listens, serves the login page, stops by pid."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dexcom_simulator",
        "--port",
        str(port),
        "--log-level",
        "WARNING",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(30):
            banner = (await process.stdout.readline()).decode()
        assert (
            banner.strip() == f"Dexcom simulator listening on http://127.0.0.1:{port}"
        )
        async with ClientSession() as session:
            response = await session.get(
                f"http://127.0.0.1:{port}/v2/oauth2/login",
                params={
                    "client_id": "dev-client-id",
                    "redirect_uri": DEFAULT_REDIRECT_URIS[0],
                    "response_type": "code",
                    "state": "s",
                },
            )
            assert response.status == 200
            assert 'id="user-SandboxUser7"' in await response.text()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert "Dexcom simulator stopped" in out.decode()
    assert "dev-client-secret" not in (out + err).decode()
