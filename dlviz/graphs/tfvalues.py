"""Tensors from TensorFlow code: tf.constant, tf.Variable, placeholders, initialisers, NumPy arrays and dtypes.

A mixin of `dlviz.graphs.tfcode.Reader`. Numbers and dtypes are inferred as TensorFlow and NumPy infer them
(Python ints become int32 in `tf.constant` but int64 in `np.array`), seeded random initialisers are marked so
`compgraph` draws TensorFlow's own numbers, and every size is checked before anything is made.
"""

from __future__ import annotations

import ast
import math
from typing import Any

import numpy as np

from dlviz.graphs import language
from dlviz.graphs.language import (
    DTYPES,
    FLOAT_DTYPES,
    MAX_TENSOR_ELEMENTS,
    Node,
    _as_list,
    _check_shape,
    _has_float,
    _is_number,
    _shape_of,
)
from dlviz.graphs.tfnames import NUMPY_FUNCTIONS, OUTSIDE, TENSOR_PARAMETERS, TF_INITIALIZER_ARGUMENTS, TF_NAMES


class Values:
    """TensorFlow's and NumPy's ways of making tensors, for the TensorFlow-code reader."""

    # -- TensorFlow functions ---------------------------------------------------------------------
    def tf_op(self, function: str, call: ast.Call, name: str | None, written: str) -> str:
        """tf.multiply(a, b), tf.reduce_sum(x, axis=1), tf.nn.softmax(logits=z): the same op nodes as the playground's."""
        spec = language.ALL_OPS[function]
        parameters = TENSOR_PARAMETERS.get(function, ("x", "y")[: max(spec.tensor_args, 1)])
        arguments, keywords = list(call.args), []
        for keyword in call.keywords:
            if keyword.arg in parameters:
                index = parameters.index(keyword.arg)
                if index != len(arguments):
                    raise self.error(keyword.value, f"Give the tensors of {written} in order.")
                arguments.append(keyword.value)
            else:
                keywords.append(keyword)
        if function == "concat" and not any(k.arg == "axis" for k in keywords) and len(arguments) < 2:
            raise self.error(call, f"{written} needs an axis:  {written}([a, b], axis=0).")
        return self.op_call(function, call, name, arguments, keywords, written, extra_options=("name",))

    def tf_constant(self, call: ast.Call, name: str | None, written: str, convert: bool = False) -> str:
        value_expression = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "value"), None)
        if convert and isinstance(value_expression, ast.Name):
            source = self.lookup(value_expression)
            if source not in self.fetched and source not in self.weak and not self.defined[source].attrs.get("numpy"):
                return self.expression(value_expression, name)  # a tensor already: TensorFlow returns it unchanged
        return self.add_value_source(name, "constant", self.constant_options(call, written, convert), call)

    def constant_options(self, call: ast.Call, written: str, convert: bool = False) -> dict[str, Any]:
        """tf.constant(value, dtype=None, shape=None, name=None): the numbers and dtype, as TensorFlow infers them."""
        order = ("value", "dtype", "shape", "name") if not convert else ("value", "dtype", "name")
        given = self.arguments_by_name(call, order, written)
        if "value" not in given:
            raise self.error(call, f"{written} needs a value:  {written}([1, 2, 3]).")
        value, dtype = self.array_value(given["value"], f"the value of {written}")
        if "dtype" in given:
            dtype = self.dtype_name(given["dtype"])
        options: dict[str, Any] = {"dtype": dtype}
        if given.get("shape") is not None and not (isinstance(given["shape"], ast.Constant) and given["shape"].value is None):
            shape = _as_list(self.literal(given["shape"]))
            _check_shape(shape, call, self, allow_none=False)
            if _is_number(value):
                options["init"] = {"function": "fill", "shape": shape, "value": value}
            elif math.prod(_shape_of(value)) == math.prod(shape):
                options["value"] = np.reshape(np.asarray(value, dtype=object), shape).tolist()
            else:
                raise self.error(call, f"{written}: {math.prod(_shape_of(value))} numbers cannot fill shape {tuple(shape)}.")
        else:
            options["value"] = value
        if "name" in given:
            options["name"] = self.literal(given["name"])
        return options

    def tf_variable(self, call: ast.Call, name: str | None, written: str) -> str:
        self.no_state_in_function("a variable", call)
        if name is None:
            raise self.error(call, f"Give the variable a name of its own:  W = {written}(...)  on its own line.")
        given = self.arguments_by_name(call, ("initial_value", "trainable", "name", "dtype"), written, positional=1)
        if "initial_value" not in given:
            raise self.error(call, f"{written} needs a starting value:  {written}(tf.zeros([2])).")
        options = self.initial_value(given["initial_value"], written)
        if "dtype" in given:
            wanted = self.dtype_name(given["dtype"])
            if "init" in options and wanted != options["dtype"]:
                raise self.error(call, f"The initial value is {options['dtype']} but dtype says {wanted}; give the initialiser the dtype.")
            options["dtype"] = wanted
        for option in ("trainable", "name"):
            if option in given:
                options[option] = self.literal(given[option])
        return self.add_value_source(name, "variable", options, call)

    def initial_value(self, expression: ast.expr, written: str) -> dict[str, Any]:
        """A variable's starting value: numbers, a NumPy array, tf.constant(...), an initialiser, or a name of one."""
        if isinstance(expression, ast.Call) and isinstance(expression.func, ast.Attribute):
            entry = self.tf_entry(expression.func)
            if entry is not None and entry.kind == "init":
                init, dtype = self.tf_initializer(entry.target, expression, ".".join(self.dotted(expression.func)))
                return {"init": init, "dtype": dtype}
            if entry is not None and entry.kind in ("constant", "convert"):
                options = self.constant_options(expression, ".".join(self.dotted(expression.func)), entry.kind == "convert")
                return {key: options[key] for key in ("value", "init", "dtype") if key in options}
        if isinstance(expression, ast.Name):
            source = self.defined[self.lookup(expression)]
            if source.kind == "constant" and source.name not in self.weak:
                return {key: source.attrs[key] for key in ("value", "init") if key in source.attrs} | {"dtype": source.dtype}
            if source.kind != "constant":
                raise self.error(expression, f"A variable starts from numbers or an initialiser, not from the {source.kind} "
                                             f"'{source.name}'.")
        value, dtype = self.array_value(expression, f"the starting value of {written}")
        return {"value": value, "dtype": dtype}

    def tf_placeholder(self, call: ast.Call, name: str | None, written: str) -> str:
        if name is None:
            raise self.error(call, f"Give the placeholder a name of its own:  x = {written}(tf.float32, shape=[None, 3]).")
        self.no_state_in_function("a placeholder", call)
        self.mark_graph_code("a placeholder", call)
        given = self.arguments_by_name(call, ("dtype", "shape", "name"), written)
        if "dtype" not in given:
            raise self.error(call, f"Give the placeholder a dtype:  {written}(tf.float32, shape=[None, 3]).")
        shape = self.literal(given["shape"]) if "shape" in given else None
        if shape is None:
            raise self.error(call, f"Give the placeholder a shape (None for any size):  {written}(tf.float32, shape=[None, 3]).")
        options = {"shape": _as_list(shape), "dtype": self.dtype_name(given["dtype"])}
        if "name" in given:
            options["name"] = self.literal(given["name"])
        return self.add_placeholder(name, options, call)

    def tf_initializer(self, function: str, call: ast.Call, written: str) -> tuple[dict[str, Any], str]:
        keywords = [ast.keyword(arg="shape", value=k.value) if k.arg == "dims" else k for k in call.keywords]
        init = self.initializer(call, function, list(call.args), keywords, TF_INITIALIZER_ARGUMENTS[function], written)
        init.pop("name", None)
        value = init.get("value")
        dtype = init.pop("dtype", None) or ("int32" if function == "fill" and isinstance(value, int) else "float32")
        if function in language.RANDOM_INITIALIZERS:
            if dtype not in FLOAT_DTYPES:
                raise self.error(call, f"{written} makes float numbers; use dtype=tf.float32 or tf.float64.")
            if "seed" in init:
                key = (function, init["seed"])
                if key in self.random_seeds:
                    raise self.error(call, f"Line {self.random_seeds[key]} already uses {written} with seed={init['seed']}. Eager "
                                           "TensorFlow would continue that sequence here while a TF1 graph would repeat it, "
                                           "so give each random initialiser its own seed.")
                self.random_seeds[key] = call.lineno
                init["stateful"] = True
            else:
                self.note(call, f"{written} without a seed gives new numbers on every run; the playground fixes them (from "
                                "the node's name) so that every mode starts from the same numbers. Add seed=1 to get TensorFlow's own.")
            if function == "random_uniform" and init.get("maxval") is None:
                init["maxval"] = 1.0
        return init, dtype

    def arguments_by_name(self, call: ast.Call, order: tuple[str, ...], written: str, positional: int | None = None) -> dict[str, ast.expr]:
        limit = len(order) if positional is None else positional
        if len(call.args) > limit:
            raise self.error(call, f"{written} takes at most {limit} positional argument(s) here; name the others "
                                   f"({', '.join(order[limit:])}).")
        given = dict(zip(order, call.args))
        for keyword in call.keywords:
            if keyword.arg not in order:
                raise self.error(keyword.value, f"{written} has no option '{keyword.arg}' here. It accepts: {', '.join(order)}.")
            if keyword.arg in given:
                raise self.error(keyword.value, f"'{keyword.arg}' is given twice.")
            given[keyword.arg] = keyword.value
        return given

    # -- NumPy -----------------------------------------------------------------------------------------
    def numpy_call(self, path: list[str], call: ast.Call, name: str | None) -> str:
        written, function = ".".join(path), ".".join(path[1:])
        if function not in NUMPY_FUNCTIONS:
            first = path[1] if len(path) > 1 else ""
            if first == "random":
                raise self.error(call, f"{written} would give different numbers on every run; write the numbers, or use "
                                       "tf.random.normal([3, 2], seed=1) so every run starts the same.")
            if first in OUTSIDE:
                raise self.error(call, f"{written} reaches outside a graph of numbers (files or Python objects), so the playground never runs it.")
            raise self.error(call, f"{written} is not read here; NumPy gives values through np.array, np.zeros, np.ones, np.full, "
                                   "np.arange, np.linspace, np.eye and np.float32(...).")
        options = self.numpy_options(function, call, written)
        options["numpy"] = True
        return self.add_value_source(name, "constant", options, call)

    def numpy_options(self, function: str, call: ast.Call, written: str) -> dict[str, Any]:
        if function in ("array", "asarray"):
            given = self.arguments_by_name(call, ("object", "dtype"), written)
            if "object" not in given:
                raise self.error(call, f"{written} needs numbers:  {written}([1, 2, 3]).")
            value, dtype = self.array_value(given["object"], f"the argument of {written}", integers="int64", floats="float64")
            return {"value": value, "dtype": self.dtype_name(given["dtype"]) if "dtype" in given else dtype}
        if function in DTYPES:
            if len(call.args) != 1 or call.keywords:
                raise self.error(call, f"Write {written}(3.5).")
            return {"value": self.numeric_literal(call.args[0]), "dtype": function}
        if function in ("zeros", "ones", "full"):
            order = ("shape", "fill_value", "dtype") if function == "full" else ("shape", "dtype")
            given = self.arguments_by_name(call, order, written)
            if "shape" not in given or (function == "full" and "fill_value" not in given):
                raise self.error(call, f"{written} needs a shape" + (" and a value" if function == "full" else "") + ".")
            shape = self.literal(given["shape"])
            shape = [shape] if isinstance(shape, int) and not isinstance(shape, bool) else _as_list(shape)
            init: dict[str, Any] = {"function": "fill" if function == "full" else function, "shape": shape}
            dtype = "float64"
            if function == "full":
                init["value"] = self.literal(given["fill_value"])
                if not _is_number(init["value"]):
                    raise self.error(call, f"The value of {written} must be a number.")
                dtype = "int64" if isinstance(init["value"], int) else "float64"
            _check_shape(shape, call, self, allow_none=False)
            return {"init": init, "dtype": self.dtype_name(given["dtype"]) if "dtype" in given else dtype}
        numbers = [self.literal(argument) for argument in call.args]
        keywords = {keyword.arg: self.literal(keyword.value) for keyword in call.keywords}
        if not all(_is_number(number) for number in [*numbers, *keywords.values()]) or not 1 <= len(numbers) + len(keywords) <= 3:
            raise self.error(call, f"{written} takes up to three numbers here.")
        try:
            if function == "arange":
                if keywords:
                    raise TypeError
                count = math.ceil((numbers[1] - numbers[0]) / (numbers[2] if len(numbers) == 3 else 1)) if len(numbers) > 1 else numbers[0]
                if count > MAX_TENSOR_ELEMENTS:
                    raise ValueError
                array = np.arange(*numbers)
            elif function == "linspace":
                number = keywords.get("num", numbers[2] if len(numbers) > 2 else 50)
                if not isinstance(number, int) or not 0 < number <= MAX_TENSOR_ELEMENTS or set(keywords) - {"num"}:
                    raise ValueError
                array = np.linspace(numbers[0], numbers[1], number)
            else:
                if keywords or not all(isinstance(n, int) and 0 < n <= 300 for n in numbers[:2]) or len(numbers) > 2:
                    raise ValueError
                array = np.eye(*numbers)
        except (ValueError, TypeError, IndexError, ZeroDivisionError):
            raise self.error(call, f"{written} got arguments it cannot use here (or would make more than "
                                   f"{MAX_TENSOR_ELEMENTS:,} numbers).") from None
        if array.size == 0:
            raise self.error(call, f"{written} would be empty.")
        return {"value": array.tolist(), "dtype": str(array.dtype) if str(array.dtype) in DTYPES else "float64"}

    def astype(self, call: ast.Call, name: str | None) -> str:
        """`np.array(...).astype(np.float32)`: a NumPy value with another dtype."""
        value = call.func.value
        path = self.dotted(value.func) if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) else None
        if path and self.modules.get(path[0]) == "numpy" and ".".join(path[1:]) in NUMPY_FUNCTIONS:
            attrs = {**self.numpy_options(".".join(path[1:]), value, ".".join(path)), "numpy": True}
        else:
            attrs = self.defined[self.expression(value)].attrs
        if not attrs.get("numpy") or len(call.args) != 1 or call.keywords:
            raise self.error(call, ".astype(dtype) is read on NumPy arrays only; for tensors use tf.cast(x, tf.float32).")
        dtype = self.dtype_name(call.args[0])
        options = {key: attrs[key] for key in ("value", "init") if key in attrs}
        if "value" in options and dtype not in FLOAT_DTYPES:
            options["value"] = np.trunc(np.asarray(options["value"], dtype=np.float64)).astype(np.int64).tolist()
        return self.add_value_source(name, "constant", {**options, "dtype": dtype, "numpy": True}, call)

    # -- values and dtypes ----------------------------------------------------------------------------
    def array_value(self, expression: ast.expr, role: str, integers: str = "int32", floats: str = "float32") -> tuple[Any, str]:
        """Numbers for a tensor or a feed: a literal (dtype as TensorFlow infers it), or a NumPy value defined above."""
        if isinstance(expression, ast.Name):
            source = self.defined[self.lookup(expression)]
            if source.kind == "constant" and (source.attrs.get("numpy") or "value" in source.attrs) and source.name not in self.weak:
                return self.numpy_numbers(source, expression), source.dtype
            if source.name in self.weak:
                value = source.attrs["value"]
                return value, floats if _has_float(value) else integers
            raise self.error(expression, f"Use numbers or a NumPy array as {role}; '{source.name}' is a tensor.")
        if isinstance(expression, ast.Call) and isinstance(expression.func, ast.Attribute):
            path = self.dotted(expression.func)
            if path and self.modules.get(path[0]) == "numpy":
                options = self.numpy_options(".".join(path[1:]), expression, ".".join(path)) if ".".join(path[1:]) in NUMPY_FUNCTIONS else None
                if options is None:
                    self.numpy_call(path, expression, None)  # raises the right refusal
                probe = Node("value", "constant", "constant", (), options)
                return self.numpy_numbers(probe, expression), options["dtype"]
        value = self.numeric_literal(expression)
        if _has_float(value):
            return value, floats
        largest = max((abs(number) for number in language._leaves(value)), default=0)
        return value, integers if largest <= language.DTYPE_LIMITS[integers] else "int64"

    def numpy_numbers(self, node: Node, where: ast.AST) -> Any:
        if "value" in node.attrs:
            return node.attrs["value"]
        init = node.attrs["init"]
        if init["function"] in ("zeros", "ones", "fill"):
            filler = {"zeros": 0, "ones": 1}.get(init["function"], init.get("value"))
            return np.full(init["shape"], filler, dtype=node.dtype).tolist()
        raise self.error(where, f"'{node.name}' holds random numbers; write the numbers to use them here.")

    def dtype_name(self, expression: ast.expr) -> str:
        """A dtype: "float32", tf.float32, tf.dtypes.float32, np.float32, or Python's float / int (NumPy's float64 / int64)."""
        if isinstance(expression, ast.Name) and expression.id in ("float", "int"):
            return "float64" if expression.id == "float" else "int64"
        if isinstance(expression, ast.Attribute):
            path = self.dotted(expression)
            if path and self.modules.get(path[0]) == "numpy" and len(path) == 2 and path[1] in DTYPES:
                return path[1]
            if path and self.modules.get(path[0]) in ("tensorflow", "tensorflow.compat.v1"):
                rest = path[1:][2:] if path[1:3] == ["compat", "v1"] else path[1:]
                entry = TF_NAMES.get(".".join(rest))
                if entry is not None and entry.kind == "dtype":
                    return entry.target
            raise self.error(expression, f"dtype must be one of {', '.join(f'tf.{d}' for d in DTYPES)} here, not {'.'.join(path or ['?'])}.")
        return super().dtype_name(expression)

    def op_call(self, function: str, call: ast.Call, name: str | None, arguments: list[ast.expr],
                keywords: list[ast.keyword], label: str | None = None, extra_options: tuple[str, ...] = ()) -> str:
        if extra_options:
            names = [keyword for keyword in keywords if keyword.arg in extra_options]
            for keyword in names:
                if keyword.arg == "name":
                    value = self.literal(keyword.value)
                    if value is not None and (not isinstance(value, str) or not language.STRING_NAME_RULE.match(value)):
                        raise self.error(keyword.value, "A name= option is up to 64 letters, digits, _ . or -.")
            keywords = [keyword for keyword in keywords if keyword not in names]
        return super().op_call(function, call, name, arguments, keywords, label)

