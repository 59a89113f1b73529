"""Command-line options of `python -m dexcom_simulator` and the config they make."""

import argparse
from collections.abc import Sequence
from pathlib import Path

from .config import (
    DEFAULT_REDIRECT_URIS,
    FAULT_SCOPES,
    FaultSettings,
    RandomStalls,
    SimulatorConfig,
    Stall,
)
from .timefmt import parse_iso


def _error_rate(text: str) -> tuple[int, float]:
    status, _, rate = text.partition("=")
    try:
        return int(status), float(rate)
    except ValueError as err:
        raise argparse.ArgumentTypeError("expected STATUS=RATE, e.g. 503=0.05") from err


def _stall(text: str) -> Stall:
    start, _, duration = text.rpartition(",")
    try:
        return Stall(start=parse_iso(start), duration=float(duration))
    except ValueError as err:
        raise argparse.ArgumentTypeError(
            "expected START,SECONDS, e.g. 2026-11-23T10:00:00Z,3600"
        ) from err


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m dexcom_simulator",
        description="Local stand-in for Dexcom's OAuth2 and v3 API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--client-id", default="dev-client-id")
    parser.add_argument("--client-secret", default="dev-client-secret")
    parser.add_argument(
        "--redirect-uri",
        action="append",
        dest="redirect_uris",
        metavar="URI",
        help="registered redirect URI (repeatable; default: HA on 127.0.0.1/localhost:8123)",
    )
    parser.add_argument(
        "--delay", type=float, default=3600.0, help="data delay, seconds"
    )
    parser.add_argument(
        "--jitter", type=float, default=60.0, help="extra delay up to this, seconds"
    )
    parser.add_argument(
        "--token-lifetime", type=float, default=7200.0, help="access token seconds"
    )
    parser.add_argument("--refresh-token-lifetime", type=float, default=365 * 86400.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clock", choices=("real", "simulated"), default="real")
    parser.add_argument(
        "--start", type=parse_iso, help="simulated clock start (ISO 8601)"
    )
    parser.add_argument(
        "--history-start", type=parse_iso, help="first day with data (ISO 8601)"
    )
    stalls = parser.add_argument_group("phone offline periods")
    stalls.add_argument(
        "--stall", type=_stall, action="append", default=[], metavar="START,SECONDS"
    )
    stalls.add_argument("--random-stalls", type=float, default=0.0, metavar="PER_DAY")
    stalls.add_argument(
        "--stall-duration",
        type=float,
        nargs=2,
        default=(600.0, 14400.0),
        metavar=("MIN", "MAX"),
    )
    faults = parser.add_argument_group("fault injection")
    faults.add_argument(
        "--error-rate",
        type=_error_rate,
        action="append",
        default=[],
        metavar="STATUS=RATE",
    )
    faults.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to API calls"
    )
    faults.add_argument(
        "--timeout-rate", type=float, default=0.0, help="share of calls that hang"
    )
    faults.add_argument("--hang-seconds", type=float, default=300.0)
    faults.add_argument("--malformed-rate", type=float, default=0.0)
    faults.add_argument(
        "--rate-limit-rate", type=float, default=0.0, help="share answered 429"
    )
    faults.add_argument("--retry-after", type=int, default=60)
    faults.add_argument("--fault-scope", choices=FAULT_SCOPES, default="data")
    parser.add_argument(
        "--state-file",
        type=Path,
        metavar="PATH",
        help="keep OAuth codes and tokens in this file across restarts "
        "(default: in memory only)",
    )
    parser.add_argument("--log-level", default="INFO")
    return parser


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """Turn parsed options into a config; raises ValueError on inconsistent values."""
    if args.start is not None and args.clock != "simulated":
        raise ValueError("--start needs --clock simulated")
    random_stalls = None
    if args.random_stalls > 0:
        random_stalls = RandomStalls(
            per_day=args.random_stalls,
            min_duration=args.stall_duration[0],
            max_duration=args.stall_duration[1],
        )
    extra = {}
    if args.history_start is not None:
        extra["history_start"] = args.history_start
    return SimulatorConfig(
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=tuple(args.redirect_uris or DEFAULT_REDIRECT_URIS),
        delay=args.delay,
        jitter=args.jitter,
        token_lifetime=args.token_lifetime,
        refresh_token_lifetime=args.refresh_token_lifetime,
        seed=args.seed,
        clock=args.clock,
        start=args.start,
        stalls=tuple(args.stall),
        random_stalls=random_stalls,
        faults=FaultSettings(
            error_rates=dict(args.error_rate),
            latency=args.latency,
            timeout_rate=args.timeout_rate,
            hang_seconds=args.hang_seconds,
            malformed_rate=args.malformed_rate,
            rate_limit_rate=args.rate_limit_rate,
            retry_after=args.retry_after,
            scope=args.fault_scope,
        ),
        state_file=args.state_file,
        **extra,
    )


def parse_config(
    argv: Sequence[str] | None = None,
) -> tuple[argparse.Namespace, SimulatorConfig]:
    """Parse `argv`; exits with a usage message on bad options."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args, config_from_args(args)
    except ValueError as err:
        parser.error(str(err))
