"""Convolutional networks: layer stacks and their shape arithmetic, and looking inside a trained CNN."""
