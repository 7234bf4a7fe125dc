"""The README's "Use it as a library" example runs as written, on arrays, without Snakemake."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def library_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Use it as a library"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_library_example_runs_and_finds_the_clusters():
    result = subprocess.run([sys.executable, "-c", library_example()], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "of 8 latent dimensions active, collapsed: False" in result.stdout
    assert "kmeans" in result.stdout and "hdbscan" in result.stdout
    assert "held-out ELBO per track by β:" in result.stdout and "β chosen:" in result.stdout
    assert "import snakemake" not in library_example()
