"""The conda environments list the same packages, at the same versions, as pyproject.toml."""

from __future__ import annotations

import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from .conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def requirements(lines) -> dict[str, str]:
    parsed = [Requirement(line) for line in lines]
    return {canonicalize_name(r.name): str(r.specifier) for r in parsed}


def environment(name: str) -> tuple[str | None, dict[str, str]]:
    """The python pin and the pip packages of envs/{name}.yaml."""
    spec = yaml.safe_load((ROOT / "envs" / f"{name}.yaml").read_text())
    python, pip, conda = None, {}, []
    for entry in spec["dependencies"]:
        if isinstance(entry, dict):
            pip.update(requirements(entry["pip"]))
        elif entry.split("=")[0].strip() == "python":
            python = entry.split("=", 1)[1].lstrip("=")
        elif entry != "pip":
            conda.append(entry)
    assert not conda, f"envs/{name}.yaml: conda packages {conda} are not in pyproject.toml; list them under pip"
    return python, pip


@pytest.mark.parametrize("name, extras", [("musiclust", []), ("workflow", ["slurm"])])
def test_environment_matches_pyproject(name, extras):
    expected = requirements(PYPROJECT["dependencies"])
    for extra in extras:
        expected.update(requirements(PYPROJECT["optional-dependencies"][extra]))
    python, packages = environment(name)
    assert packages == expected, {
        "missing from the env": sorted(set(expected) - set(packages)),
        "not in pyproject.toml": sorted(set(packages) - set(expected)),
        "different versions": {k: (packages[k], expected[k]) for k in set(packages) & set(expected)
                               if packages[k] != expected[k]},
    }
    assert python and SpecifierSet(PYPROJECT["requires-python"]).contains(python + ".0"), python


def test_every_env_is_checked():
    assert {p.stem for p in (ROOT / "envs").glob("*.yaml")} == {"musiclust", "workflow"}


def test_workflow_env_drives_slurm():
    """The driver env has what `snakemake --profile profiles/slurm` needs: snakemake and the plugin."""
    _, packages = environment("workflow")
    assert {"snakemake", "snakemake-executor-plugin-slurm"} <= set(packages)
    profile = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())
    assert profile["executor"] == "slurm"


def test_no_deps_requirements_reach_every_environment():
    """pyproject's no-deps requirements (the musicnn wheel, whose declared tensorflow and
    numpy<1.17 must not be installed): `make venv` installs them with --no-deps, and so does
    the conda environment's post-deploy script; the musicnn feature names the same pin."""
    from musiclust.features.pretrained.musicnn_weights import WHEEL

    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["musiclust"]["no-deps-requirements"]
    assert WHEEL in pins
    makefile = (ROOT / "Makefile").read_text()
    assert "--no-deps $$($(BIN)/python -c \"$$NO_DEPS_REQUIREMENTS\")" in makefile
    assert '["tool"]["musiclust"]["no-deps-requirements"]' in makefile
    script = (ROOT / "envs" / "musiclust.post-deploy.sh").read_text()
    assert f"pip install --no-deps {' '.join(pins)}" in script
    for name in pins:
        assert canonicalize_name(Requirement(name).name) not in requirements(PYPROJECT["dependencies"])
