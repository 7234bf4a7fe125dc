"""Learned representations must learn: active latent dimensions on real (demo) features.

Before the loss fix every variational model of the default config ended with 0 active
dimensions (KL ≈ 1e-3 nats): the element-mean reconstruction multiplied β by the input size.
These tests train each variational family for a few epochs on the demo's own features (from
the session's snakemake run) and count active dimensions: they fail on that loss, which is
shown by training with ``reconstruction="mean"`` beside it.
"""

from __future__ import annotations

import glob

import numpy as np
import pytest

from musiclust.representations.estimators import AutoencoderRepresentation
from musiclust.parquet_tables import read_array_shards

pytestmark = pytest.mark.workflow

SMALL_CONV = {"latent_dim": 8, "channels": [8, 16, 16, 32]}
CASES = {
    "vae on mfcc_stats": ("vae", "mfcc_stats", {"latent_dim": 8, "hidden": [64, 32]}),
    "conv_vae on mel": ("conv_vae", "mel", SMALL_CONV),
    "conv_vae on mfcc2d": ("conv_vae", "mfcc2d", SMALL_CONV),
    "cvae on mel": ("cvae", "mel", SMALL_CONV),
}


def demo_features(demo_run, kind: str) -> tuple[np.ndarray, np.ndarray]:
    workdir, _ = demo_run
    return read_array_shards(sorted(glob.glob(str(workdir / "results/demo/features" / kind / "shard-*.parquet"))), kind)


def fit(family, features, arch, **training):
    genres = np.array([f"g{i % 4}" for i in range(len(features))])
    # No free bits: these tests are about the loss itself, which a KL floor would partly mask; and
    # every epoch on every track (no early stopping), so that the last epoch's model is the one scored.
    settings = {"epochs": 20, "batch_size": 8, "beta": 1.0, "device": "cpu", "seed": 0, "free_bits": 0.0,
                "early_stopping": False, "holdout_fraction": 0.0, **training}
    return AutoencoderRepresentation(family, arch=arch, **settings).fit(features, genres)


@pytest.mark.parametrize("case", list(CASES))
def test_variational_families_use_their_latent_dimensions(demo_run, case):
    family, kind, arch = CASES[case]
    _, features = demo_features(demo_run, kind)
    model = fit(family, features, arch)
    assert model.active_dims_.active >= 4, model.active_dims_.as_info()
    assert not model.collapsed_


def test_the_element_mean_loss_collapses_and_is_reported(demo_run, caplog):
    """The old loss, kept by name: the check above would fail on it, and the report says so."""
    _, features = demo_features(demo_run, "mel")
    model = fit("conv_vae", features, SMALL_CONV, reconstruction="mean")
    assert model.active_dims_.active < 2 and model.collapsed_
    assert "posterior collapse: 0 of 8 latent dimensions active" in caplog.text
    assert "kl_warmup_epochs" in caplog.text  # the message names the remedies


def test_held_out_elbo_is_what_it_claims(demo_run):
    """The recorded score is the final model's on exactly the held-out tracks, which it never saw."""
    import torch

    from musiclust.models.trainer import heldout_scores, holdout_mask

    _, features = demo_features(demo_run, "mfcc_stats")
    model = fit("vae", features, CASES["vae on mfcc_stats"][2], holdout_fraction=0.25, epochs=10)
    last = model.history_.iloc[-1]
    mask = holdout_mask(len(features), 0.25, seed=0)
    inputs = torch.from_numpy(model._inputs(features, fit=False)[mask])
    again = heldout_scores(model.model_, inputs, None, 8, torch.device("cpu"), seed=0 * 100_003 + 10)
    assert again["heldout_neg_elbo"] == pytest.approx(last["heldout_neg_elbo"], rel=1e-5)
    other = torch.from_numpy(model._inputs(features, fit=False)[~mask][: mask.sum()])
    # Tracks it trained on reconstruct better than the held-out ones.
    assert heldout_scores(model.model_, other, None, 8, torch.device("cpu"), seed=1)["heldout_reconstruction"] \
        < again["heldout_reconstruction"]
    assert len(model.latents_) == len(features)  # held-out tracks are still encoded


def test_kl_warmup_ramps_beta_in_the_history(demo_run):
    _, features = demo_features(demo_run, "mfcc_stats")
    model = fit("vae", features, CASES["vae on mfcc_stats"][2], epochs=4, beta=2.0, kl_warmup_epochs=4)
    assert model.history_["beta"].tolist() == [0.5, 1.0, 1.5, 2.0]
