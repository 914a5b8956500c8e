"""Plotly figure builders, one module per subject."""
