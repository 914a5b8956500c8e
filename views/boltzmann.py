"""Boltzmann machines: being built (see the project's issues)."""

import streamlit as st

st.title("Boltzmann machines")
st.info("This page is being built.")
