"""Recurrent networks: being built (see the project's issues)."""

import streamlit as st

st.title("Recurrent networks")
st.info("This page is being built.")
