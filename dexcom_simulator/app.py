"""The aiohttp application: middlewares (stats, faults) and all routes."""

from typing import TYPE_CHECKING

from aiohttp import web

from . import admin, auth_routes, data_routes
from .faults import fault_middleware
from .stats import stats_middleware

if TYPE_CHECKING:
    from .simulator import Simulator


def create_app(simulator: Simulator) -> web.Application:
    """Build the web application serving `simulator`.

    Stats wrap faults so injected failures are counted like real answers; on
    shutdown the hangs are released first so the server stops promptly.
    """
    app = web.Application(
        middlewares=[
            stats_middleware(simulator.stats),
            fault_middleware(simulator.faults),
        ]
    )
    auth_routes.add_routes(app, simulator)
    data_routes.add_routes(app, simulator)
    admin.add_routes(app, simulator)

    async def on_startup(_: web.Application) -> None:
        simulator.faults.open()

    async def on_shutdown(_: web.Application) -> None:
        simulator.faults.release()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    return app
