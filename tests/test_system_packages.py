"""The suite installs Debian packages (Slurm, Chromium) only when asked: MUSICLUST_TEST_INSTALL_PACKAGES=1,
which .ci/run sets; otherwise a test that needs them skips, naming the variable."""

import subprocess
from pathlib import Path

import pytest

from tests.conftest import INSTALL_PACKAGES_VARIABLE, apt_install_or_skip


def test_without_the_variable_nothing_is_installed(monkeypatch):
    monkeypatch.delenv(INSTALL_PACKAGES_VARIABLE, raising=False)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail(f"ran {a}"))
    with pytest.raises(pytest.skip.Exception, match=f"{INSTALL_PACKAGES_VARIABLE}=1 to let the tests install "
                                                    "Debian's slurmd munge"):
        apt_install_or_skip(["slurmd", "munge"], lambda: ["slurmd"], "SLURM")


def test_present_programs_need_no_install(monkeypatch):
    monkeypatch.setenv(INSTALL_PACKAGES_VARIABLE, "1")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail(f"ran {a}"))
    apt_install_or_skip(["chromium"], lambda: [], "Chromium")


def test_ci_asks_for_installs():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert f"export {INSTALL_PACKAGES_VARIABLE}=1" in ci.split("\nmake test")[0]
