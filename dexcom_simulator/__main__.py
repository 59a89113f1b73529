"""Run the simulator: `python -m dexcom_simulator --help`. Ctrl-C or SIGTERM stops it."""

import asyncio
from collections.abc import Sequence
import logging
import signal
import sys

from aiohttp import web

from .cli import parse_config
from .config import SimulatorConfig
from .simulator import Simulator

# Request line and status only: no headers, so no tokens or referrers in the log.
_ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs'


async def serve(config: SimulatorConfig, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM, then shut down cleanly."""
    simulator = Simulator(config)
    runner = web.AppRunner(simulator.app, access_log_format=_ACCESS_LOG_FORMAT)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        site = web.TCPSite(runner, host, port, shutdown_timeout=5.0)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        url = f"http://{bound_host}:{bound_port}"
        print(f"Dexcom simulator listening on {url}", flush=True)
        print(f"  client_id={config.client_id}", flush=True)
        for uri in config.redirect_uris:
            print(f"  redirect_uri={uri}", flush=True)
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await runner.cleanup()
    print("Dexcom simulator stopped", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args, config = parse_config(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(serve(config, args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
