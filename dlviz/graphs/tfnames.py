"""The names of TensorFlow and NumPy that the playground reads, and where TensorFlow 2 keeps them.

Pure data for `dlviz.graphs.tfcode`: `TF_NAMES` maps a name under `tf.` to what it becomes (an operation,
a constant, a placeholder, an initialiser, a session…) with the namespaces it lives in, so that a name
TensorFlow 2 moved or removed (`tf.Session`, `tf.log`) is read and explained. Anything not listed here is
refused; parts of TensorFlow or NumPy that reach outside a graph of numbers are named in `OUTSIDE`.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlviz.graphs.language import DTYPES


@dataclass(frozen=True)
class TfName:
    """A name under `tf.` the reader understands: what it becomes, and where TensorFlow 2 keeps it."""

    kind: str  # op, constant, convert, variable, placeholder, init, session, initializer, eager, graph, tape, gradients, function, seed, dtype
    target: str = ""  # the op, initializer or dtype it stands for
    v2: bool = True  # exists as tf.<name> in TensorFlow 2
    v1: bool = True  # exists as tf.compat.v1.<name>
    tf2: str = ""  # TensorFlow 2's name for a name it moved or removed


def _table() -> dict[str, TfName]:
    ops = {
        "add": ["add", "math.add"], "subtract": ["subtract", "math.subtract"], "multiply": ["multiply", "math.multiply"],
        "divide": ["divide", "math.divide"], "matmul": ["matmul", "linalg.matmul"], "maximum": ["maximum", "math.maximum"],
        "minimum": ["minimum", "math.minimum"], "pow": ["pow", "math.pow"], "negative": ["negative", "math.negative"],
        "abs": ["abs", "math.abs"], "relu": ["nn.relu"], "sigmoid": ["sigmoid", "math.sigmoid", "nn.sigmoid"],
        "tanh": ["tanh", "math.tanh", "nn.tanh"], "softmax": ["nn.softmax", "math.softmax"], "exp": ["exp", "math.exp"],
        "log": ["math.log"], "square": ["square", "math.square"], "sqrt": ["sqrt", "math.sqrt"],
        "reduce_sum": ["reduce_sum", "math.reduce_sum"], "reduce_mean": ["reduce_mean", "math.reduce_mean"],
        "reduce_max": ["reduce_max", "math.reduce_max"], "transpose": ["transpose"], "reshape": ["reshape"],
        "concat": ["concat"], "cast": ["cast"], "identity": ["identity"],
    }
    table = {path: TfName("op", op) for op, paths in ops.items() for path in paths}
    table.update({
        "log": TfName("op", "log", v2=False, tf2="tf.math.log"),
        "constant": TfName("constant"), "convert_to_tensor": TfName("convert"), "Variable": TfName("variable"),
        "placeholder": TfName("placeholder", v2=False, tf2="tf.compat.v1.placeholder"),
        "zeros": TfName("init", "zeros"), "ones": TfName("init", "ones"), "fill": TfName("init", "fill"),
        "random.normal": TfName("init", "random_normal"), "random.uniform": TfName("init", "random_uniform"),
        "random.truncated_normal": TfName("init", "truncated_normal"),
        "random_normal": TfName("init", "random_normal", v2=False, tf2="tf.random.normal"),
        "random_uniform": TfName("init", "random_uniform", v2=False, tf2="tf.random.uniform"),
        "truncated_normal": TfName("init", "truncated_normal", v2=False, tf2="tf.random.truncated_normal"),
        "Session": TfName("session", v2=False, tf2="tf.compat.v1.Session"),
        "InteractiveSession": TfName("session", v2=False, tf2="tf.compat.v1.InteractiveSession"),
        "global_variables_initializer": TfName("initializer", v2=False, tf2="tf.compat.v1.global_variables_initializer"),
        "initialize_all_variables": TfName("initializer", v2=False, tf2="tf.compat.v1.global_variables_initializer"),
        "enable_eager_execution": TfName("eager", v2=False, tf2="tf.compat.v1.enable_eager_execution"),
        "disable_eager_execution": TfName("graph", v2=False, tf2="tf.compat.v1.disable_eager_execution"),
        "disable_v2_behavior": TfName("graph", v2=False, tf2="tf.compat.v1.disable_v2_behavior"),
        "GradientTape": TfName("tape"), "gradients": TfName("gradients"), "function": TfName("function"),
        "random.set_seed": TfName("seed", v1=False), "set_random_seed": TfName("seed", v2=False, tf2="tf.random.set_seed"),
    })
    for dtype in DTYPES:
        table[dtype] = table[f"dtypes.{dtype}"] = TfName("dtype", dtype)
    return table


TF_NAMES = _table()
NUMPY_FUNCTIONS = ("array", "asarray", "zeros", "ones", "full", "arange", "linspace", "eye", *DTYPES)
# Parts of TensorFlow and NumPy that reach outside a graph: files, Python code, the network, models.
OUTSIDE = ("io", "gfile", "py_function", "numpy_function", "py_func", "raw_ops", "saved_model", "keras", "data",
           "summary", "debugging", "load_op_library", "load_library", "train", "distribute", "lite", "config",
           "experimental", "autograph", "estimator", "strings", "print", "sysconfig", "load", "save", "savez",
           "savez_compressed", "fromfile", "tofile", "loadtxt", "savetxt", "genfromtxt", "memmap", "ctypeslib",
           "lib", "frombuffer", "fromregex", "random")
TENSOR_PARAMETERS = {
    "matmul": ("a", "b"), "relu": ("features",), "softmax": ("logits",), "transpose": ("a",), "reshape": ("tensor",),
    "concat": ("values",), "identity": ("input",), "reduce_sum": ("input_tensor",), "reduce_mean": ("input_tensor",),
    "reduce_max": ("input_tensor",),
}
TF_INITIALIZER_ARGUMENTS = {
    "zeros": ("shape", "dtype", "name"), "ones": ("shape", "dtype", "name"), "fill": ("shape", "value", "name"),
    "random_normal": ("shape", "mean", "stddev", "dtype", "seed", "name"),
    "random_uniform": ("shape", "minval", "maxval", "dtype", "seed", "name"),
    "truncated_normal": ("shape", "mean", "stddev", "dtype", "seed", "name"),
}
REFUSED_STATEMENTS = {
    "For": "Loops are not read here: the playground draws straight-line code, one node per step. Write each step on its own line.",
    "While": "Loops are not read here: the playground draws straight-line code, one node per step. Write each step on its own line.",
    "If": "Conditionals are not read here: the graph has one path. Keep the branch you want to see.",
    "ClassDef": "Classes are not read here; write the computation as assignments, or as a @tf.function of straight-line code.",
    "Try": "try/except is not read here; the page reports every mistake itself.",
}


