"""The home page: what dlviz is, a card per page, and tensors by rank drawn from real tf.constant values."""

import importlib
import sys
import threading

import streamlit as st

from dlviz import explain, tensors
from dlviz.figures import values as figures

st.title("dlviz — see deep learning work")
st.markdown(
    "Build a computation graph or a neural network, run it with real TensorFlow, and look inside: "
    "every node's value, every tensor's shape, every gradient. Pick a page to start."
)

CARDS = [
    (
        "views/playground.py",
        "Graph playground",
        ":material/hub:",
        "Type a small program of placeholders, variables and operations; run it eagerly, as a "
        "tf.function graph and in a TF1 session; click any node to see its value and gradient.",
    ),
    (
        "views/train.py",
        "Build & train a CNN",
        ":material/model_training:",
        "Stack convolution, pooling and dense layers, see every shape change, train on shipped "
        "digits, shapes or your own images while the curves move, and keep the model.",
    ),
    (
        "views/inspect.py",
        "Look inside a CNN",
        ":material/visibility:",
        "Filters, feature maps before and after ReLU, max pooling, and the arithmetic of one "
        "pixel, for your model, the demo model or any Keras CNN you upload.",
    ),
    (
        "views/graphs.py",
        "TensorFlow graphs",
        ":material/account_tree:",
        "The graphs TensorFlow really runs — layers, inference ops, a whole training step with its "
        "gradients — for any model here or ResNet50 and friends, readable at any size.",
    ),
]
columns = st.columns(2) + st.columns(2)
for column, (page, title, icon, blurb) in zip(columns, CARDS):
    with column.container(border=True):
        st.subheader(f"{icon} {title}")
        st.write(blurb)
        st.page_link(page, label=f"Open {title}", icon=":material/arrow_forward:")


@st.cache_resource
def tensorflow_loader() -> threading.Thread:
    """Import TensorFlow in the background once per server, so this page never waits for it."""
    thread = threading.Thread(target=importlib.import_module, args=("tensorflow",), daemon=True)
    thread.start()
    return thread


@st.cache_resource
def rank_examples():
    return tensors.rank_examples()


def tensorflow_ready() -> bool:
    module = sys.modules.get("tensorflow")
    return module is not None and hasattr(module, "constant")  # set near the end of TensorFlow's import


st.header("Tensors, rank by rank")
st.markdown(explain.TENSOR)
ready = tensorflow_ready()


@st.fragment(run_every=None if ready else 1.0)
def tensor_ranks() -> None:
    if not tensorflow_ready():
        # Draw the same values at once from NumPy; the TensorFlow versions replace them when it is ready.
        recipes = tensors.rank_recipes()
        st.plotly_chart(figures.tensor_ranks_figure([(title, value) for title, _, _, value in recipes]), key="ranks_preview")
        st.info("TensorFlow is starting in the background (a few seconds the first time); these same values are "
                "about to be re-made as real tf.constant tensors, with what TensorFlow says about each.")
        if st.session_state.get("home_drawn"):
            # Loading TensorFlow's libraries holds the interpreter for seconds at a time, so it starts on
            # the fragment's next tick, once this page has reached the browser.
            tensorflow_loader()
        st.session_state.home_drawn = True
        return
    if st.session_state.get("tensorflow_waiting"):
        # TensorFlow just became ready: rerun the page once so this fragment stops polling.
        st.session_state.tensorflow_waiting = False
        st.rerun(scope="app")
    examples = rank_examples()
    st.plotly_chart(figures.tensor_ranks_figure([(e.title, e.value) for e in examples]), key="ranks")
    for column, example in zip(st.columns(len(examples)), examples):
        column.markdown(f"**{example.title}**  \n{example.meaning}")
        column.code(example.code, language="python", wrap_lines=True)
        column.caption(f"{example.type_name} · shape {example.shape} · rank {example.rank} · {example.dtype}")


if not ready:
    st.session_state.tensorflow_waiting = True
tensor_ranks()
