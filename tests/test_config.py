import copy
from pathlib import Path

import pytest
import yaml

from musiclust.config_validation import ConfigError, load_schema, validate_config

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(ROOT / "schemas" / "config.schema.yaml")


@pytest.fixture
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_shipped_config_is_valid(config):
    validate_config(config, SCHEMA)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["features"]["mel"].update(n_mels=-3), "features.mel.n_mels: -3 is less than the minimum of 1"),
        (lambda c: c.update(dataset="fma_huge"), "dataset: 'fma_huge' is not defined under datasets"),
        (lambda c: c["datasets"]["demo"].update(kind="youtube"), "datasets.demo.kind: 'youtube' is not one of the allowed values"),
        (lambda c: c["clustering"]["algorithms"]["dbscan"].update(eps=0), "clustering.algorithms.dbscan.eps"),
        (lambda c: c["clustering"]["algorithms"]["kmeans"].update(k="many"), "clustering.algorithms.kmeans.k"),
        (lambda c: c["clustering"]["algorithms"].update(spectral={}), "clustering.algorithms: Additional properties"),
        (lambda c: c["representations"]["pca_mel"].update(features="chroma"), "representations.pca_mel.features"),
        (lambda c: c["features"]["mfcc2d"].update(n_frames=200), "features.mfcc2d.n_frames: 200 frames is more than the 130"),
        (lambda c: c["datasets"].update(mine={"kind": "folder"}), "datasets.mine: 'path' is a required property"),
    ],
)
def test_bad_values_are_named(config, edit, message):
    bad = copy.deepcopy(config)
    edit(bad)
    with pytest.raises(ConfigError) as error:
        validate_config(bad, SCHEMA)
    assert message in str(error.value)
