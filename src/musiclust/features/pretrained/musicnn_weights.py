"""The MusiCNN weights shipped in the ``musicnn`` wheel, read into the PyTorch model.

The wheel (ISC licence) holds TensorFlow checkpoints under ``musicnn/<model>/`` (prefix
``musicnn/<model>/``, i.e. files ``.index`` and ``.data-00000-of-00001``). It is installed
without its declared dependencies (``numpy<1.17``, ``tensorflow``): only its files are read
(the checkpoints, and the tag lists of ``musicnn/configuration.py`` as text); nothing of it is
imported.
The checkpoint also holds Adam's moments and β powers; they are training state, not model.
"""

from __future__ import annotations

import importlib.metadata
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from musiclust.features.pretrained.musicnn import MODELS
from musiclust.features.pretrained.musicnn_model import MusiCNN
from musiclust.features.pretrained.tf_checkpoint import read_checkpoint

WHEEL = "musicnn==0.1.0"
INSTALL_HINT = f"pip install --no-deps {WHEEL}"

# TensorFlow layer (in the order build_musicnn creates them) → module of MusiCNN.
TF_LAYERS = {
    "batch_normalization": "frontend.input_norm",
    "conv2d": "frontend.timbral.0.conv",
    "batch_normalization_1": "frontend.timbral.0.norm",
    "conv2d_1": "frontend.timbral.1.conv",
    "batch_normalization_2": "frontend.timbral.1.norm",
    "conv2d_2": "frontend.temporal.0.conv",
    "batch_normalization_3": "frontend.temporal.0.norm",
    "conv2d_3": "frontend.temporal.1.conv",
    "batch_normalization_4": "frontend.temporal.1.norm",
    "conv2d_4": "frontend.temporal.2.conv",
    "batch_normalization_5": "frontend.temporal.2.norm",
    "conv2d_5": "midend.layers.0.conv",
    "batch_normalization_6": "midend.layers.0.norm",
    "conv2d_6": "midend.layers.1.conv",
    "batch_normalization_7": "midend.layers.1.norm",
    "conv2d_7": "midend.layers.2.conv",
    "batch_normalization_8": "midend.layers.2.norm",
    "batch_normalization_9": "backend.pool_norm",
    "dense": "backend.dense",
    "dense_1": "backend.output",
    "batch_normalization_10": "backend.dense_norm",
}
TF_PARAMETERS = {
    "kernel": "weight",
    "bias": "bias",
    "gamma": "weight",
    "beta": "bias",
    "moving_mean": "running_mean",
    "moving_variance": "running_var",
}
OPTIMIZER_SUFFIXES = ("/Adam", "/Adam_1")
OPTIMIZER_VARIABLES = ("beta1_power", "beta2_power")


def is_optimizer_state(name: str) -> bool:
    return name.endswith(OPTIMIZER_SUFFIXES) or name in OPTIMIZER_VARIABLES


def package_dir() -> Path:
    """The installed ``musicnn`` distribution's package folder (found by its metadata, neither
    imported nor looked up on sys.path, where e.g. benchmarks/musicnn.py would shadow it)."""
    try:
        folder = Path(importlib.metadata.distribution("musicnn").locate_file("musicnn"))
    except importlib.metadata.PackageNotFoundError:
        folder = None
    if folder is None or not folder.is_dir():
        raise ModuleNotFoundError(
            f"the musicnn feature reads the weights shipped in the musicnn wheel, which is not installed: "
            f"{INSTALL_HINT} (without --no-deps pip would pull tensorflow and numpy<1.17)"
        )
    return folder


def checkpoint_prefix(model: str) -> str:
    """The checkpoint's prefix: its files are ``<model>/.index`` and ``<model>/.data-*``."""
    if model not in MODELS:
        raise ValueError(f"unknown MusiCNN model {model!r} (known: {', '.join(MODELS)})")
    return f"{package_dir() / model}/"


def labels(model: str) -> list[str]:
    """The 50 tags of ``model``, in the order of its outputs (musicnn/configuration.py, read
    as text: importing the package could find another module of that name first)."""
    import ast

    source = (package_dir() / "configuration.py").read_text()
    name = "MTT_LABELS" if model.startswith("MTT") else "MSD_LABELS"
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise ValueError(f"{package_dir() / 'configuration.py'} defines no {name}")


def torch_name(tf_name: str) -> str:
    """``conv2d_5/kernel`` → ``midend.layers.0.conv.weight``; KeyError for a variable MusiCNN lacks."""
    layer, _, parameter = tf_name.rpartition("/")
    return f"{TF_LAYERS[layer]}.{TF_PARAMETERS[parameter]}"


def _to_torch_layout(value: np.ndarray, target_ndim: int) -> np.ndarray:
    if value.ndim == 4 and target_ndim == 4:  # conv2d (kh, kw, in, out) → (out, in, kh, kw)
        return value.transpose(3, 2, 0, 1)
    if value.ndim == 4 and target_ndim == 3:  # full-width conv2d (7, in, 1, out) → conv1d (out, in, 7)
        return value[:, :, 0, :].transpose(2, 1, 0)
    if value.ndim == 2:  # dense (in, out) → (out, in)
        return value.T
    return value


def state_dict_from_checkpoint(variables: dict[str, np.ndarray], model: MusiCNN) -> dict[str, torch.Tensor]:
    """The model's variables of a checkpoint (optimizer state left out) as ``model``'s state dict
    entries; a variable MusiCNN has no place for, or a shape that does not fit, raises."""
    targets = model.state_dict()
    state = {}
    for tf_name, value in variables.items():
        if is_optimizer_state(tf_name):
            continue
        try:
            name = torch_name(tf_name)
        except KeyError:
            raise ValueError(f"checkpoint variable {tf_name} has no place in MusiCNN") from None
        array = np.ascontiguousarray(_to_torch_layout(value, targets[name].ndim), dtype=np.float32)
        if tuple(array.shape) != tuple(targets[name].shape):
            raise ValueError(f"checkpoint variable {tf_name} {value.shape} does not fit {name} {tuple(targets[name].shape)}")
        state[name] = torch.from_numpy(array)
    return state


@lru_cache(maxsize=4)
def load_musicnn(model: str = "MTT_musicnn", device: str = "cpu") -> MusiCNN:
    """The pretrained ``model`` in eval mode on ``device`` (cached per process)."""
    network = MusiCNN()
    state = state_dict_from_checkpoint(read_checkpoint(checkpoint_prefix(model)), network)
    missing, unexpected = network.load_state_dict(state, strict=False)
    # BatchNorm's num_batches_tracked counts training steps; nothing at inference reads it.
    missing = [name for name in missing if not name.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"{model} checkpoint does not cover MusiCNN: missing {missing}, unexpected {unexpected}")
    return network.to(device).eval()
