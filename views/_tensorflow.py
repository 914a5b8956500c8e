"""Pages that need TensorFlow wait here for the one loader, saying so, instead of importing it themselves."""

import streamlit as st

from dlviz import runtime
from dlviz.text import markdown_safe
from views._resources import warm_up


def require_tensorflow() -> None:
    """Return once TensorFlow is ready; meanwhile show that it is starting, and on failure explain and stop the page."""
    status = runtime.start(warm_up)
    if not status.ready and status.state != "failed":
        notice = st.empty()
        while status.state in ("not started", "loading"):
            notice.info(f"TensorFlow is starting ({status.seconds:.1f} s so far; about 5–10 s after the server starts). "
                        "This page continues by itself when it is ready.", icon=":material/hourglass_top:")
            status = runtime.wait(0.25)
        notice.empty()
    if status.state == "failed":
        st.error(f"TensorFlow could not be loaded on this server, so this page cannot run. {markdown_safe(status.error)}  \n"
                 "Reload the page to try again; if it keeps failing, check the server's installation "
                 "(`pip install -r requirements.txt`).", icon=":material/error:")
        st.stop()
