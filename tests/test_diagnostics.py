"""Diagnostics that mean what they say (issue 15): active dimensions counted above the free-bits
floor, effective dimensionality of any representation's vectors, and the degenerate mark."""

from __future__ import annotations

import numpy as np
import pytest

from musiclust.models.collapse import ActiveDimensions, active_dimensions, collapse_message, kl_cutoff
from musiclust.models.latent_statistics import disentanglement
from musiclust.representations.estimators import AutoencoderRepresentation
from musiclust.representations.geometry import (
    covariance_spectrum,
    directions_for_share,
    effective_dimensionality,
    geometry_info,
    participation_ratio,
)
from musiclust.representations.hybrid import inherited_marks

# --------------------------------------------------------------------------- effective dimensionality


@pytest.mark.parametrize(("spectrum", "ratio", "for_90"), [
    ([1.0] * 10, 10.0, 9),            # even spread over 10 directions
    ([5.0], 1.0, 1),                  # a line
    ([1.0, 0.0, 0.0], 1.0, 1),
    ([3.0, 1.0], 16 / 10, 2),         # (3 + 1)² / (9 + 1)
    ([9.0, 1.0], 100 / 82, 1),        # 90 % in the first direction exactly
    ([0.0, 0.0], 0.0, 0),             # no variance at all
])
def test_participation_ratio_and_directions_of_known_spectra(spectrum, ratio, for_90):
    assert participation_ratio(spectrum) == pytest.approx(ratio)
    assert directions_for_share(spectrum, 0.9) == for_90


def test_spectrum_of_vectors_is_their_covariance_eigenvalues_wide_or_tall():
    rng = np.random.default_rng(0)
    tall = rng.standard_normal((300, 5)) * [3.0, 2.0, 1.0, 0.5, 0.1]
    np.testing.assert_allclose(covariance_spectrum(tall), np.sort(np.linalg.eigvalsh(np.cov(tall.T)))[::-1])
    wide = rng.standard_normal((20, 50))  # fewer tracks than dimensions: the Gram matrix's spectrum
    spectrum = covariance_spectrum(wide)
    assert spectrum.shape == (19,)
    np.testing.assert_allclose(spectrum, np.sort(np.linalg.eigvalsh(np.cov(wide.T)))[::-1][:19], atol=1e-10)
    # An isotropic cloud has about as many effective dimensions as it has dimensions.
    assert effective_dimensionality(rng.standard_normal((5000, 8))).participation_ratio == pytest.approx(8, rel=0.05)


def test_rank_one_plus_noise_latents_are_degenerate_however_many_dims_vary():
    rng = np.random.default_rng(1)
    line = rng.standard_normal((500, 1)) @ rng.standard_normal((1, 32)) * 3.0
    latents = line + 0.05 * rng.standard_normal((500, 32))
    info = geometry_info(latents, min_effective_dims=2)
    assert info["effective_dims"] < 1.2 and info["dims_90pct_variance"] == 1
    assert info["degenerate"] is True
    # Every one of its 32 dimensions varies: the variance test alone calls all of them active.
    assert active_dimensions(latents).active == 32
    spread = rng.standard_normal((500, 32))
    assert geometry_info(spread, min_effective_dims=2)["degenerate"] is False


# --------------------------------------------------------------------------- active dimensions


def test_dimensions_pinned_at_the_free_bits_floor_are_not_active():
    kl = np.array([0.53, 0.24, 0.11, 0.10, 0.10, 0.09, 0.004])
    variance = np.full(7, 0.3)
    dims = ActiveDimensions(7, kl, variance, free_bits=0.1)
    assert dims.kl_cutoff == pytest.approx(0.15) == kl_cutoff(0.1)
    assert (dims.active, dims.at_floor, dims.active_above_kl_threshold) == (2, 4, 6)
    info = dims.as_info()
    assert (info["active_dims"], info["dims_at_floor"], info["active_dims_above_kl_threshold"]) == (2, 4, 6)
    assert info["free_bits"] == 0.1 and info["kl_cutoff"] == pytest.approx(0.15)
    # Without free bits the floor plays no part: the cut-off is kl_threshold.
    plain = ActiveDimensions(7, kl, variance)
    assert (plain.active, plain.at_floor) == (6, 0)
    # A dimension far above the floor whose means do not vary is still not active.
    assert ActiveDimensions(7, kl, np.r_[0.0, np.full(6, 0.3)], free_bits=0.1).active == 1
    assert "4 more pinned at the free-bits floor of 0.1 nats" in collapse_message(
        "m", ActiveDimensions(7, kl, np.zeros(7) + [0, 0, 1, 1, 1, 1, 1], free_bits=0.1))
    assert disentanglement(np.random.default_rng(0).standard_normal((50, 7)), kl, free_bits=0.1).dims_at_floor == 4


def two_factor_data(n: int = 400, d: int = 20, seed: int = 0) -> np.ndarray:
    """Tracks made of two true factors, mixed non-linearly into ``d`` noisy features."""
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n, 2))
    mix, bend = rng.standard_normal((2, d)), rng.standard_normal((2, d))
    x = np.tanh(factors @ mix) + 0.5 * np.sin(factors @ bend) + 0.1 * rng.standard_normal((n, d))
    return x.astype(np.float32)


