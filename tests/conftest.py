"""Shared fixtures: small audio files written on the fly, and one real snakemake run of a tiny demo."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import yaml


def write_tone(path, seconds: float, sample_rate: int = 44100, frequency: float = 440.0, amplitude: float = 0.3,
               noise: float = 0.05, seed: int = 0, fmt: str | None = None):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    signal = amplitude * np.sin(2 * np.pi * frequency * t) + noise * rng.standard_normal(t.size)
    sf.write(path, signal.astype(np.float32), sample_rate, format=fmt)
    return path


# --------------------------------------------------------------------------- system packages

# Tests install Debian packages (Slurm, Chromium) only when this is set (.ci/run sets it): on a
# researcher's workstation, `make test` as root must not change the system.
INSTALL_PACKAGES_VARIABLE = "MUSICLUST_TEST_INSTALL_PACKAGES"


def apt_install_or_skip(packages: list[str], missing: Callable[[], list[str]], what: str) -> None:
    """Install Debian's ``packages`` with apt-get when ``missing()`` names programs that are not
    there and the environment allows it; skip the test, saying why and how, when it does not."""
    absent = missing()
    if not absent:
        return
    why = f"{what} is not installed ({', '.join(absent)} missing)"
    if os.environ.get(INSTALL_PACKAGES_VARIABLE) != "1":
        pytest.skip(f"{why}; set {INSTALL_PACKAGES_VARIABLE}=1 to let the tests install Debian's "
                    f"{' '.join(packages)} with apt-get as root (.ci/run does), or install them yourself")
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip(f"{why} and installing it needs root")
    if shutil.which("apt-get") is None:
        pytest.skip(f"{why} and there is no apt-get to install Debian's {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    for command in (["apt-get", *lock, "update", "-qq"],
                    ["apt-get", *lock, "install", "-y", "-qq", "--no-install-recommends", *packages]):
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
    assert not missing(), f"still missing after apt-get install: {missing()}"


@pytest.fixture
def tone(tmp_path):
    """A factory of MP3 tones in a temporary folder."""

    def make(name="tone.mp3", **kwargs):
        return write_tone(tmp_path / name, **{"seconds": 8.0, **kwargs})

    return make


# --------------------------------------------------------------------------- workflow runs

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")

def tiny_config() -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["datasets"]["demo"]["demo"].update(n_genres=6, tracks_per_genre=4, clip_seconds=8.0, n_broken=3)
    config["features"]["shard_size"] = 16
    config["features"]["threads"] = 1
    config["seeds"] = [0]
    for spec in config["representations"].values():
        if "training" in spec:
            spec["training"].update(epochs=2, batch_size=8)
        if "pretrain_epochs" in spec.get("arch", {}):
            spec["arch"]["pretrain_epochs"] = 1
    config["representations"]["beta_vae_mfcc2d"]["betas"] = [0.5, 4]
    config["representations"]["beta_vae_mfcc"]["betas"] = [4]
    # The third task's "CVAE + Text (Hybrid)": a hybrid must carry its part's † (saw_labels).
    config["representations"]["hybrid_cvae_metadata"] = {"family": "hybrid_concat",
                                                         "parts": ["cvae_mel", "pca_text_metadata"]}
    return config


def snakemake(workdir: Path, config: dict, *args: str) -> subprocess.CompletedProcess:
    config_path = workdir / "config.yaml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    command = [str(SNAKEMAKE), "-s", str(ROOT / "Snakefile"), "--directory", str(workdir),
               "--configfile", str(config_path), "--cores", "2", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


def planned_jobs(workdir: Path, config: dict, *targets: str) -> Counter:
    """Jobs per rule that a dry run plans (Snakemake's "Job stats" table)."""
    result = snakemake(workdir, config, "--dry-run", *targets)
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    if "Nothing to be done" in output:
        return Counter()
    stats = output[output.index("Job stats:"):]
    counts = Counter()
    for line in stats.splitlines()[3:]:
        match = re.match(r"^(\w+)\s+(\d+)\s*$", line.strip())
        if not match:
            break
        if match.group(1) != "total":
            counts[match.group(1)] = int(match.group(2))
    return counts


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("workflow")
    config = tiny_config()
    result = snakemake(workdir, config)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return workdir, config
