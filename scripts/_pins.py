"""The pins of each Home Assistant profile, as shell assignments for scripts/setup.

Run by the environment's own Python (the interpreter is part of the hash):
python scripts/_pins.py pyproject.toml PROFILE prints `hash` (the profile's
venv is keyed on it), `hashes` (every profile's, so setup can tell a stale
venv from another profile's) and `steps` (requirement lists, installed one
after the other: the newest Home Assistant goes over the development pins,
as pytest-homeassistant-custom-component pins the minimum one).
"""

import hashlib
from pathlib import Path
import shlex
import sys
import tomllib

# Profile -> the dependency groups it installs, in this order.
PROFILES = {"minimum": ("dev",), "newest": ("dev", "newest-ha")}


def steps(groups: dict[str, list[str]], profile: str) -> list[list[str]]:
    """Return the profile's requirement lists, one pip install each."""
    return [groups[group] for group in PROFILES[profile]]


def digest(pins: list[list[str]]) -> str:
    """Return the venv key: a hash of the interpreter and of every pin."""
    text = sys.version + "\n" + "\n".join(pin for step in pins for pin in step)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def shell(pyproject: Path, profile: str) -> str:
    """Return the bash assignments of hash, hashes and steps for the profile."""
    with pyproject.open("rb") as fh:
        groups = tomllib.load(fh)["dependency-groups"]
    hashes = sorted({digest(steps(groups, name)) for name in PROFILES})
    quoted = [shlex.quote("\n".join(step)) for step in steps(groups, profile)]
    return "\n".join(
        [
            f"hash={digest(steps(groups, profile))}",
            f"hashes=({' '.join(hashes)})",
            f"steps=({' '.join(quoted)})",
        ]
    )


if __name__ == "__main__":
    print(shell(Path(sys.argv[1]), sys.argv[2]))
