"""Regenerate fixtures/dalian_2010.json from the official text in fixtures/source/.

    .venv/bin/python scripts/build_outline_fixture.py
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indicators.formats.fixture import DALIAN_2010, outline_fixture  # noqa: E402 - needs ROOT on sys.path
from indicators.formats.seed_text import read_outline  # noqa: E402 - needs ROOT on sys.path

outline = read_outline(ROOT / "fixtures" / "source" / "dalian-indicator-outline.txt")
rows = outline_fixture(outline, **DALIAN_2010)
target = ROOT / "fixtures" / "dalian_2010.json"
target.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
print(f"wrote {target.relative_to(ROOT)}: {len(rows)} objects")
