"""Pretrained audio models run as feature extractors (MusiCNN)."""
