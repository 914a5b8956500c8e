"""Big graphs as a table of contents: nodes grouped by name scope, and by shared name prefixes where there are none.

TensorFlow's op graphs carry name scopes (`resnet50_1/conv3_block2_1_conv_1/convolution`), but Keras 3 names its
layers without them (`conv3_block2_1_conv`). Both read well as a hierarchy: scopes nest by '/', and inside a scope
(or a flat list of layers) names that share a prefix of '_'-separated words (`conv3` → `conv3_block2` →
`conv3_block2_1_conv`) become nested groups. A name-prefix group is made only where it is "convex" (no path leaves
it and comes back, so folding it never creates a cycle) and holds at least `MIN_GROUP` members; any level with more
than `MAX_CHILDREN` entries is cut, in the order data flows, into consecutive parts. Group ids end with '/', which
neither a TensorFlow op nor a Keras layer name can, so a group is always a new node.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

MIN_GROUP = 4  # fewer members than this stay loose: a click to open three layers is not worth it
MAX_CHILDREN = 40  # entries one level may show before it is cut into parts
MIN_VIEW = 8  # a first view smaller than this opens its largest group by itself (a wrapper scope such as 'resnet50_1')
MAX_VIEW = 60  # ...as long as the view stays legible


@dataclass
class Group:
    """One group of the hierarchy: a name scope, a shared name prefix, or a part of a long level."""

    id: str
    label: str
    kind: str  # "scope", "prefix" or "part"
    parent: str | None
    children: list[str] = field(default_factory=list)
    size: int = 0  # how many of the graph's nodes are inside


@dataclass
class Hierarchy:
    """Every group, and for every graph node and group the group it sits in (None at the top)."""

    groups: dict[str, Group]
    parent: dict[str, str | None]
    top: list[str]
    order: dict[str, int]  # a topological position for every graph node (cycles broken), for layouts and parts
    inside: dict[str, list[str]] = field(default_factory=dict)  # each group's graph nodes, at any depth
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)  # filled as groups are first shown

    def ancestors(self, item: str) -> list[str]:
        """The groups around `item`, outermost first."""
        chain = []
        parent = self.parent.get(item)
        while parent is not None:
            chain.append(parent)
            parent = self.parent.get(parent)
        return chain[::-1]

    def members(self, group: str) -> list[str]:
        """The graph's nodes inside `group`, at any depth."""
        if group in self.inside:
            return self.inside[group]
        found, stack = [], [group]
        while stack:
            item = stack.pop()
            if item in self.groups:
                stack.extend(self.groups[item].children)
            else:
                found.append(item)
        return found


_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def of(graph: nx.DiGraph) -> Hierarchy:
    """The hierarchy of `graph`, built once per graph object (graphs are not changed after they are built)."""
    with _cache_lock:
        cached = _cache.get(graph)
    if cached is not None and cached[0] == (graph.number_of_nodes(), graph.number_of_edges()):
        return cached[1]
    built = build(graph)
    with _cache_lock:
        _cache[graph] = ((graph.number_of_nodes(), graph.number_of_edges()), built)
    return built


def build(graph: nx.DiGraph) -> Hierarchy:
    """Scopes from '/' in names, then name-prefix groups inside every scope, then parts for long levels."""
    order = topological_order(graph)
    groups: dict[str, Group] = {}
    parent: dict[str, str | None] = {}
    top: list[str] = []

    def children_of(group: str | None) -> list[str]:
        return top if group is None else groups[group].children

    for node in sorted(graph.nodes, key=order.get):
        parts = node.split("/")
        above: str | None = None
        for depth in range(1, len(parts)):
            scope = "/".join(parts[:depth]) + "/"
            if scope not in groups:
                groups[scope] = Group(scope, parts[depth - 1], "scope", above)
                parent[scope] = above
                children_of(above).append(scope)
            above = scope
        parent[node] = above
        children_of(above).append(node)
    leaves = _leaves(groups, top)
    builder = _Builder(graph, order, groups, parent, leaves, top)
    for scope in [None, *[g for g in list(groups) if groups[g].kind == "scope"]]:
        builder.regroup(scope)
    for scope in [g for g in groups if len(groups[g].children) == 1 and groups[g].children[0] not in groups]:
        _dissolve(scope, groups, parent, top)  # a scope around a single op adds a click and shows nothing more
    result = Hierarchy(groups, parent, top, order)
    result.inside = {group: result.members(group) for group in groups}
    for group in groups.values():
        group.size = len(result.inside[group.id])
    return result