def test_a_vae_with_free_bits_at_high_beta_reports_at_most_a_few_active_dimensions():
    """Free bits hold every unused dimension at the floor (about 0.1 nats), which passes a 0.01-nat
    test: the old count said 16 of 16. Two true factors can fill a few dimensions at most."""
    model = AutoencoderRepresentation("vae", arch={"latent_dim": 16, "hidden": [64, 32]}, epochs=25, batch_size=32,
                                      beta=10.0, free_bits=0.1, seed=0, device="cpu").fit(two_factor_data())
    dims = model.active_dims_
    assert dims.active <= 3, dims.as_info()
    assert dims.free_bits == 0.1  # the count used the model's own training setting
    assert dims.at_floor >= 12 and dims.active_above_kl_threshold >= 12  # what the old count saw
    info = model.info()
    assert info["active_dims"] == dims.active and info["dims_at_floor"] == dims.at_floor


# --------------------------------------------------------------------------- marks through hybrids


def test_a_hybrid_carries_the_marks_of_any_part_and_its_own_degeneracy():
    parts = {"cvae_mel": {"saw_labels": True, "collapsed": False, "degenerate": False},
             "pca_text_metadata": {"family": "pca", "degenerate": False}}
    marks = inherited_marks(parts)
    assert marks["saw_labels"] is True and marks["collapsed"] is False and marks["degenerate"] is False
    assert marks["marked_parts"]["saw_labels"] == ["cvae_mel"]
    parts["vae_mfcc"] = {"collapsed": True, "degenerate": True}
    marks = inherited_marks(parts)
    assert marks["collapsed"] and marks["degenerate"] and marks["marked_parts"]["degenerate"] == ["vae_mfcc"]
    assert inherited_marks({"a": {}, "b": {}}, degenerate_itself=True)["degenerate"] is True


def test_degenerate_representations_are_marked_like_collapsed_ones_in_the_tables():
    import pandas as pd

    from musiclust.report.disentanglement_table import disentanglement_summary
    from musiclust.report.summary import summary_markdown
    from musiclust.report.metrics_tables import metrics_report

    rows = [{"representation": rep, "algorithm": "kmeans", "seed": seed, "ari": 0.3, "n_tracks": 9,
             "saw_labels": False, "collapsed": False, "active_dims": 30, "effective_dims": dims,
             "degenerate": dims < 2} for rep, dims in (("conv_vae_mel", 1.05), ("pca_mel", 10.2)) for seed in (0, 1)]
    metrics = pd.DataFrame(rows)
    page = metrics_report(metrics, pd.DataFrame(columns=["track_id", "stage", "reason", "detail"]), "demo")
    lines = {line.split("|")[1].strip(): line for line in page.splitlines() if line.startswith("| ")}
    assert "degenerate (2/2 seeds)" in lines["conv_vae_mel"] and "degenerate" not in lines["pca_mel"]
    assert "1.1 ± 0.0" in lines["conv_vae_mel"] and "10.2 ± 0.0" in lines["pca_mel"]  # the effective dims column
    assert "**Degenerate** (conv_vae_mel)" in page
    assert "degenerate (2/2 seeds)" in summary_markdown(metrics, "demo")
    # An older latents table without the mark reads as not degenerate.
    assert "degenerate" not in metrics_report(metrics.drop(columns="degenerate").assign(effective_dims=None),
                                              pd.DataFrame(columns=["track_id", "stage", "reason", "detail"]), "d")
    disentangled = pd.DataFrame([{"representation": "conv_vae_mel", "family": "conv_vae", "beta": 1.0, "seed": 0,
                                  "effective_dims": 1.05, "degenerate": True}])
    assert disentanglement_summary(disentangled).loc[0, "marks"] == "degenerate (1/1 seeds)"


# --------------------------------------------------------------------------- in the pipeline


@pytest.mark.workflow
def test_every_representation_of_the_run_carries_its_geometry_and_a_cvae_hybrid_its_dagger(demo_run):
    """Baselines, text, hybrids and learned models alike: effective dimensionality in the latents
    metadata and metrics.csv; the hybrid of cvae_mel is marked † like cvae_mel itself."""
    import pandas as pd

    from musiclust.representations.latents import read_latents
    from musiclust.representations.registry import expand_representations

    workdir, config = demo_run
    models = workdir / "results" / "demo" / "models"
    for rep in expand_representations(config["representations"]):
        _, vectors, info = read_latents(models / rep / "seed-0" / "latents.parquet")
        assert {"effective_dims", "dims_90pct_variance", "degenerate"} <= set(info), rep
        assert info["effective_dims"] == pytest.approx(geometry_info(vectors)["effective_dims"], rel=1e-3), rep
        own = info["effective_dims"] < info["min_effective_dims"]
        assert info["degenerate"] == (own or bool(info.get("marked_parts", {}).get("degenerate"))), rep
    _, _, hybrid = read_latents(models / "hybrid_cvae_metadata" / "seed-0" / "latents.parquet")
    assert hybrid["saw_labels"] is True and hybrid["marked_parts"]["saw_labels"] == ["cvae_mel"]
    metrics = pd.read_csv(workdir / "results" / "demo" / "report" / "metrics.csv")
    assert metrics["effective_dims"].notna().all()
    assert metrics.loc[metrics["representation"] == "hybrid_cvae_metadata", "saw_labels"].all()
    page = (workdir / "results" / "demo" / "report" / "metrics.md").read_text(encoding="utf-8")
    assert "| hybrid_cvae_metadata †" in page
