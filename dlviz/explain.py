"""Plain-language explanations shown beside the views, written for someone new to TensorFlow."""

GRAPH = (
    "TensorFlow describes a computation as a **data-flow graph**. Each node is an operation "
    "(multiply, matmul, relu, …); each edge carries a **tensor**, an array of numbers of some "
    "shape, from the node that makes it to the nodes that use it. Because the whole computation "
    "is written down before it runs, TensorFlow can draw it, split it across cores or devices, "
    "and simplify it."
)
PLACEHOLDER = (
    "A **placeholder** is a hole in the graph: it has a shape (None means \"any size\", usually "
    "the batch) but no value until you feed one in when the graph runs."
)
VARIABLE = (
    "A **variable** holds state that survives between runs — a model's weights and biases. It "
    "starts from an initial value (zeros, random numbers, …) and training changes it."
)
CONSTANT = "A **constant** is a value baked into the graph; it never changes."
EAGER = (
    "**Eager execution** (TensorFlow 2's default) runs each operation the moment Python reaches "
    "it. Every result is an `EagerTensor` whose numbers you can print straight away."
)
GRAPH_MODE = (
    "**tf.function** traces the same Python code once into a graph. While tracing, results are "
    "symbolic `Tensor`s: they know their shape and type but hold no numbers yet. Calling the "
    "function then runs the whole graph at once."
)
SESSION = (
    "**Sessions** are how TensorFlow 1 ran graphs: you first build the graph, then open a "
    "`Session`, initialise the variables and call `session.run`, with a `feed_dict` that gives "
    "each placeholder its value."
)
GRADIENT = (
    "A **gradient** says how much a result would change if an input were nudged. TensorFlow "
    "computes it automatically by walking the graph backwards (auto-differentiation); an "
    "optimizer then moves each variable a little against its gradient to lower the loss."
)
TF_GRAPH = (
    "This is the graph TensorFlow itself traced from your program, op by op. It has more "
    "nodes than yours: reading a variable is its own `ReadVariableOp`, results pass through "
    "`Identity` ops, and each gradient expands into the backward ops of the operations it "
    "flows through."
)
TF_CODE = (
    "The same program as TensorFlow code you can paste into a notebook. **TensorFlow 2 (eager)** runs each "
    "line at once; **tf.function** puts the computation in a function TensorFlow traces into a graph; "
    "**TensorFlow 1** first builds a graph with placeholders, then runs it in a `Session` with a "
    "`feed_dict`. Each version ends with a dict `values` holding the numbers this page shows."
)
TF_READING = (
    "You can also paste TensorFlow code from your notes: `import tensorflow as tf`, `tf.constant`, "
    "`tf.Variable`, placeholders, `tf.multiply`, `tf.matmul`, `tf.nn.relu`, `with tf.compat.v1.Session() "
    "as sess:` and `sess.run(..., feed_dict=...)`, `tf.GradientTape`, `@tf.function`, `print`. It is read, "
    "never run as Python, and becomes the same graph."
)
RETRACING = (
    "A `tf.function` does not run your Python each time: the first call **traces** it into a graph, and "
    "later calls reuse that graph — as long as the inputs have the same shapes and dtypes. A call with a "
    "new shape (another batch size, say) or dtype makes TensorFlow trace again and keep one more graph. "
    "Below, the whole program is a real `tf.function`, called with your feeds: change a feed's number of "
    "rows, or its dtype, and watch. An `input_signature` whose sizes are `None` where any size is fine "
    "lets one graph serve them all (and refuses other dtypes); `reduce_retracing=True` asks TensorFlow "
    "to generalise shapes by itself."
)
TENSOR = (
    "A **tensor** is a multidimensional array of numbers. Its **rank** is how many indices you "
    "need to pick one number: 0 for a scalar, 1 for a vector, 2 for a matrix, 3 for a volume such "
    "as a colour image, 4 for a batch of volumes. The word comes from the study of materials "
    "stretched under tension."
)
TF_MODEL_GRAPH = (
    "Each op is one kernel TensorFlow runs (Conv2D, BiasAdd, Relu, MatMul…); each edge the tensor it passes on. "
    "Name scopes group the ops of one Keras layer; in the training step, ops under gradient_tape are the "
    "backward pass and the Adam/AssignVariableOp ops are the optimizer changing the weights."
)
