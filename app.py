"""dlviz: see deep learning work. The entrypoint routes between the pages and starts TensorFlow's one loader.

`streamlit run app.py` finds the `app` below and serves it: its start-up hook imports every library the
pages use (but TensorFlow) before the first visitor, and starts TensorFlow's loader in the background,
so by the time a class arrives nothing is left to import at the same moment in two threads.
"""

import importlib
import pkgutil
import sys
from contextlib import asynccontextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import script_runner

import dlviz
from dlviz import runtime
from views import _projector as projector
from views._pages import PAGES
from views._resources import warm_up


def _close_matplotlib_figures_only() -> None:
    # Streamlit's own clean-up after each script run also calls keras.backend.clear_session(),
    # which resets TensorFlow's default graph and kernel caches underneath a model that is
    # training in a background thread, and deadlocks it. dlviz names its layers itself and
    # keeps models in session state, so there is no Keras state to clear: keep only the
    # matplotlib half of that clean-up.
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


script_runner._clean_problem_modules = _close_matplotlib_figures_only

PAGE_LIBRARIES = ("pandas", "plotly.graph_objects", "plotly.subplots", "networkx", "PIL.Image", "streamlit_drawable_canvas")


def import_page_libraries() -> None:
    """Import, once and in one thread, every library and dlviz module the pages use (none imports TensorFlow)."""
    for name in PAGE_LIBRARIES:
        importlib.import_module(name)
    for module in pkgutil.walk_packages(dlviz.__path__, "dlviz."):
        importlib.import_module(module.name)


if __name__ == "__main__":  # Streamlit runs this file as a script for every page view
    runtime.start(warm_up)  # at once on the first request when served without the start-up hook; then a no-op
    projecting = projector.projector_on() or st.query_params.get(projector.PARAM) == "1"
    st.set_page_config(page_title="dlviz", page_icon="🧠", layout="wide",
                       initial_sidebar_state="collapsed" if projecting else "auto")
    projector.setup()
    pages = [st.Page(page.script, title=page.title, icon=page.icon, default=page.url is None, url_path=page.url)
             for page in PAGES]
    st.navigation(pages).run()
else:  # `streamlit run app.py` imports this file once to find `app`, and serves it

    @asynccontextmanager
    async def start_up(_app):
        import_page_libraries()
        runtime.start(warm_up)
        yield

    app = st.App(__file__, lifespan=start_up)
