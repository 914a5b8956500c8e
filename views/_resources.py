"""Shared, read-only things every session may use, loaded once per server (never a user's own work)."""

from pathlib import Path

import streamlit as st

from dlviz.data import datasets, modelio

ASSETS = Path(__file__).resolve().parent.parent / "assets"


@st.cache_resource(show_spinner="Loading the dataset…")
def shipped_dataset(name: str) -> datasets.Dataset:
    return datasets.load(name)  # never modified after loading


@st.cache_resource(show_spinner="Loading the demo model…")
def demo_model() -> modelio.CurrentModel:
    return modelio.load_demo(ASSETS)  # only ever read: forward passes, never training