def _dissolve(group: str, groups: dict[str, Group], parent: dict[str, str | None], top: list[str]) -> None:
    above = parent.pop(group)
    (child,) = groups.pop(group).children
    parent[child] = above
    siblings = top if above is None else groups[above].children
    siblings[siblings.index(group)] = child


def topological_order(graph: nx.DiGraph) -> dict[str, int]:
    """A position for every node such that edges point forward (a cycle's closing edges are ignored)."""
    dag = graph
    while True:
        try:
            return {node: index for index, node in enumerate(nx.topological_sort(dag))}
        except nx.NetworkXUnfeasible:
            dag = dag.copy() if dag is graph else dag
            dag.remove_edge(*nx.find_cycle(dag)[-1][:2])


def _leaves(groups: dict[str, Group], top: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}

    def visit(group: str) -> list[str]:
        inside = []
        for child in groups[group].children:
            inside.extend(visit(child) if child in groups else [child])
        found[group] = inside
        return inside

    for item in top:
        if item in groups:
            visit(item)
    return found


def tokens(name: str) -> list[str]:
    """The words of a name's last part: 'conv3_block2_1_conv' → ['conv3', 'block2', '1', 'conv']."""
    return name.rstrip("/").rsplit("/", 1)[-1].split("_")


class _Builder:
    """Adds name-prefix groups and parts under one scope at a time."""

    def __init__(self, graph, order, groups, parent, leaves, top) -> None:
        self.graph, self.order, self.groups, self.parent, self.leaves, self.top = graph, order, groups, parent, leaves, top

    def leaves_of(self, item: str) -> list[str]:
        if item not in self.groups:
            return [item]
        if item not in self.leaves:
            self.leaves[item] = [leaf for child in self.groups[item].children for leaf in self.leaves_of(child)]
        return self.leaves[item]

    def regroup(self, scope: str | None) -> None:
        items = list(self.groups[scope].children if scope is not None else self.top)
        prefix = scope or ""
        shown = self._cut(self._split(items, 0, prefix), prefix)
        self._adopt(scope, shown)

    def _adopt(self, group: str | None, children: list[str]) -> None:
        for child in children:
            self.parent[child] = group
        if group is None:
            self.top[:] = children
        else:
            self.groups[group].children = children

    def _split(self, items: list[str], depth: int, prefix: str) -> list[str]:
        """Items sharing their first `depth` words, with groups made for longer shared prefixes.

        A bucket of at least MIN_GROUP items becomes a group; a smaller one (of two or more) too when a sibling
        numbered like it did (VGG's 'block1' of 3 layers beside 'block3' of 4), so alike parts read alike."""
        buckets: dict[str | None, list[str]] = {}
        for item in items:
            words = tokens(item)
            buckets.setdefault(words[depth] if len(words) > depth else None, []).append(item)
        inner = {word: self._split(bucket, depth + 1, prefix) for word, bucket in buckets.items() if word is not None}

        def worth(word: str | None, bucket: list[str], size: int) -> bool:
            return (word is not None and len(bucket) >= size and len(bucket) < len(items) and len(inner[word]) > 1
                    and self._convex(bucket))

        grouped = {word for word, bucket in buckets.items() if worth(word, bucket, MIN_GROUP)}
        families = {_unnumbered(word) for word in grouped}
        grouped |= {word for word, bucket in buckets.items()
                    if word is not None and _unnumbered(word) in families and word != _unnumbered(word) and worth(word, bucket, 2)}
        result: list[str] = []
        for word, bucket in buckets.items():
            if word not in grouped:
                result.extend(inner.get(word, bucket))
                continue
            label = "_".join(_common_words([tokens(item) for item in bucket]))
            group_id = f"{prefix}{label}_*/"
            if group_id in self.groups or group_id in self.parent:
                result.extend(inner[word])
                continue
            self.groups[group_id] = Group(group_id, label, "prefix", None)
            self.parent[group_id] = None
            self._adopt(group_id, inner[word])
            result.append(group_id)
        return result

    def _cut(self, items: list[str], prefix: str) -> list[str]:
        """A level with more than MAX_CHILDREN entries gets its loose nodes cut, in the order data flows, into
        consecutive parts (its groups stay as they are); if that is still too many, everything is cut."""
        if len(items) <= MAX_CHILDREN:
            return items
        loose = [item for item in items if item not in self.groups and not self._input(item)]
        kept = [item for item in items if item in self.groups or self._input(item)]
        if len(kept) + math.ceil(len(loose) / MAX_CHILDREN) <= MAX_CHILDREN and len(loose) > 1:
            room = MAX_CHILDREN - len(kept)
            return kept + self._parts(loose, prefix, max(1, math.ceil(len(loose) / room)) if room else 1)
        return self._cut(self._parts(items, prefix, math.ceil(len(items) / MAX_CHILDREN)), prefix)

    def _parts(self, items: list[str], prefix: str, count: int) -> list[str]:
        items = sorted(items, key=self._first)
        size = math.ceil(len(items) / max(1, min(count, len(items))))
        if size <= 1:
            return items
        parts = []
        for start in range(0, len(items), size):
            inside = items[start:start + size]
            if len(inside) == 1:
                parts.extend(inside)
                continue
            first, last = self._label(inside[0]), self._label(inside[-1])
            group_id = f"{prefix}[{first} … {last}]/"
            if group_id in self.groups:
                group_id = f"{prefix}[{start}: {first} … {last}]/"
            self.groups[group_id] = Group(group_id, f"{first} … {last}", "part", None)
            self.parent[group_id] = None
            self._adopt(group_id, inside)
            parts.append(group_id)
        return parts

    def _input(self, item: str) -> bool:
        return self.graph.nodes[item].get("kind") in ("placeholder", "input") and self.graph.in_degree(item) == 0

    def _label(self, item: str) -> str:
        return self.groups[item].label if item in self.groups else item.rsplit("/", 1)[-1]

    def _first(self, item: str) -> int:
        return min(self.order[leaf] for leaf in self.leaves_of(item))

    def _convex(self, items: list[str]) -> bool:
        """Whether no path leaves these items' nodes and comes back (folding them then keeps the graph acyclic)."""
        inside = {leaf for item in items for leaf in self.leaves_of(item)}
        low = min(self.order[node] for node in inside)
        high = max(self.order[node] for node in inside)
        reached_out = self._reach(inside, self.graph.successors, lambda node: self.order[node] < high)
        if not reached_out:
            return True
        reaching_in = self._reach(inside, self.graph.predecessors, lambda node: self.order[node] > low)
        return not (reached_out & reaching_in)

    @staticmethod
    def _reach(inside: set[str], step, within) -> set[str]:
        """Nodes outside `inside` reachable from it (following `step`), staying where `within` holds."""
        seen: set[str] = set()
        frontier = list(inside)
        while frontier:
            node = frontier.pop()
            for other in step(node):
                if other in seen or other in inside or not within(other):
                    continue
                seen.add(other)
                frontier.append(other)
        return seen


