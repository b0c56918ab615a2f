"""Where the product's data files (resources/: demo configuration, tones, prompts) are.

A source checkout and an editable install keep them beside the package; an installed
package finds them under <prefix>/share/softphone (packaging/ puts them there).
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    beside = Path(__file__).resolve().parents[2] / "resources"
    if beside.is_dir():
        return beside
    return Path(sys.prefix) / "share" / "softphone"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
