"""Autoencoder family: shapes, losses, conditioning, trainer reproducibility/resume/divergence."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from musiclust.models import (
    FAMILIES,
    TrainConfig,
    TrainingDiverged,
    build_model,
    disentanglement,
    encode,
    get_family,
    kl_divergence,
    kl_per_dim,
    load_checkpoint,
    load_model,
    train,
    vae_loss,
)
import musiclust
from musiclust.models import CheckpointError, TrainingLocked
from musiclust.models import trainer as trainer_module
from musiclust.models.collapse import active_dimensions
from musiclust.models.stopping import stopping_state

SMALL_CONV = {"channels": [4, 8, 8, 16], "latent_dim": 8}
SMALL_MLP = {"hidden": [32, 16], "latent_dim": 4}


def _images(n: int = 16, shape: tuple[int, ...] = (1, 20, 128), seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, *shape)).astype(np.float32)


def _config(**overrides: object) -> TrainConfig:
    # Fixed epochs on every row (the trainer's plain path); the early-stopping tests ask for theirs.
    settings = {"epochs": 2, "batch_size": 4, "seed": 0, "device": "cpu", "threads": 1, "free_bits": 0.0,
                "holdout_fraction": 0.0, "early_stopping": False}
    settings.update(overrides)
    return TrainConfig(**settings)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- shapes


@pytest.mark.parametrize("family", ["conv_vae", "cvae", "conv_ae"])
@pytest.mark.parametrize("shape", [(1, 20, 128), (20, 128), (1, 32, 64), (2, 17, 30)])
def test_conv_families_reconstruct_input_shape(family: str, shape: tuple[int, ...]) -> None:
    n_classes = 3 if family == "cvae" else None
    model = build_model(family, shape, n_classes, SMALL_CONV)
    x = torch.randn(3, *shape)
    labels = torch.tensor([0, 1, 2]) if family == "cvae" else None
    output = model(x, labels)
    assert output.reconstruction.shape == x.shape
    assert output.mu.shape == (3, 8)
    assert (output.logvar is None) == (family == "conv_ae")
    if output.logvar is not None:
        assert output.logvar.shape == (3, 8)


@pytest.mark.parametrize("kernel_size", [3, 4])
def test_conv_vae_default_channels_on_log_mel(kernel_size: int) -> None:
    model = build_model("conv_vae", (1, 128, 256), None, {"kernel_size": kernel_size})
    x = torch.randn(2, 1, 128, 256)
    with torch.no_grad():
        assert model.encoder.feature_map(x).shape == (2, 128, 8, 16)  # the study's bottleneck
        output = model(x)
    assert output.reconstruction.shape == (2, 1, 128, 256)
    assert output.mu.shape == output.logvar.shape == (2, 32)


def test_conv_vae_pads_mfcc_images_and_crops_back() -> None:
    model = build_model("conv_vae", (1, 20, 128), None, {})
    assert (model.encoder.padded_height, model.encoder.padded_width) == (32, 128)
    assert model.encoder.feature_shape == (128, 2, 8)
    assert model.decode(torch.zeros(2, 32)).shape == (2, 1, 20, 128)


def test_mlp_vae_shapes_and_asymmetric_decoder() -> None:
    model = build_model("vae", (40,), None, {})
    output = model(torch.randn(5, 40))
    assert output.reconstruction.shape == (5, 40) and output.mu.shape == (5, 32)
    study_one = build_model("vae", (768,), None, {"hidden": [256, 128], "decoder_hidden": [256], "latent_dim": 16})
    assert study_one(torch.randn(2, 768)).reconstruction.shape == (2, 768)
    assert [m.out_features for m in study_one.decoder if isinstance(m, torch.nn.Linear)] == [256]


def test_registry_rejects_unknown_family_unsuitable_input_and_options() -> None:
    with pytest.raises(ValueError, match="known: vae, conv_vae, cvae, conv_ae"):
        get_family("gan")
    with pytest.raises(ValueError, match="'vae' family"):
        build_model("conv_vae", (40,), None, {})
    with pytest.raises(ValueError, match="flatten"):
        build_model("vae", (1, 20, 128), None, {})
    with pytest.raises(ValueError, match="unknown architecture option"):
        build_model("conv_vae", (1, 20, 128), None, {"chanels": [4]})
    with pytest.raises(ValueError, match="n_classes"):
        build_model("cvae", (1, 20, 128), None, {})
    assert FAMILIES["cvae"].conditional and FAMILIES["cvae"].default_beta == 0.5
    assert not FAMILIES["conv_ae"].variational
    assert FAMILIES["vae"].input_ranks == (1,)


# --------------------------------------------------------------------------- losses


def test_kl_of_known_gaussians() -> None:
    zero = torch.zeros(4, 3)
    assert torch.equal(kl_per_dim(zero, zero), torch.zeros(4, 3))
    mu = torch.tensor([[1.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(2.0)]])
    # KL(N(1,1)||N(0,1)) = 0.5; KL(N(0,2)||N(0,1)) = 0.5 * (2 - 1 - ln 2)
    expected = torch.tensor([[0.5, 0.5 * (1.0 - math.log(2.0))]])
    assert torch.allclose(kl_per_dim(mu, logvar), expected)
    assert math.isclose(kl_divergence(mu, logvar).item(), 0.5 + 0.5 * (1 - math.log(2.0)), rel_tol=1e-6)


def test_beta_scales_the_kl_term_only() -> None:
    generator = torch.Generator().manual_seed(0)
    x, x_hat = torch.randn(4, 10, generator=generator), torch.randn(4, 10, generator=generator)
    mu, logvar = torch.randn(4, 3, generator=generator), torch.randn(4, 3, generator=generator)
    at_zero = vae_loss(x_hat, x, mu, logvar, beta=0.0)
    assert torch.equal(at_zero.total, at_zero.reconstruction)
    # The default is the per-track ELBO: squared error summed over a track's elements.
    assert torch.isclose(at_zero.reconstruction, ((x_hat - x) ** 2).sum(dim=1).mean())
    element_mean = vae_loss(x_hat, x, mu, logvar, beta=0.0, reconstruction="mean")
    assert torch.isclose(element_mean.reconstruction, ((x_hat - x) ** 2).mean())
    one, four = vae_loss(x_hat, x, mu, logvar, 1.0), vae_loss(x_hat, x, mu, logvar, 4.0)
    assert torch.isclose(four.total - four.reconstruction, 4 * (one.total - one.reconstruction))
    deterministic = vae_loss(x_hat, x, mu, None, 4.0)
    assert deterministic.kl.item() == 0.0 and torch.equal(deterministic.total, deterministic.reconstruction)


def test_history_loss_is_reconstruction_plus_beta_kl(tmp_path: Path) -> None:
    result = train("conv_vae", SMALL_CONV, _images(), None, _config(beta=4.0), tmp_path / "b.pt", progress=False)
    history = result.history
    assert list(history.columns) == list(trainer_module.HISTORY_COLUMNS)
    assert np.allclose(history["loss"], history["reconstruction"] + 4.0 * history["kl"], rtol=1e-5)
    assert (history["beta"] == 4.0).all()
    floored = train("conv_vae", SMALL_CONV, _images(), None, _config(beta=4.0, free_bits=5.0), None, progress=False)
    # The loss optimised counts each of the 8 dimensions' KL as at least 5 nats; the KL reported is the true one.
    assert (floored.history["loss"] >= floored.history["reconstruction"] + 4.0 * 8 * 5.0 - 1e-3).all()
    assert (floored.history["kl"] < 8 * 5.0).all()


# --------------------------------------------------------------------------- conditioning


def test_cvae_decoder_depends_on_label() -> None:
    torch.manual_seed(0)
    model = build_model("cvae", (1, 20, 128), 4, SMALL_CONV).eval()
    assert model.embedding.embedding_dim == 16 and model.embedding.num_embeddings == 4
    z = torch.randn(2, 8)
    with torch.no_grad():
        a = model.decode(z, torch.tensor([0, 0]))
        b = model.decode(z, torch.tensor([1, 1]))
        assert not torch.allclose(a, b)
        x = torch.randn(2, 1, 20, 128)
        mu_no_label, _ = model.encode(x)  # the study's encoder does not see the label
        mu_label, _ = model.encode(x, torch.tensor([3, 3]))
        assert torch.equal(mu_no_label, mu_label)
    with pytest.raises(ValueError, match="labels"):
        model.decode(z)


def test_cvae_condition_encoder_option() -> None:
    torch.manual_seed(0)
    model = build_model("cvae", (1, 20, 128), 3, {**SMALL_CONV, "condition_encoder": True}).eval()
    x = torch.randn(2, 1, 20, 128)
    with torch.no_grad():
        assert not torch.allclose(model.encode(x, torch.tensor([0, 0]))[0], model.encode(x, torch.tensor([2, 2]))[0])
    with pytest.raises(ValueError, match="labels"):
        model.encode(x)


def test_cvae_training_needs_labels_and_maps_them(tmp_path: Path) -> None:
    data = _images()
    with pytest.raises(ValueError, match="labels"):
        train("cvae", SMALL_CONV, data, None, _config(), tmp_path / "c.pt", progress=False)
    genres = np.array(["rock", "folk", "pop", "hiphop"] * 4)
    result = train("cvae", SMALL_CONV, data, genres, _config(epochs=1), tmp_path / "c.pt", progress=False)
    assert result.classes.tolist() == ["folk", "hiphop", "pop", "rock"]
    assert result.model.n_classes == 4
    assert result.mu.shape == (16, 8) and result.logvar.shape == (16, 8)


# --------------------------------------------------------------------------- trainer


def test_same_seed_gives_identical_latents_and_other_seed_differs(tmp_path: Path) -> None:
    data = _images()
    first = train("conv_vae", SMALL_CONV, data, None, _config(), tmp_path / "a.pt", progress=False)
    second = train("conv_vae", SMALL_CONV, data, None, _config(), tmp_path / "b.pt", progress=False)
    other = train("conv_vae", SMALL_CONV, data, None, _config(seed=1), tmp_path / "c.pt", progress=False)
    assert np.array_equal(first.mu, second.mu) and np.array_equal(first.logvar, second.logvar)
    assert np.array_equal(first.history["loss"], second.history["loss"])
    assert not np.array_equal(first.mu, other.mu)
    assert first.mu.dtype == np.float32 and first.mu.shape == (16, 8)
    kl = first.active_dimensions().kl_per_dim
    assert kl.shape == (8,) and (kl >= 0).all()


def test_result_latents_match_encode_in_input_order(tmp_path: Path) -> None:
    data = _images()
    result = train("conv_vae", SMALL_CONV, data, None, _config(epochs=1), tmp_path / "a.pt", progress=False)
    mu, logvar = encode(result.model, data[::-1].copy(), None, batch_size=5, device="cpu")
    assert np.allclose(mu[::-1], result.mu, atol=1e-6) and np.allclose(logvar[::-1], result.logvar, atol=1e-6)
    expected_kl = (-0.5 * (1 + result.logvar - result.mu**2 - np.exp(result.logvar))).mean(axis=0)
    assert np.allclose(result.active_dimensions().kl_per_dim, expected_kl, atol=1e-6)


class _Killed(Exception):
    pass


def _kill_after_epoch(epoch: int):
    def log(message: str) -> None:
        if f" epoch {epoch}/" in message:
            raise _Killed(message)
    return log


def test_resume_after_kill_gives_uninterrupted_latents(tmp_path: Path) -> None:
    data = _images()
    reference = train("conv_vae", SMALL_CONV, data, None, _config(epochs=3), tmp_path / "ref.pt", progress=False)
    checkpoint = tmp_path / "killed.pt"
    with pytest.raises(_Killed):
        train("conv_vae", SMALL_CONV, data, None, _config(epochs=3), checkpoint, log=_kill_after_epoch(1), progress=False)
    saved = load_checkpoint(checkpoint)
    assert saved["epoch"] == 1 and not saved["finished"]
    messages: list[str] = []
    resumed = train("conv_vae", SMALL_CONV, data, None, _config(epochs=3), checkpoint, log=messages.append, progress=False)
    assert resumed.resumed_from_epoch == 1 and resumed.epochs_run == 2
    assert any("resuming" in m for m in messages)
    assert np.array_equal(resumed.mu, reference.mu) and np.array_equal(resumed.logvar, reference.logvar)
    assert np.array_equal(resumed.history["loss"], reference.history["loss"])


def test_more_epochs_continue_a_finished_shorter_run(tmp_path: Path) -> None:
    data = _images()
    reference = train("vae", SMALL_MLP, data[:, 0, 0, :40], None, _config(epochs=2), tmp_path / "ref.pt", progress=False)
    checkpoint = tmp_path / "grow.pt"
    train("vae", SMALL_MLP, data[:, 0, 0, :40], None, _config(epochs=1), checkpoint, progress=False)
    assert load_checkpoint(checkpoint)["finished"]
    grown = train("vae", SMALL_MLP, data[:, 0, 0, :40], None, _config(epochs=2), checkpoint, progress=False)
    assert grown.resumed_from_epoch == 1 and np.array_equal(grown.mu, reference.mu)


def test_finished_checkpoint_is_reused_and_changed_config_retrains(tmp_path: Path) -> None:
    data = _images()
    checkpoint = tmp_path / "m.pt"
    first = train("conv_vae", SMALL_CONV, data, None, _config(), checkpoint, progress=False)
    messages: list[str] = []
    again = train("conv_vae", SMALL_CONV, data, None, _config(), checkpoint, log=messages.append, progress=False)
    assert again.epochs_run == 0 and np.array_equal(again.mu, first.mu)
    assert len(again.history) == 2 and any("encoding only" in m for m in messages)
    messages.clear()
    changed = train("conv_vae", SMALL_CONV, data, None, _config(learning_rate=1e-2), checkpoint,
                    log=messages.append, progress=False)
    assert changed.resumed_from_epoch == 0 and changed.epochs_run == 2
    assert any("from scratch" in m and "learning_rate" in m for m in messages)
    model, saved = load_model(checkpoint)
    assert saved["config"]["learning_rate"] == 1e-2 and saved["finished"]
    assert np.allclose(encode(model, data, None, 8, "cpu")[0], changed.mu, atol=1e-6)


def test_the_thread_count_is_part_of_a_models_identity(tmp_path: Path) -> None:
    """Torch's CPU reductions depend on the thread count, so a checkpoint of another count is
    neither resumed nor reused, and the count is recorded with the model."""
    vectors = _images()[:, 0, 0, :40]
    checkpoint = tmp_path / "m.pt"
    train("vae", SMALL_MLP, vectors, None, _config(epochs=1), checkpoint, progress=False)
    messages: list[str] = []
    other = train("vae", SMALL_MLP, vectors, None, _config(epochs=2, threads=2), checkpoint, log=messages.append,
                  progress=False)
    assert other.resumed_from_epoch == 0 and other.epochs_run == 2
    assert any("from scratch" in m and "threads 1 → 2" in m for m in messages), messages
    assert load_checkpoint(checkpoint)["config"]["threads"] == 2


def test_checkpoint_contents(tmp_path: Path) -> None:
    checkpoint = tmp_path / "sub" / "m.pt"
    train("conv_vae", SMALL_CONV, _images(), None, _config(epochs=1), checkpoint, model_name="mels_conv_vae",
          progress=False)
    saved = load_checkpoint(checkpoint)
    for key in ("model_state", "optimizer_state", "epoch", "history", "rng", "family", "arch", "config",
                "input_shape", "n_classes", "finished"):
        assert key in saved
    assert set(saved["rng"]) == {"python", "numpy", "torch_cpu", "torch_cuda", "shuffle"}
    assert saved["arch"]["channels"] == [4, 8, 8, 16] and saved["arch"]["kernel_size"] == 4
    assert saved["input_shape"] == [1, 20, 128] and saved["model_name"] == "mels_conv_vae"
    # No temp file left behind; the lock stays (its holder is what counts, not its existence).
    assert sorted(p.name for p in checkpoint.parent.iterdir()) == ["m.pt", "m.pt.lock"]
    assert saved["package_version"] == musiclust.__version__


def test_conv_ae_has_no_logvar_or_kl(tmp_path: Path) -> None:
    result = train("conv_ae", SMALL_CONV, _images(), None, _config(epochs=1, beta=4.0), tmp_path / "ae.pt",
                   progress=False)
    assert result.logvar is None and result.history["kl_per_dim"].isna().all()
    assert result.mu.shape == (16, 8)
    assert (result.history["kl"] == 0).all() and (result.history["loss"] == result.history["reconstruction"]).all()


def test_infinite_input_raises_training_diverged(tmp_path: Path) -> None:
    data = _images()
    data[3, 0, 5, 7] = np.inf
    checkpoint = tmp_path / "inf.pt"
    with pytest.raises(TrainingDiverged, match=r"mels_s0: training diverged at epoch 1/2") as caught:
        train("conv_vae", SMALL_CONV, data, None, _config(), checkpoint, model_name="mels_s0", progress=False)
    assert "NaN/inf" in str(caught.value) and "non-finite values 1" in str(caught.value)
    assert not checkpoint.exists()


def test_huge_learning_rate_raises_training_diverged(tmp_path: Path) -> None:
    with pytest.raises(TrainingDiverged, match=r"epoch 1/2.*learning rate too high"):
        train("conv_vae", SMALL_CONV, _images(), None, _config(learning_rate=1e30), tmp_path / "lr.pt",
              model_name="mels_s0", progress=False)


def test_divergence_in_a_later_epoch_leaves_an_unfinished_checkpoint(tmp_path: Path, monkeypatch) -> None:
    calls = {"n": 0}
    real_loss = trainer_module.vae_loss

    def loss_turning_nan(*args, **kwargs):
        calls["n"] += 1
        terms = real_loss(*args, **kwargs)
        if calls["n"] > 4:  # 16 rows / batch 4: NaN from the first batch of epoch 2
            return terms._replace(total=terms.total * float("nan"))
        return terms

    monkeypatch.setattr(trainer_module, "vae_loss", loss_turning_nan)
    checkpoint = tmp_path / "late.pt"
    with pytest.raises(TrainingDiverged, match=r"cvae_genre: training diverged at epoch 2/2"):
        train("conv_vae", SMALL_CONV, _images(), None, _config(), checkpoint, model_name="cvae_genre", progress=False)
    saved = load_checkpoint(checkpoint)
    assert saved["epoch"] == 1 and not saved["finished"]


# --------------------------------------------------------------------------- early stopping

# Noise the model overfits: its held-out negative ELBO turns up after a few epochs.
NOISE = np.random.default_rng(0).standard_normal((40, 30)).astype(np.float32)
NOISE_MLP = {"hidden": [64, 32], "latent_dim": 4}


def _early(**overrides: object) -> TrainConfig:
    return _config(**{"epochs": 60, "batch_size": 8, "learning_rate": 3e-3, "holdout_fraction": 0.25,
                      "early_stopping": True, "patience": 3, "min_steps": 0, **overrides})


def test_early_stopping_stops_and_keeps_the_best_epochs_weights(tmp_path: Path) -> None:
    checkpoint = tmp_path / "early.pt"
    result = train("vae", NOISE_MLP, NOISE, None, _early(), checkpoint, progress=False)
    heldout = result.history["heldout_neg_elbo"].to_numpy()
    best = result.stopping.best_epoch
    assert result.stopping.stopped_by == "patience" and len(heldout) == best + 3 < 60
    assert best == int(np.argmin(heldout)) + 1 and "best epoch" in result.stopping.reason
    # The latents are the best epoch's: those of a fixed run of `best` epochs (same trajectory),
    # not those of the last epoch trained.
    at_best = train("vae", NOISE_MLP, NOISE, None, _early(epochs=best, early_stopping=False), None, progress=False)
    at_last = train("vae", NOISE_MLP, NOISE, None, _early(epochs=len(heldout), early_stopping=False), None,
                    progress=False)
    assert np.array_equal(result.mu, at_best.mu) and np.array_equal(result.logvar, at_best.logvar)
    assert not np.array_equal(result.mu, at_last.mu)
    model, saved = load_model(checkpoint)
    assert saved["finished"] and saved["best_epoch"] == best and saved["stopped_by"] == "patience"
    assert np.array_equal(encode(model, NOISE, None, 8, "cpu")[0], result.mu)
    with pytest.raises(ValueError, match="holdout_fraction"):
        _early(holdout_fraction=0.0)


def test_early_stopping_resumes_bit_identically(tmp_path: Path) -> None:
    reference = train("vae", NOISE_MLP, NOISE, None, _early(), None, progress=False)
    best = reference.stopping.best_epoch
    checkpoint = tmp_path / "killed.pt"
    with pytest.raises(_Killed):  # killed after the best epoch, before training stops
        train("vae", NOISE_MLP, NOISE, None, _early(), checkpoint, log=_kill_after_epoch(best + 1), progress=False)
    assert not load_checkpoint(checkpoint)["finished"]
    resumed = train("vae", NOISE_MLP, NOISE, None, _early(), checkpoint, progress=False)
    assert resumed.resumed_from_epoch == best + 1 and resumed.stopping == reference.stopping
    assert np.array_equal(resumed.mu, reference.mu) and np.array_equal(resumed.logvar, reference.logvar)
    assert np.array_equal(resumed.history["loss"], reference.history["loss"])
    messages: list[str] = []
    again = train("vae", NOISE_MLP, NOISE, None, _early(epochs=80), checkpoint, log=messages.append, progress=False)
    assert again.epochs_run == 0 and np.array_equal(again.mu, reference.mu)
    assert any("stopped early" in m for m in messages)


# Four factors under noise, 48 training rows: in batches of 64 an epoch is one optimiser step, and
# the held-out ELBO sits on its starting plateau for the first tens of steps.
_FACTORS = np.random.default_rng(0).standard_normal((60, 4))
FOUR_FACTORS = _FACTORS @ np.random.default_rng(1).standard_normal((4, 40))
FOUR_FACTORS = FOUR_FACTORS + 0.5 * np.random.default_rng(2).standard_normal(FOUR_FACTORS.shape)
FOUR_FACTORS = ((FOUR_FACTORS - FOUR_FACTORS.mean(0)) / FOUR_FACTORS.std(0)).astype(np.float32)


def test_early_stopping_on_one_step_epochs_waits_for_min_steps() -> None:
    def run(min_steps: int):
        config = _config(epochs=150, batch_size=64, learning_rate=1e-3, holdout_fraction=0.2, early_stopping=True,
                         patience=10, min_steps=min_steps)
        return train("vae", {"hidden": [64, 32], "latent_dim": 8}, FOUR_FACTORS, None, config, None, progress=False)

    def best_heldout(result) -> float:
        return float(result.history["heldout_neg_elbo"].iloc[result.stopping.best_epoch - 1])

    hasty = run(0)  # patience alone: stopped on the plateau, before the model learnt anything
    assert hasty.stopping.stopped_by == "patience" and len(hasty.history) < 60
    patient = run(100)
    assert len(patient.history) >= 100 and patient.stopping.best_epoch > len(hasty.history)
    assert best_heldout(patient) < best_heldout(hasty) - 10  # nats a track: the factors are learnt
    assert active_dimensions(patient.mu, patient.logvar).active >= 4


def test_stopping_counts_min_epochs_and_judges_from_the_models_own_phase() -> None:
    # Best at epoch 1, worse for 14 epochs: patience alone stops at 11; min_epochs 15 goes on.
    curve = [50.0] + [60.0] * 14
    assert stopping_state(curve[:11], 100, early_stopping=True, patience=10).stopped_by == "patience"
    waiting = stopping_state(curve[:11], 100, early_stopping=True, patience=10, min_epochs=15)
    assert not waiting.finished and waiting.best_epoch == 1
    assert stopping_state(curve, 100, early_stopping=True, patience=10, min_epochs=15).stopped_by == "patience"
    # A pre-training phase (epochs 1-5, no KL in its score) is never the best, and patience and
    # min_epochs count from the first epoch after it.
    pretrained = [10.0] * 5 + [70.0, 65.0] + [66.0] * 10
    state = stopping_state(pretrained, 100, early_stopping=True, patience=10, judged_from=6)
    assert state.best_epoch == 7 and state.stopped_by == "patience"
    assert stopping_state(pretrained[:12], 100, early_stopping=True, patience=3, min_epochs=8,
                          judged_from=6).stopped_by is None  # 7 epochs of its own phase < 8
    with pytest.raises(ValueError, match="min_steps"):
        _config(min_steps=-1)


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="epochs"):
        TrainConfig(epochs=0, batch_size=4)
    with pytest.raises(ValueError, match="beta"):
        TrainConfig(epochs=1, batch_size=4, beta=-1.0)


# --------------------------------------------------------------------------- disentanglement


def test_disentanglement_on_hand_made_latents() -> None:
    rng = np.random.default_rng(0)
    independent = rng.standard_normal((20000, 4))
    stats = disentanglement(independent, kl_per_dim=np.array([0.5, 0.02, 0.005, 0.0]))
    assert stats.mean_abs_correlation < 0.02
    assert stats.active_dims_kl == 2 and stats.active_dims_variance == 4
    assert np.allclose(stats.variance_per_dim, 1.0, atol=0.05)

    column = rng.standard_normal(500)
    duplicated = np.stack([column, column], axis=1)
    assert disentanglement(duplicated).mean_abs_correlation == pytest.approx(1.0)
    negated = np.stack([column, -2 * column, rng.standard_normal(500)], axis=1)
    stats = disentanglement(negated, kl_threshold=0.1)
    assert stats.max_abs_correlation == pytest.approx(1.0)
    assert 0.3 < stats.mean_abs_correlation < 0.4  # pairs: 1, ~0, ~0
    assert stats.active_dims_kl is None

    collapsed = np.stack([column, np.full(500, 0.3), 0.01 * column + rng.standard_normal(500) * 1e-3], axis=1)
    stats = disentanglement(collapsed)
    assert stats.active_dims_variance == 1  # constant and tiny-variance dims are inactive
    assert math.isfinite(stats.mean_abs_correlation)  # the constant dim is left out of the pairs
    row = stats.as_row()
    assert row["latent_dim"] == 3 and len(row["variance_per_dim"]) == 3


# --------------------------------------------------------------------------- loss options


def test_free_bits_floor_each_dimension_but_report_the_true_kl() -> None:
    x = torch.zeros(4, 6)
    mu, logvar = torch.zeros(4, 3), torch.zeros(4, 3)  # exactly the prior: KL 0 in every dimension
    mu[:, 0] = 1.0  # dimension 0: KL 0.5 nats, above the floor
    terms = vae_loss(x, x, mu, logvar, beta=2.0, free_bits=0.2)
    assert terms.kl.item() == pytest.approx(0.5)
    assert terms.total.item() == pytest.approx(2.0 * (0.5 + 0.2 + 0.2))
    assert torch.allclose(terms.kl_per_dim, torch.tensor([0.5, 0.0, 0.0]))


def test_warmup_schedule_and_new_settings_are_validated() -> None:
    config = TrainConfig(epochs=10, batch_size=4, beta=4.0, kl_warmup_epochs=4)
    assert [config.beta_at(e) for e in (1, 2, 4, 9)] == [1.0, 2.0, 4.0, 4.0]
    assert TrainConfig(epochs=1, batch_size=1, beta=4.0).beta_at(1) == 4.0
    for bad in ({"reconstruction": "median"}, {"free_bits": -1.0}, {"holdout_fraction": 1.0}, {"kl_warmup_epochs": -1}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            TrainConfig(epochs=1, batch_size=1, **bad)


def test_holdout_is_seeded_and_left_out_of_training(tmp_path: Path) -> None:
    mask = trainer_module.holdout_mask(20, 0.25, seed=3)
    assert mask.sum() == 5 and np.array_equal(mask, trainer_module.holdout_mask(20, 0.25, seed=3))
    assert not np.array_equal(mask, trainer_module.holdout_mask(20, 0.25, seed=4))
    result = train("vae", SMALL_MLP, _images(20, (12,)), None, _config(holdout_fraction=0.25), None, progress=False)
    assert result.holdout.sum() == 5 and len(result.mu) == 20
    assert result.history["heldout_neg_elbo"].notna().all()
    assert not list(tmp_path.iterdir())  # no checkpoint path: nothing written


# --------------------------------------------------------------------------- checkpoint files


def test_truncated_foreign_and_old_checkpoints_say_which(tmp_path: Path) -> None:
    good = tmp_path / "good.pt"
    train("conv_vae", SMALL_CONV, _images(), None, _config(epochs=1), good, progress=False)
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(CheckpointError, match="truncated or corrupt.*--forcerun train_model"):
        load_checkpoint(truncated)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(3)}, foreign)
    with pytest.raises(CheckpointError, match="is not a musiclust model checkpoint"):
        load_model(foreign)
    old = load_checkpoint(good)
    old["format"] = "musiclust.models.checkpoint/1"
    del old["package_version"]
    torch.save(old, tmp_path / "old.pt")
    with pytest.raises(CheckpointError, match="format 'musiclust.models.checkpoint/1', written by musiclust an older"):
        load_model(tmp_path / "old.pt")
    mismatched = load_checkpoint(good)
    mismatched["model_state"].pop("fc_mu.weight")
    torch.save(mismatched, tmp_path / "mismatched.pt")
    with pytest.raises(CheckpointError, match="weights do not fit the 'conv_vae' model"):
        load_model(tmp_path / "mismatched.pt")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")


def test_a_second_training_into_the_same_checkpoint_stops(tmp_path: Path) -> None:
    """An orphaned trainer (its snakemake killed) holds the lock; the rerun must not write too."""
    import signal
    import subprocess
    import sys

    checkpoint = tmp_path / "state.pt"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        f"h = open({str(checkpoint) + '.lock'!r}, 'a+'); fcntl.flock(h, fcntl.LOCK_EX)\n"
        "h.seek(0); h.truncate(); h.write(f'pid {os.getpid()} on here'); h.flush()\n"
        "print('locked', flush=True); time.sleep(60)")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(TrainingLocked, match=f"pid {holder.pid} on here is already training into"):
            train("vae", SMALL_MLP, _images(8, (12,)), None, _config(epochs=1), checkpoint, model_name="m",
                  progress=False)
        assert not checkpoint.exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The kernel drops the lock with its holder, however it died.
    train("vae", SMALL_MLP, _images(8, (12,)), None, _config(epochs=1), checkpoint, progress=False)
    assert checkpoint.exists()
