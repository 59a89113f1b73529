"""The results as the Markdown table and the lag distribution."""

from collections.abc import Sequence
import math

from .measure import percentile
from .model import Result


def seconds(value: float) -> str:
    """Format a lag for the table."""
    if math.isnan(value):
        return "–"
    if value >= 600:
        return f"{value / 60:.0f} min"
    return f"{value:.0f} s"


def delay_text(delay: float) -> str:
    """Format a data delay."""
    return "0" if delay == 0 else f"{delay / 3600:g} h"


def table(results: Sequence[Result]) -> str:
    """Return the results as one Markdown table."""
    lines = [
        (
            "| Data delay | Schedule | API calls / day | Calls / new reading"
            " | Lag p50 | Lag p95 (on time) | Lag p95 (all) | Lag max"
            " | Missed readings | KiB received / day"
            " | CPU ms / update | Kept window KiB (peak)"
            " | After a 2-h stall: first new reading (max) |"
            " Calls / new reading per endpoint |"
        ),
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in results:
        cpu = sum(r.cpu_seconds) / len(r.cpu_seconds) * 1000 if r.cpu_seconds else 0
        stall = max(r.stall_lags, default=math.nan)
        lines.append(
            f"| {delay_text(r.job.scenario.delay)} | {r.job.label}"
            f" | {r.calls / r.days:.0f} | {r.calls / max(r.new_readings, 1):.2f}"
            f" | {seconds(percentile(r.lags, 0.5))}"
            f" | {seconds(percentile(r.lags_in_time, 0.95))}"
            f" | {seconds(percentile(r.lags, 0.95))}"
            f" | {seconds(max(r.lags, default=math.nan))} | {r.missed}"
            f" | {r.bytes_received / 1024 / r.days:.0f} | {cpu:.2f}"
            f" | {r.window_bytes / 1024:.0f} | {seconds(stall)}"
            f" | {per_endpoint(r)} |"
        )
    return "\n".join(lines)


def per_endpoint(result: Result) -> str:
    """Name each endpoint called with its calls per new reading."""
    readings = max(result.new_readings, 1)
    return ", ".join(
        f"{name} {count / readings:.3f}"
        for name, count in result.by_endpoint.items()
        if count
    )


def distribution(result: Result) -> str:
    """Return the lag histogram, the worst readings and the polls of one run."""
    edges = (0, 5, 10, 20, 30, 60, 120, 300, math.inf)
    counts = [
        sum(1 for lag in result.lags if low <= lag < high)
        for low, high in zip(edges, edges[1:], strict=False)
    ]
    below = sum(1 for lag in result.lags if lag < 0)
    buckets = ", ".join(
        f"{low:g}-{high:g} s: {n}"
        for (low, high, n) in zip(edges, edges[1:], counts, strict=False)
    )
    worst = "; ".join(
        f"{lag:.0f} s (taken {taken:%d %H:%M:%S}, available {avail:%d %H:%M:%S})"
        for lag, taken, avail in result.worst
    )
    sensor = ", ".join(seconds(lag) for lag in result.sensor_lags) or "–"
    stalls = ", ".join(seconds(lag) for lag in result.stall_lags) or "–"
    text = (
        f"- delay {delay_text(result.job.scenario.delay)}: {buckets}"
        f"{f', negative: {below}' if below else ''}\n"
        f"  worst: {worst}\n"
        f"  first new reading after each stall: {stalls};"
        f" after each sensor change: {sensor}"
    )
    if result.failures or result.refused:
        text += (
            f"\n  failed refreshes: {result.failures};"
            f" requests not answered 200: {result.refused}"
        )
    text += (
        f"\n  readings uploaded on time (not in a stall's backlog): p95 lag"
        f" {seconds(percentile(result.lags_in_time, 0.95))}, max"
        f" {seconds(max(result.lags_in_time, default=math.nan))}"
        f" ({len(result.lags) - len(result.lags_in_time)} backlog readings left out)"
    )
    polls = result.polls
    flowing = polls["brought readings"] + polls["early"]
    text += (
        "\n  polls: "
        + ", ".join(f"{reason} {n}" for reason, n in polls.most_common())
        + f"; while readings flow {flowing / max(polls['brought readings'], 1):.2f}"
        " calls per poll that brought readings"
    )
    if result.missed_examples:
        text += "\n  never reached the data: " + ", ".join(
            f"taken {taken:%d %H:%M}, available {avail:%d %H:%M:%S}"
            for taken, avail in result.missed_examples[:6]
        )
    return text
