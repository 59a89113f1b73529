"""Unusable data in Dexcom's answers: each kind logged once per entry.

Readings, alerts and events share the parser's problem kinds, so one table
says what each kind is and what becomes of it, and one log keeps a WARNING
per kind with a raw example (never a token or an id) instead of a flood.
"""

from collections.abc import Iterable
import logging
from typing import Final

from homeassistant.config_entries import ConfigEntry

from .client import ParseProblem, ProblemKind

# What each kind of unusable data is, and what becomes of it.
UNUSABLE: Final[dict[ProblemKind, tuple[str, str]]] = {
    "no_id_or_time": ("without a usable record id or time", "they are ignored"),
    "outside_window": ("dated outside the requested time window", "they are ignored"),
    "value": ("with an unusable glucose value", "the value is not shown"),
    "status": ("with an unknown status", "it is taken as unknown"),
    "trend": ("with an unknown trend", "the trend shows as unknown"),
    "trend_rate": ("with an unusable trend rate", "the rate is not shown"),
    "unit": ("with an unknown unit", "the value is read as mg/dL"),
    "alert_name": ("with an unknown alert name", "it fires as unknown"),
    "alert_state": ("with an unknown alert state", "it is taken as unknown"),
    "event_status": ("with an unknown status", "they count as entered"),
    "event_type": ("with an unknown type", "they are not shown"),
    "event_sub_type": ("with an unknown sub-type", "they are not shown"),
    "event_value": ("with an unusable value", "they are not shown"),
    "event_unit": ("with an unknown unit", "it is ignored"),
}


class UnusableLog:
    """Logs each kind of unusable data of one entry once, to the caller's logger."""

    def __init__(self, entry: ConfigEntry, logger: logging.Logger) -> None:
        """Log for this entry (named by its title) through `logger`."""
        self._entry = entry
        self._logger = logger
        self._logged: set[tuple[str, str]] = set()

    def log(self, records: str, problems: Iterable[ParseProblem]) -> None:
        """Log the kinds not logged before; `records` names them, e.g. "reading(s)"."""
        for problem in problems:
            if (records, problem.kind) in self._logged:
                continue
            self._logged.add((records, problem.kind))
            what, outcome = UNUSABLE[problem.kind]
            self._logger.warning(
                "%s: Dexcom sent %d %s %s (for example %s); %s (logged once)",
                self._entry.title,
                problem.count,
                records,
                what,
                problem.example,
                outcome,
            )
