"""Computation graphs: the playground's language, running it three ways, and TensorFlow's own graphs."""
