"""scripts/_pins.py: what each Home Assistant profile installs, and its venv key.

scripts/setup keys a venv on the profile's hash and deletes every venv whose
name is not among `hashes`, so these decide which venv is rebuilt and which is
kept.
"""

import json
from pathlib import Path
import subprocess
import sys

import pytest

ROOT = Path(__file__).parent.parent.parent
PINS = ROOT / "scripts" / "_pins.py"
ENV = ROOT / "scripts" / "_env.sh"

DEV = ["a==1", 'b==2; python_version >= "3.14"']
NEWEST = ["a==3"]


def pyproject(tmp_path: Path, dev: list[str], newest: list[str]) -> Path:
    """Write a pyproject.toml with these two dependency groups."""
    path = tmp_path / "pyproject.toml"
    path.write_text(
        f"[dependency-groups]\ndev = {json.dumps(dev)}\n"
        f"newest-ha = {json.dumps(newest)}\n"
    )
    return path


def evaluate(path: Path, profile: str) -> tuple[str, list[str], list[str]]:
    """Return hash, hashes and steps as bash has them after `eval`."""
    script = (
        f'eval "$("{sys.executable}" "{PINS}" "{path}" {profile})"\n'
        "printf '%s\\0' \"$hash\"; printf '\\x1e'\n"
        "printf '%s\\0' \"${hashes[@]}\"; printf '\\x1e'\n"
        "printf '%s\\0' \"${steps[@]}\"\n"
    )
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True
    )
    digest, hashes, steps = (
        record.split("\0")[:-1] for record in result.stdout.split("\x1e")
    )
    return digest[0], hashes, steps


def test_minimum_installs_the_dev_pins(tmp_path: Path) -> None:
    """One pip install of the dev group, pins with quotes and all."""
    _, _, steps = evaluate(pyproject(tmp_path, DEV, NEWEST), "minimum")
    assert steps == ["\n".join(DEV)]


def test_newest_installs_its_pins_over_the_dev_pins(tmp_path: Path) -> None:
    """The dev group first, then newest-ha, which wins where both pin a package."""
    _, _, steps = evaluate(pyproject(tmp_path, DEV, NEWEST), "newest")
    assert steps == ["\n".join(DEV), "\n".join(NEWEST)]


def test_each_profile_has_its_own_venv_and_both_are_kept(tmp_path: Path) -> None:
    """Two hashes, each profile's own, and both are the ones to keep."""
    path = pyproject(tmp_path, DEV, NEWEST)
    minimum, kept, _ = evaluate(path, "minimum")
    newest, kept_too, _ = evaluate(path, "newest")
    assert minimum != newest
    assert sorted(kept) == sorted(kept_too) == sorted([minimum, newest])


@pytest.mark.parametrize(
    ("dev", "newest", "changed"),
    [
        ([*DEV, "c==1"], NEWEST, {"minimum", "newest"}),
        (DEV, ["a==4"], {"newest"}),
    ],
)
def test_new_pins_change_the_hash_of_the_profiles_they_reach(
    tmp_path: Path, dev: list[str], newest: list[str], changed: set[str]
) -> None:
    """A dev pin rebuilds both venvs; a newest-ha pin only the newest's."""
    profiles = ("minimum", "newest")
    before = {p: evaluate(pyproject(tmp_path, DEV, NEWEST), p)[0] for p in profiles}
    after = {p: evaluate(pyproject(tmp_path, dev, newest), p)[0] for p in profiles}
    assert {p for p in profiles if before[p] != after[p]} == changed


def test_an_unknown_profile_is_refused() -> None:
    """Every script sources _env.sh, which stops with status 2 and the choices."""
    result = subprocess.run(
        ["bash", "-c", f'source "{ENV}"; echo reached'],
        env={"DEXCOM_OAUTH_HA": "latest", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "reached" not in result.stdout
    assert "is 'minimum' (the default) or 'newest', not 'latest'" in result.stderr
