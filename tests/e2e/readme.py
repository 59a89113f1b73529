"""The README's examples, so the test runs what a reader copies."""

import json
import re
from typing import Any

import yaml

from tests.dashboard import for_account
from tests.scripts.develop import REPO


def readme_yaml(heading: str) -> Any:
    """Return the first yaml block under the heading line `heading`, parsed."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    rest = "\n".join(lines[lines.index(heading) + 1 :])
    block = re.search(r"^```yaml\n(.*?)^```$", rest, re.MULTILINE | re.DOTALL)
    next_heading = re.search(r"^#{1,6} ", rest, re.MULTILINE)
    assert block, f"no yaml block under {heading}"
    assert not next_heading or block.start() < next_heading.start(), heading
    return yaml.safe_load(block[1])


def for_name(example: Any, slug: str) -> Any:
    """Return a copy of an example with the default name's entity ids renamed."""
    return json.loads(for_account(json.dumps(example), slug))
