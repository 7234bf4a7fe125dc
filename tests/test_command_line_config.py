"""`snakemake --config key=value`: values inside lists and mappings arrive as text; where the
schema types them they are read as a config file reads them (musiclust.config_overrides)."""

from pathlib import Path

import pytest

from musiclust.config_overrides import coerce_overrides
from musiclust.config_validation import load_schema
from tests.conftest import planned_jobs, snakemake, tiny_config

SCHEMA = load_schema(Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml")


@pytest.mark.parametrize("given, read", [
    ({"seeds": ["0", "1", "2"]}, {"seeds": [0, 1, 2]}),  # seeds=[0,1,2]
    ({"training": {"threads": "2", "free_bits": "0.5", "learning_rate": "1e-3", "device": "cpu"}},
     {"training": {"threads": 2, "free_bits": 0.5, "learning_rate": 0.001, "device": "cpu"}}),
    ({"clustering": {"standardize": "true", "algorithms": {"kmeans": {"k": "5", "k_range": ["2", "8"]},
                                                           "dbscan": {"eps": "auto"}}}},
     {"clustering": {"standardize": True, "algorithms": {"kmeans": {"k": 5, "k_range": [2, 8]},
                                                         "dbscan": {"eps": "auto"}}}}),
    # Through `additionalProperties` and if/then branches: a dataset's and a representation's settings.
    ({"datasets": {"demo": {"kind": "demo", "demo": {"n_genres": "6", "clip_seconds": "8"}}}},
     {"datasets": {"demo": {"kind": "demo", "demo": {"n_genres": 6, "clip_seconds": 8}}}}),
    ({"representations": {"v": {"family": "vae", "features": "mfcc_stats", "betas": ["0.5", "4"],
                                "arch": {"latent_dim": "8", "hidden": ["64"]}, "training": {"epochs": "3"}}}},
     {"representations": {"v": {"family": "vae", "features": "mfcc_stats", "betas": [0.5, 4],
                                "arch": {"latent_dim": 8, "hidden": [64]}, "training": {"epochs": 3}}}}),
    # A nullable number, and a text the schema takes as text stays text.
    ({"features": {"mel": {"fmax": "null"}}}, {"features": {"mel": {"fmax": None}}}),
    ({"dataset": "2024"}, {"dataset": "2024"}),
    ({"dataset": 2024}, {"dataset": "2024"}),  # Snakemake read dataset=2024 as a number
    ({"report": {"projections": ["tsne"]}}, {"report": {"projections": ["tsne"]}}),
])
def test_text_is_read_as_the_schema_types_it(given, read):
    assert coerce_overrides(given, SCHEMA) == read


def test_what_no_reading_makes_valid_is_left_for_validation_to_name():
    assert coerce_overrides({"seeds": ["zero"], "training": {"threads": "-2"}}, SCHEMA) == \
        {"seeds": ["zero"], "training": {"threads": "-2"}}


def test_seeds_on_the_command_line_plan_a_run_per_seed(tmp_path):
    config = tiny_config()
    config["only"] = {"representations": ["pca_mfcc", "vae_mfcc"], "algorithms": ["kmeans"]}
    jobs = planned_jobs(tmp_path, config, "--config", "seeds=[0,1,2]", "training={threads: 2}")
    assert jobs["evaluate"] == 2 * 3 and jobs["train_model"] == 3, jobs
    # What no reading makes valid stops the run naming the key.
    result = snakemake(tmp_path, config, "--dry-run", "--config", "seeds=[zero]")
    assert result.returncode != 0 and "seeds.0: 'zero' is not of type 'integer'" in result.stdout + result.stderr
