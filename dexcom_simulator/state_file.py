"""A small JSON file that only its owner can read, replaced atomically on save.

`--state-file` keeps the OAuth state in one, so a restarted simulator still
knows the tokens a client holds. The file holds live tokens: mode 0600, and
log lines name the file and the problem, never its content.
"""

from collections.abc import Callable
import contextlib
import json
import logging
import os
from pathlib import Path
import tempfile
from typing import Any

_LOGGER = logging.getLogger(__name__)


class StateFormatError(ValueError):
    """Saved content without the expected shape; the message holds no values."""


class StateFile:
    """Load and save one JSON document at `path`."""

    def __init__(self, path: Path) -> None:
        """Remember the path; nothing is read until `load`."""
        self.path = path

    def load[T](self, parse: Callable[[Any], T]) -> T | None:
        """Return `parse` of the saved JSON, or None when there is nothing usable.

        A missing file is a first start; an unreadable, empty or corrupt one
        logs one warning. Neither stops the simulator: it starts empty, and the
        next save replaces the file.
        """
        try:
            return parse(self._document())
        except FileNotFoundError:
            _LOGGER.info("No saved state at %s yet; starting empty", self.path)
        except StateFormatError as err:
            _LOGGER.warning(
                "Ignoring the saved state in %s (%s); starting with no tokens",
                self.path,
                err,
            )
        return None

    def save(self, document: Any) -> None:
        """Replace the file with `document` as JSON; a failure is logged, not raised.

        The new content goes to a temporary file in the same directory, which
        then replaces the old one (os.replace): a reader, or the next start
        after a crash, sees the old or the new file, never part of one.
        mkstemp creates the temporary file with mode 0600, and the replaced
        file keeps it. There is no fsync: that would only add durability
        against power loss, which a development simulator does not need, at the
        cost of disk flushes on the event loop.
        """
        text = json.dumps(document, indent=1, sort_keys=True)
        try:
            handle, temporary = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
            )
        except OSError as err:
            self._save_failed(err)
            return
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            Path(temporary).replace(self.path)
        except OSError as err:
            with contextlib.suppress(OSError):
                Path(temporary).unlink()
            self._save_failed(err)

    def _document(self) -> Any:
        """Read and decode the file; StateFormatError with a reason free of content."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise
        except (OSError, UnicodeDecodeError) as err:
            raise StateFormatError(type(err).__name__) from err
        if not text.strip():
            raise StateFormatError("the file is empty")
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            # The message is a position (line, column), never file content.
            raise StateFormatError(str(err)) from err
        except RecursionError as err:
            raise StateFormatError("JSON nested too deeply") from err

    def _save_failed(self, err: OSError) -> None:
        _LOGGER.warning(
            "Could not save the state to %s (%s); the previous file is unchanged",
            self.path,
            err.strerror or type(err).__name__,
        )
