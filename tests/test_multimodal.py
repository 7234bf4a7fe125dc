"""Multimodal VAE: product of experts, missing text never read, seeded modality dropout, training."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from musiclust import AutoencoderRepresentation, MultimodalRepresentation, multimodal_frame
from musiclust.models import build_model, encode, load_model, vae_loss
from musiclust.models.multimodal import pack_inputs
from musiclust.models.trainer import heldout_scores

TEXT_DIM = 6
SMALL = {"latent_dim": 4, "audio_hidden": [16], "audio_channels": [4, 8], "text_hidden": [12]}
FAST = {"batch_size": 16, "device": "cpu", "threads": 1}


def _model(fusion: str, audio_shape: tuple[int, ...] = (10,), **arch: object) -> torch.nn.Module:
    settings = {**SMALL, "fusion": fusion, "audio_shape": list(audio_shape), "text_dim": TEXT_DIM, **arch}
    torch.manual_seed(0)
    return build_model("multimodal_vae", (math.prod(audio_shape) + TEXT_DIM + 1,), None, settings)


def _packed(present: list[bool], audio_shape: tuple[int, ...] = (10,), seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    audio = rng.standard_normal((len(present), *audio_shape))
    text = rng.standard_normal((len(present), TEXT_DIM))
    return torch.from_numpy(pack_inputs(audio, text, np.array(present)))


def _with_text_slot(x: torch.Tensor, rows: torch.Tensor, values: torch.Tensor | float, audio_size: int) -> torch.Tensor:
    x = x.clone()
    x[rows, audio_size:audio_size + TEXT_DIM] = values
    return x


def _clustered(n: int = 160, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Four clusters, seen in both modalities (audio 12-d, text TEXT_DIM-d)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, n)
    audio = rng.standard_normal((4, 12))[labels] * 3 + rng.standard_normal((n, 12))
    text = rng.standard_normal((4, TEXT_DIM))[labels] * 3 + rng.standard_normal((n, TEXT_DIM))
    return audio, text, labels


# --------------------------------------------------------------------------- product of experts


@pytest.mark.parametrize("audio_shape", [(10,), (1, 8, 16)])
def test_poe_posterior_without_text_is_the_audio_expert_times_the_prior(audio_shape: tuple[int, ...]) -> None:
    model = _model("poe", audio_shape).eval()
    present = torch.tensor([True, False, True, False, False, True])
    x = _packed(present.tolist(), audio_shape)
    with torch.no_grad():
        experts = model.experts(x)
        mu, logvar = model.encode(x)
    mu_a, logvar_a, audio_visible = experts["audio"]
    mu_t, logvar_t, text_visible = experts["text"]
    assert audio_visible.all() and torch.equal(text_visible, present)
    # By hand: precisions add, the prior N(0, I) contributing precision 1 and mean 0.
    precision_a = torch.exp(-logvar_a)
    audio_only = (mu_a * precision_a / (1 + precision_a), -torch.log(1 + precision_a))
    precision_t = torch.exp(-logvar_t)
    both = ((mu_a * precision_a + mu_t * precision_t) / (1 + precision_a + precision_t),
            -torch.log(1 + precision_a + precision_t))
    absent = ~present
    assert torch.allclose(mu[absent], audio_only[0][absent], atol=1e-6)
    assert torch.allclose(logvar[absent], audio_only[1][absent], atol=1e-6)
    assert torch.allclose(mu[present], both[0][present], atol=1e-6)
    assert torch.allclose(logvar[present], both[1][present], atol=1e-6)
    # With its text, a track's posterior is not the audio expert's alone.
    assert not torch.allclose(mu[present], audio_only[0][present], atol=1e-4)
    assert (logvar[present] < audio_only[1][present]).all()  # one more expert: more precise


@pytest.mark.parametrize("fusion", ["poe", "concat"])
@pytest.mark.parametrize("audio_shape", [(10,), (8, 16)])
def test_the_text_slot_of_a_track_without_text_is_never_read(fusion: str, audio_shape: tuple[int, ...]) -> None:
    model = _model(fusion, audio_shape).eval()
    present = torch.tensor([True, False, False, True, False])
    absent = torch.nonzero(~present).flatten()
    audio_size = math.prod(audio_shape)
    x = _packed(present.tolist(), audio_shape)
    with torch.no_grad():
        reference = model.encode(x)
        for values in (0.0, 1e3, float("nan"), torch.randn(len(absent), TEXT_DIM)):
            mu, logvar = model.encode(_with_text_slot(x, absent, values, audio_size))
            assert torch.equal(mu, reference[0]) and torch.equal(logvar, reference[1])
        # Zeros fed *as text* would give another latent: the model does not do that.
        zeros_as_text = _with_text_slot(x, absent, 0.0, audio_size)
        zeros_as_text[absent, -1] = 1.0
        assert not torch.allclose(model.encode(zeros_as_text)[0][absent], reference[0][absent], atol=1e-4)


def test_concat_uses_its_learned_missing_text_vector() -> None:
    model = _model("concat").eval()
    present = torch.tensor([True, False, True, False])
    x = _packed(present.tolist())
    with torch.no_grad():
        before = model.encode(x)[0]
        model.missing_text.add_(1.0)
        after = model.encode(x)[0]
    assert torch.equal(after[present], before[present])
    assert not torch.allclose(after[~present], before[~present], atol=1e-4)


def test_architecture_is_validated_with_clear_messages() -> None:
    with pytest.raises(ValueError, match="fusion must be one of poe, concat"):
        _model("sum")
    with pytest.raises(ValueError, match=r"modality_dropout must be a probability in \[0, 0.5\]"):
        _model("poe", modality_dropout=0.7)
    with pytest.raises(ValueError, match="audio_shape"):
        build_model("multimodal_vae", (8,), None, {"text_dim": 3})
    with pytest.raises(ValueError, match="packed vectors"):
        build_model("multimodal_vae", (99,), None, {"audio_shape": [10], "text_dim": TEXT_DIM})


# --------------------------------------------------------------------------- modality dropout


@pytest.mark.parametrize("fusion", ["poe", "concat"])
def test_modality_dropout_is_seeded_and_off_in_eval_mode(fusion: str) -> None:
    model = _model(fusion, modality_dropout=0.3).train()
    present = torch.rand(4000, generator=torch.Generator().manual_seed(1)) < 0.7

    def masks(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        torch.manual_seed(seed)
        return model.visible_modalities(present)

    audio, text = masks(5)
    assert all(torch.equal(a, b) for a, b in zip((audio, text), masks(5)))
    assert not torch.equal(text, masks(6)[1])
    assert not (text & ~present).any()  # a track without text never gains it
    hidden_text = (present & ~text).sum() / present.sum()
    assert abs(float(hidden_text) - 0.3) < 0.03
    assert (audio | text).all()  # never both hidden
    if fusion == "poe":
        assert abs(float((~audio).sum() / present.sum()) - 0.3) < 0.03 and audio[~present].all()
    else:
        assert audio.all()
    model.eval()
    torch.manual_seed(5)
    audio, text = model.visible_modalities(present)
    assert audio.all() and torch.equal(text, present)
    # Eval mode draws nothing: the same input gives the same posterior whatever the RNG state.
    x = _packed([True, False, True])
    torch.manual_seed(1)
    first = model.encode(x)[0]
    torch.manual_seed(2)
    assert torch.equal(model.encode(x)[0], first)


def test_training_forward_passes_differ_by_seed_only() -> None:
    model = _model("poe", modality_dropout=0.5).train()
    x = _packed([True] * 32)

    def latent(seed: int) -> torch.Tensor:
        torch.manual_seed(seed)
        with torch.no_grad():
            return model(x).mu

    assert torch.equal(latent(3), latent(3)) and not torch.equal(latent(3), latent(4))


# --------------------------------------------------------------------------- masked reconstruction


@pytest.mark.parametrize("fusion", ["poe", "concat"])
def test_missing_text_counts_nothing_in_the_reconstruction_error(fusion: str) -> None:
    model = _model(fusion).train()
    x = _packed([False] * 8)
    absent = torch.arange(8)
    other = _with_text_slot(x, absent, torch.randn(8, TEXT_DIM) * 100, 10)

    def reconstruction_term(batch: torch.Tensor) -> float:
        torch.manual_seed(0)
        output = model(batch)
        terms = vae_loss(output.reconstruction, batch, output.mu, output.logvar, beta=1.0)
        return float(terms.reconstruction.detach())

    assert reconstruction_term(x) == reconstruction_term(other)
    scores = [heldout_scores(model, batch, None, 4, torch.device("cpu"), seed=0) for batch in (x, other)]
    assert scores[0] == scores[1]
    # Only the audio exists: the held-out ELBO's Gaussian constant counts its 10 elements per track.
    constant = scores[0]["heldout_neg_elbo"] - scores[0]["heldout_reconstruction"] - scores[0]["heldout_kl"]
    assert constant == pytest.approx(0.5 * 10 * math.log(math.pi))
    # The same batch *with* text: its text is a reconstruction target.
    with_text = x.clone()
    with_text[:, -1] = 1.0
    assert reconstruction_term(with_text) != reconstruction_term(_with_text_slot(with_text, absent, 5.0, 10))


# --------------------------------------------------------------------------- the estimator


@pytest.mark.parametrize("fusion", ["poe", "concat"])
def test_text_masked_for_every_track_trains_and_does_not_collapse(fusion: str) -> None:
    audio, text, _ = _clustered()
    # 20 epochs: after 8 every dimension still sits at the free-bits floor (nothing learned yet).
    settings = {"arch": SMALL, "epochs": 20, **FAST}
    plain = AutoencoderRepresentation("vae", arch={"latent_dim": 4, "hidden": [16]}, epochs=20, **FAST).fit(audio)
    assert plain.active_dims_.active >= 2  # the data has structure a VAE finds
    nothing = np.zeros(len(audio), dtype=bool)
    model = MultimodalRepresentation(fusion, **settings).fit(multimodal_frame(audio, np.full_like(text, np.nan), nothing))
    assert model.active_dims_.active >= 2 and not model.collapsed_
    assert np.isfinite(model.latents_).all()
    assert model.info()["text_share"] == 0 and model.info()["fusion"] == fusion


@pytest.mark.parametrize("fusion,audio_shape", [("poe", (12,)), ("concat", (12,)), ("poe", (3, 4))])
def test_both_fusions_learn_and_resume_from_a_checkpoint(fusion: str, audio_shape: tuple[int, ...],
                                                         tmp_path: Path) -> None:
    audio, text, _ = _clustered()
    audio = audio.reshape(len(audio), *audio_shape)
    present = np.random.default_rng(3).random(len(audio)) < 0.6
    arch = {**SMALL, "audio_channels": [4]}

    def fitted(epochs: int, checkpoint: Path) -> MultimodalRepresentation:
        # No free bits: in 4 epochs every dimension would still sit at the free-bits floor (nothing learned yet).
        return MultimodalRepresentation(fusion, arch=arch, audio_shape=audio_shape, epochs=epochs,
                                        checkpoint_path=checkpoint, holdout_fraction=0.1, free_bits=0.0,
                                        **FAST).fit(multimodal_frame(audio, text, present))

    straight = fitted(4, tmp_path / "straight.pt")
    assert straight.active_dims_.active >= 2 and not straight.collapsed_
    fitted(2, tmp_path / "grown.pt")
    grown = fitted(4, tmp_path / "grown.pt")
    assert grown.resumed_from_epoch_ == 2
    assert np.array_equal(grown.latents_, straight.latents_) and np.array_equal(grown.logvar_, straight.logvar_)
    assert np.array_equal(grown.history_["loss"], straight.history_["loss"])
    assert np.isfinite(straight.history_["heldout_neg_elbo"]).all()
    model, saved = load_model(tmp_path / "straight.pt")
    assert saved["arch"]["audio_shape"] == list(audio_shape) and saved["arch"]["fusion"] == fusion
    data = straight._inputs(multimodal_frame(audio, text, present), fit=False)
    assert np.allclose(encode(model, data, None, 16, "cpu")[0], straight.latents_, atol=1e-6)
    assert np.allclose(straight.transform(multimodal_frame(audio, text, present)), straight.latents_, atol=1e-6)
    info = straight.info()
    assert info["tracks_with_text"] == int(present.sum()) and info["text_share"] == pytest.approx(present.mean())


def test_text_is_standardised_over_the_tracks_that_have_it() -> None:
    audio, text, _ = _clustered(n=40)
    present = np.arange(40) % 3 != 0
    text[~present] = 1e6  # would dominate the mean and spread if counted
    model = MultimodalRepresentation("poe", arch=SMALL, epochs=1, **FAST).fit(multimodal_frame(audio, text, present))
    scaler = model._text_scaler.scaler
    assert np.allclose(scaler.mean_, text[present].mean(axis=0))
    assert np.allclose(scaler.scale_, text[present].std(axis=0))
    np.testing.assert_array_equal(model.text_present_, present)


def test_bad_inputs_say_what_is_wrong() -> None:
    audio, text, _ = _clustered(n=10)
    present = np.ones(10, dtype=bool)
    model = MultimodalRepresentation("poe", arch=SMALL, epochs=1, **FAST)
    with pytest.raises(ValueError, match="one flag per track"):
        multimodal_frame(audio, text, present[:5])
    with pytest.raises(ValueError, match="booleans"):
        multimodal_frame(audio, text, np.full(10, 2))
    with pytest.raises(ValueError, match="one row per track"):
        multimodal_frame(audio, text[:5], present)
    with pytest.raises(ValueError, match="takes a DataFrame with columns audio_\\*"):
        model.fit(np.hstack([audio, text]))
    with pytest.raises(ValueError, match="no text_present"):
        model.fit(multimodal_frame(audio, text, present).drop(columns="text_present"))
    broken = text.copy()
    broken[3, 0] = np.nan
    with pytest.raises(ValueError, match="marked as having text.*row 3"):
        model.fit(multimodal_frame(audio, broken, present))
    frame = multimodal_frame(audio, text, present)
    # Parameters are checked in fit, never in __init__ (scikit-learn's contract).
    for params, message in [({"arch": {"text_dim": 4}}, "come from the input"),
                            ({"fusion": "poe", "arch": {"fusion": "concat"}}, "give it once"),
                            ({"fusion": "late"}, "fusion must be one of"),
                            ({"audio_shape": (3, 5)}, r"audio_shape \(3, 5\) holds 15 values")]:
        unfitted = MultimodalRepresentation(**params)
        with pytest.raises(ValueError, match=message):
            unfitted.fit(frame)
    model.fit(frame)
    with pytest.raises(ValueError, match="fitted on audio"):
        model.transform(multimodal_frame(audio[:, :5], text, present))


@pytest.mark.parametrize("fusion", ["poe", "concat"])
def test_text_weight_scales_the_text_squared_error_only(fusion: str) -> None:
    """The text's share of the reconstruction error is multiplied by text_weight; audio's is not."""
    x = _packed([True] * 8)

    def squared_errors(**arch: object) -> tuple[float, float]:
        model = _model(fusion, **arch).eval()
        z = model.encode(x)[0]
        residual = (model.reconstruct(x, z) - x).pow(2).detach()
        return float(residual[:, :10].sum()), float(residual[:, 10:10 + TEXT_DIM].sum())

    audio_1, text_1 = squared_errors()
    audio_w, text_w = squared_errors(text_weight=0.25)
    assert audio_w == pytest.approx(audio_1) and text_w == pytest.approx(0.25 * text_1)
    with pytest.raises(ValueError, match="text_weight must be a positive number"):
        _model(fusion, text_weight=0)


@pytest.mark.parametrize("text_weight", [1.0, 0.104, 3.0])
def test_heldout_elbo_is_that_of_the_weighted_likelihood(text_weight: float) -> None:
    """With text_weight w the text's decoder is a Gaussian of variance 1/(2w) (audio's: ½): the
    held-out negative ELBO is −log N(x; x̂, σ²) summed over the observed elements, plus KL,
    written here with torch.distributions, so models of different weights compare."""
    model = _model("poe", text_weight=text_weight).eval()
    present = [True, False, True, True, False, True]
    x = _packed(present)
    scores = heldout_scores(model, x, None, len(x), torch.device("cpu"), seed=3)
    with torch.no_grad():
        mu, logvar = model.encode(x)
        noise = torch.Generator().manual_seed(3)  # the same single draw heldout_scores takes
        z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=noise)
        decoded = model.decode(z)
        audio, text = slice(0, 10), slice(10, 10 + TEXT_DIM)
        audio_nll = -torch.distributions.Normal(decoded[:, audio], math.sqrt(0.5)).log_prob(x[:, audio]).sum(1)
        text_sd = math.sqrt(1 / (2 * text_weight))
        text_nll = -torch.distributions.Normal(decoded[:, text], text_sd).log_prob(x[:, text]).sum(1)
        text_nll = torch.where(torch.tensor(present), text_nll, torch.zeros_like(text_nll))
        posterior = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
        kl = torch.distributions.kl_divergence(posterior, torch.distributions.Normal(0.0, 1.0)).sum(1)
    expected = float((audio_nll + text_nll + kl).mean())
    assert scores["heldout_neg_elbo"] == pytest.approx(expected, rel=1e-5)


def test_poe_clamps_extreme_log_variances() -> None:
    """An expert's log-variance of ∓200 (precision exp(200): float32 overflow) gives a finite
    posterior, as certain as the clamp allows and centred on that expert."""
    from musiclust.models.multimodal import _product_of_experts

    mu = torch.full((2, 3), 2.0)
    present = torch.tensor([True, True])
    sure = (mu, torch.full((2, 3), -200.0), present)
    vague = (torch.zeros(2, 3), torch.full((2, 3), 200.0), present)
    mean, logvar = _product_of_experts([sure, vague])
    assert torch.isfinite(mean).all() and torch.isfinite(logvar).all()
    assert torch.allclose(mean, mu, atol=1e-6)
    assert (logvar < -10).all()  # as certain as the clamp allows
    model = _model("poe").eval()
    with torch.no_grad():
        model.audio_logvar.bias.fill_(-1e4)
        latent, latent_logvar = model.encode(_packed([True, False, True]))
    assert torch.isfinite(latent).all() and torch.isfinite(latent_logvar).all()