def _unnumbered(word: str) -> str:
    return word.rstrip("0123456789")


def _common_words(words: list[list[str]]) -> list[str]:
    common = words[0]
    for other in words[1:]:
        length = 0
        while length < min(len(common), len(other)) and common[length] == other[length]:
            length += 1
        common = common[:length]
    return common


# -- one view of the hierarchy --------------------------------------------------------------------
def visible(hierarchy: Hierarchy, expanded: Iterable[str] = ()) -> list[str]:
    """What shows when the groups in `expanded` are open and every other group is folded."""
    expanded = set(expanded)
    shown: list[str] = []
    stack = list(reversed(hierarchy.top))
    while stack:
        item = stack.pop()
        if item in hierarchy.groups and item in expanded:
            stack.extend(reversed(hierarchy.groups[item].children))
        else:
            shown.append(item)
    return shown


def first_view(hierarchy: Hierarchy, expanded: Iterable[str] = (), min_view: int = MIN_VIEW) -> set[str]:
    """`expanded` plus the largest groups opened by themselves while the view is tiny (a wrapper around everything)."""
    expanded = set(expanded)
    while True:
        shown = visible(hierarchy, expanded)
        closed = [item for item in shown if item in hierarchy.groups]
        if len(shown) >= min_view or not closed:
            return expanded
        largest = max(closed, key=lambda group: hierarchy.groups[group].size)
        if len(shown) - 1 + len(hierarchy.groups[largest].children) > MAX_VIEW:
            return expanded
        expanded.add(largest)


