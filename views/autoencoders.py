"""Autoencoders: being built (see the project's issues)."""

import streamlit as st

st.title("Autoencoders")
st.info("This page is being built.")
