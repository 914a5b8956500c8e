"""dlviz: see deep learning work. The entrypoint only routes between the pages."""

import sys

import streamlit as st
from streamlit.runtime.scriptrunner import script_runner


def _close_matplotlib_figures_only() -> None:
    # Streamlit's own clean-up after each script run also calls keras.backend.clear_session(),
    # which resets TensorFlow's default graph and kernel caches underneath a model that is
    # training in a background thread, and deadlocks it. dlviz names its layers itself and
    # keeps models in session state, so there is no Keras state to clear: keep only the
    # matplotlib half of that clean-up.
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


script_runner._clean_problem_modules = _close_matplotlib_figures_only

st.set_page_config(page_title="dlviz", page_icon="🧠", layout="wide")

PAGES = [
    st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("views/playground.py", title="Graph playground", icon=":material/hub:", url_path="playground"),
    st.Page("views/train.py", title="Build & train a CNN", icon=":material/model_training:", url_path="train"),
    st.Page("views/inspect.py", title="Look inside a CNN", icon=":material/visibility:", url_path="inspect"),
    st.Page("views/graphs.py", title="TensorFlow graphs", icon=":material/account_tree:", url_path="graphs"),
]

st.navigation(PAGES).run()
