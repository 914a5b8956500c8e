"""Why this prediction?: being built (see the project's issues)."""

import streamlit as st

st.title("Why this prediction?")
st.info("This page is being built.")