def shown_as(hierarchy: Hierarchy, expanded: set[str]) -> dict[str, str]:
    """For every graph node, the node or folded group it is drawn as."""
    result = {}
    for item in visible(hierarchy, expanded):
        for node in hierarchy.members(item) if item in hierarchy.groups else [item]:
            result[node] = item
    return result


def open_to(hierarchy: Hierarchy, items: Iterable[str]) -> set[str]:
    """The groups to open so that every one of `items` (nodes or groups) shows."""
    return {group for item in items for group in hierarchy.ancestors(item)}


def summary(graph: nx.DiGraph, hierarchy: Hierarchy, group: str) -> dict[str, Any]:
    """A folded group's node attributes: count, parameters, output shape and its most common ops."""
    if group not in hierarchy.summaries:
        hierarchy.summaries[group] = _summary(graph, hierarchy, group)
    return dict(hierarchy.summaries[group])


def _summary(graph: nx.DiGraph, hierarchy: Hierarchy, group: str) -> dict[str, Any]:
    inside = hierarchy.members(group)
    inside_set = set(inside)
    ops: dict[str, int] = {}
    for node in inside:
        op = graph.nodes[node].get("op", "?")
        ops[op] = ops.get(op, 0) + 1
    leaving = [node for node in inside if any(target not in inside_set for target in graph.successors(node))]
    last = max(leaving or inside, key=hierarchy.order.get)
    unit = graph.graph.get("unit", "ops")
    top_ops = ", ".join(f"{op}×{count}" for op, count in sorted(ops.items(), key=lambda item: -item[1])[:4])
    info = hierarchy.groups[group]
    gradient = sum(graph.nodes[node].get("kind") == "gradient" for node in inside) * 2 > len(inside)
    return {
        "op": "group", "kind": "gradient group" if gradient else "group", "group": info.kind, "count": len(inside),
        "parameters": parameters(graph, inside), "shape": graph.nodes[last].get("shape", ""),
        "dtype": graph.nodes[last].get("dtype", ""), "description": f"{len(inside)} {unit}: {top_ops}",
        "scope": info.parent or "", "label": info.label,
    }


def parameters(graph: nx.DiGraph, nodes: Iterable[str]) -> int:
    """Trainable numbers held by `nodes`: a layer's parameters, or the variables an op reads (each counted once)."""
    variables: dict[str, int] = {}
    for node in nodes:
        data = graph.nodes[node]
        if "variables" in data:
            variables.update(data["variables"])
        elif data.get("parameters"):
            variables[node] = int(data["parameters"])
    return sum(variables.values())
