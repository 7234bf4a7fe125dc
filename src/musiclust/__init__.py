"""musiclust: unsupervised music clustering with variational autoencoders over audio and text."""

__version__ = "0.1.0"
