"""VaDE: the mixture prior's ELBO against a hand computation, training (pre-training, GMM
initialisation, resume, determinism), the estimator's contract, degenerate mixtures, and its own
clusters in the evaluation."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score

from musiclust.cluster.evaluation import evaluate, read_evaluation
from musiclust.models import TrainConfig, kl_per_dim, train
from musiclust.models import trainer as trainer_module
from musiclust.models.mixture_prior import MixturePrior, bic_per_k
from musiclust.representations.latents import MIXTURE_COMPONENT, read_latents, read_own_clusters, write_latents
from musiclust.representations.mixture import MixtureVAERepresentation, degenerate_components

TINY_ARCH = {"latent_dim": 3, "hidden": [16], "pretrain_epochs": 2}


def _blobs(n=60, centers=3, seed=0):
    x, y = make_blobs(n_samples=n, n_features=6, centers=centers, cluster_std=1.0, random_state=seed)
    return x.astype(np.float32), y


# --------------------------------------------------------------------------- the ELBO, by hand


def _hand_kl(mu, logvar, z, weights, means, variances):
    """KL(q(z, c | x) ‖ p(z, c)) of one track, written out term by term (the paper's eq. 12
    without its reconstruction), with plain Python loops over components and dimensions."""
    k, d = means.shape
    log_joint = []
    for c in range(k):
        log_density = sum(-0.5 * math.log(2 * math.pi * variances[c, j]) - (z[j] - means[c, j]) ** 2 / (2 * variances[c, j])
                          for j in range(d))
        log_joint.append(math.log(weights[c]) + log_density)
    top = max(log_joint)
    gamma = [math.exp(v - top) for v in log_joint]
    gamma = [g / sum(gamma) for g in gamma]
    per_dim = [0.0] * d
    for c in range(k):
        for j in range(d):
            s2 = math.exp(logvar[j])
            per_dim[j] += gamma[c] * 0.5 * (math.log(variances[c, j]) - logvar[j]
                                            + (s2 + (mu[j] - means[c, j]) ** 2) / variances[c, j] - 1.0)
    cluster = sum(g * (math.log(g) - math.log(w)) for g, w in zip(gamma, weights))
    return np.array(per_dim), cluster, np.array(gamma)


def test_mixture_kl_matches_a_hand_computation():
    rng = np.random.default_rng(0)
    k, d = 3, 2
    weights = np.array([0.5, 0.3, 0.2])
    means = rng.normal(size=(k, d))
    variances = rng.uniform(0.3, 2.0, size=(k, d))
    prior = MixturePrior(k, d).double()
    prior.initialise(weights, means, variances)
    mu = rng.normal(size=(4, d))
    logvar = rng.normal(scale=0.5, size=(4, d))
    z = mu + np.exp(0.5 * logvar) * rng.normal(size=(4, d))
    t = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    per_dim, cluster = prior.kl_terms(t(mu), t(logvar), t(z))
    gamma = prior.responsibilities(t(z))
    for row in range(4):
        hand_per_dim, hand_cluster, hand_gamma = _hand_kl(mu[row], logvar[row], z[row], weights, means, variances)
        np.testing.assert_allclose(per_dim[row].detach().numpy(), hand_per_dim, rtol=1e-10)
        assert cluster[row].item() == pytest.approx(hand_cluster, rel=1e-10)
        np.testing.assert_allclose(gamma[row].detach().numpy(), hand_gamma, rtol=1e-10)


def test_component_kl_agrees_with_monte_carlo():
    """The closed form of KL(N(μ̃, σ̃²) ‖ N(μ_c, σ²_c)) against E_q[log q − log p_c] sampled in numpy."""
    rng = np.random.default_rng(1)
    mu, logvar = np.array([0.3, -1.0]), np.array([-0.4, 0.2])
    mean_c, var_c = np.array([1.0, 0.5]), np.array([0.5, 2.0])
    prior = MixturePrior(1, 2).double()
    prior.initialise([1.0], mean_c[None], var_c[None])
    t = lambda a: torch.tensor(a[None], dtype=torch.float64)  # noqa: E731
    per_dim, cluster = prior.kl_terms(t(mu), t(logvar), t(mu))
    samples = mu + np.exp(0.5 * logvar) * rng.normal(size=(400_000, 2))
    log_q = -0.5 * (np.log(2 * np.pi) + logvar + (samples - mu) ** 2 / np.exp(logvar))
    log_p = -0.5 * (np.log(2 * np.pi * var_c) + (samples - mean_c) ** 2 / var_c)
    np.testing.assert_allclose(per_dim[0].detach().numpy(), (log_q - log_p).mean(axis=0), atol=0.01)
    assert cluster.item() == pytest.approx(0.0, abs=1e-12)  # one component: γ = π = 1


def test_before_initialisation_the_prior_is_the_standard_normal():
    mu, logvar = torch.randn(5, 4), torch.randn(5, 4)
    per_dim, cluster = MixturePrior(3, 4).kl_terms(mu, logvar, torch.randn(5, 4))
    torch.testing.assert_close(per_dim, kl_per_dim(mu, logvar))
    torch.testing.assert_close(cluster, torch.zeros(5), atol=1e-6, rtol=0)


def test_weights_stay_on_the_simplex_and_variances_positive():
    prior = MixturePrior(4, 2)
    with torch.no_grad():
        prior.logits.copy_(torch.tensor([30.0, -40.0, 0.0, 5.0]))
        prior.logvars.fill_(-20.0)
    weights = prior.weights()
    assert torch.all(weights >= 0) and weights.sum().item() == pytest.approx(1.0)
    assert torch.all(torch.exp(prior.logvars) > 0)
    assert torch.isfinite(prior.kl_terms(torch.zeros(2, 2), torch.zeros(2, 2), torch.zeros(2, 2))[0]).all()


# --------------------------------------------------------------------------- training


def test_pretraining_then_gmm_initialisation_then_vade():
    x, _ = _blobs()
    config = TrainConfig(epochs=5, batch_size=16, seed=0)
    result = train("vade", {**TINY_ARCH, "n_components": 3}, x, None, config, progress=False)
    history = result.history
    assert (history["kl"][:2] == 0).all() and (history["kl"][2:] > 0).all()  # autoencoder first, then the ELBO
    prior = result.model.prior
    assert not torch.allclose(prior.means, torch.zeros_like(prior.means))  # the GMM set it
    assert history["kl"][2] < 50  # the posterior started as narrow as the components, no KL shock


def test_early_stopping_judges_vade_from_its_own_phase(monkeypatch):
    # The pre-training epochs are an autoencoder's, scored without the mixture (its prior is set
    # after the last of them). Here they score far better than any VaDE epoch: judged with them,
    # patience would stop right after pre-training and keep an epoch whose prior was never set.
    real = trainer_module.heldout_scores

    def flattering_pretraining(model, *args, **kwargs):
        scores = real(model, *args, **kwargs)
        if model.pretraining:
            scores["heldout_neg_elbo"] -= 1000.0
        return scores

    monkeypatch.setattr(trainer_module, "heldout_scores", flattering_pretraining)
    x, _ = _blobs(n=90)
    config = TrainConfig(epochs=30, batch_size=16, seed=0, holdout_fraction=0.25, early_stopping=True, patience=3,
                         min_steps=0)
    result = train("vade", {**TINY_ARCH, "n_components": 3}, x, None, config, progress=False)
    heldout = result.history["heldout_neg_elbo"].to_numpy()
    pretrain = TINY_ARCH["pretrain_epochs"]
    assert heldout[:pretrain].max() < heldout[pretrain:].min()
    best = result.stopping.best_epoch
    assert best == pretrain + 1 + int(np.argmin(heldout[pretrain:])) > pretrain
    assert len(heldout) >= pretrain + 3 + 1  # patience counted in its own phase
    prior = result.model.prior
    assert not torch.allclose(prior.means, torch.zeros_like(prior.means))  # the GMM-initialised weights


def test_resume_across_the_initialisation_is_bit_identical(tmp_path):
    x, _ = _blobs()
    arch = {**TINY_ARCH, "n_components": 3}
    whole = train("vade", arch, x, None, TrainConfig(epochs=5, batch_size=16, seed=3), progress=False)
    path = tmp_path / "state.pt"
    first = train("vade", arch, x, None, TrainConfig(epochs=2, batch_size=16, seed=3), path, progress=False)
    assert first.epochs_run == 2  # stopped right after pre-training and the GMM
    resumed = train("vade", arch, x, None, TrainConfig(epochs=5, batch_size=16, seed=3), path, progress=False)
    assert resumed.resumed_from_epoch == 2
    np.testing.assert_array_equal(resumed.mu, whole.mu)
    np.testing.assert_array_equal(resumed.logvar, whole.logvar)
    for name, value in whole.model.state_dict().items():
        assert torch.equal(resumed.model.state_dict()[name], value), name


def test_estimator_contract_determinism_and_clusters():
    x, y = _blobs(n=90)
    vade = MixtureVAERepresentation("vade", k=3, arch=TINY_ARCH, epochs=12, batch_size=16)
    with pytest.raises(NotFittedError):
        vade.transform(x)
    assert clone(vade).get_params()["k"] == 3
    latents = vade.fit_transform(x)
    again = clone(vade).fit(x)
    np.testing.assert_array_equal(latents, again.latents_)
    np.testing.assert_array_equal(vade.labels_, again.labels_)
    assert vade.responsibilities_.shape == (90, 3)
    np.testing.assert_allclose(vade.responsibilities_.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(vade.predict(x), vade.labels_)
    assert len(vade.history_) == 12 + TINY_ARCH["pretrain_epochs"]
    assert adjusted_rand_score(y, vade.labels_) > 0.3  # three separated blobs (a random partition: 0)
    info = vade.info()
    assert info["n_components"] == 3 and sum(info["component_sizes"]) == 90
    assert sum(info["mixture_weights"]) == pytest.approx(1.0)


def test_bad_settings_are_refused_at_fit_naming_them():
    x, _ = _blobs()
    for params, message in [({"k": 0}, "k must be"), ({"family": "vae"}, "family must be"),
                            ({"arch": {"n_components": 3}}, "give the number of components as k"),
                            ({"epochs": 0}, "epochs must be a positive integer"),
                            ({"min_steps": -1}, "min_steps")]:
        estimator = MixtureVAERepresentation(**params)  # stored as given
        with pytest.raises(ValueError, match=message):
            estimator.fit(x)


def test_k_by_bic_finds_separated_blobs():
    codes, _ = make_blobs(n_samples=300, n_features=2, centers=[[-6, 0], [0, 6], [6, 0]], cluster_std=0.6,
                          random_state=0)
    scores = bic_per_k(codes, (2, 6), seed=0)
    assert min(scores, key=scores.get) == 3


def test_degenerate_mixture_is_reported(monkeypatch, caplog):
    assert degenerate_components(np.array([0, 0, 2, 2]), 4) == ([2, 0, 2, 0], [1, 3])
    x, _ = _blobs()
    one_hot = lambda self, mu: np.eye(self.k_)[np.zeros(len(mu), dtype=int)]  # noqa: E731 - every track in 0
    monkeypatch.setattr(MixtureVAERepresentation, "_responsibilities", one_hot)
    vade = MixtureVAERepresentation("vade", k=3, arch=TINY_ARCH, epochs=1, batch_size=32)
    with caplog.at_level(logging.WARNING, logger="musiclust.models"):
        vade.fit(x)
    info = vade.info()
    assert info["degenerate_mixture"] and info["empty_components"] == [1, 2]
    assert "degenerate mixture: 2 of 3 components have no track" in caplog.text


# --------------------------------------------------------------------------- its own clusters, evaluated


def test_own_clusters_become_an_evaluated_algorithm(tmp_path):
    vectors, genres = make_blobs(n_samples=40, n_features=4, centers=2, random_state=0)
    own = np.where(np.arange(40) % 3 == 0, 1, 0)  # some partition that is not the k-means one
    path = tmp_path / "latents.parquet"
    write_latents(path, np.arange(40), vectors, info={"n_components": 3}, columns={MIXTURE_COMPONENT: own})
    clusters = read_own_clusters(path)
    result = evaluate(vectors, {"kmeans": {"k": 2}}, genres=genres.astype(str), own_clusters=clusters)
    row = result.metrics.set_index("algorithm").loc["vade"]
    assert row["k"] == 3 and row["ari"] == pytest.approx(adjusted_rand_score(genres, own))
    np.testing.assert_array_equal(result.labels["vade"], own)
    write_latents(path, np.arange(40), vectors, info={})
    assert read_own_clusters(path) == {}  # other families have none


@pytest.mark.workflow
def test_the_pipeline_evaluates_vades_own_clusters(demo_run):
    """config.yaml's conv_vade_mel in the shared demo run: latents with its components, a `vade` row."""
    workdir, config = demo_run
    results = workdir / "results" / "demo"
    _, _, info = read_latents(results / "models/conv_vade_mel/seed-0/latents.parquet")
    n_genres = config["datasets"]["demo"]["demo"]["n_genres"]
    assert info["n_components"] == n_genres and len(info["component_sizes"]) == n_genres
    assert {"degenerate_mixture", "active_dims", "effective_dims"} <= set(info)
    _, evaluation, _ = read_evaluation(results / "evaluation/conv_vade_mel/seed-0.parquet")
    own = read_own_clusters(results / "models/conv_vade_mel/seed-0/latents.parquet")["vade"][0]
    np.testing.assert_array_equal(evaluation.labels["vade"], own)
    metrics = pd.read_csv(results / "report/metrics.csv")
    assert set(metrics.loc[metrics["algorithm"] == "vade", "representation"]) == {"vade_mfcc", "conv_vade_mel"}
