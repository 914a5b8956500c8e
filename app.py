"""dlviz: see deep learning work. The entrypoint only routes between the pages."""

import streamlit as st

st.set_page_config(page_title="dlviz", page_icon="🧠", layout="wide")

PAGES = [
    st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("views/playground.py", title="Graph playground", icon=":material/hub:", url_path="playground"),
]

st.navigation(PAGES).run()
