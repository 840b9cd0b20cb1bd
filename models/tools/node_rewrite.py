"""The frame shared by the one-node-at-a-time ONNX rewrites (split_prelu.py,
pad_as_conv.py): load the graph with its inferred shapes, offer each node to a
`replace` function, drop the initializers no node uses any more, check and save.

A `replace(node, graph)` returns the nodes to put in the node's place, or None to keep
it; it adds the initializers those nodes need to `graph.new_init` and, for each input
the replacement no longer reads, takes one off `graph.used`.
"""
import onnx


class Graph:
    def __init__(self, src: str) -> None:
        self.model = onnx.load(src)
        g = self.model.graph
        inferred = onnx.shape_inference.infer_shapes(self.model)
        self.shapes = {
            v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in inferred.graph.value_info
        }
        self.init = {i.name: i for i in g.initializer}
        self.used = {}
        for n in g.node:
            for i in n.input:
                self.used[i] = self.used.get(i, 0) + 1
        self.new_init = []


def rewrite(src: str, dst: str, replace, what: str) -> None:
    """Rewrites `src` into `dst` with `replace` (see the module doc); prints how many
    nodes were replaced, followed by `what`."""
    graph = Graph(src)
    g = graph.model.graph
    nodes, count = [], 0
    for n in g.node:
        new = replace(n, graph)
        if new is None:
            nodes.append(n)
        else:
            nodes += new
            count += 1
    keep = [i for i in g.initializer if graph.used.get(i.name, 0) > 0]
    del g.initializer[:]
    g.initializer.extend(keep + graph.new_init)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(graph.model)
    onnx.save(graph.model, dst)
    print(f"{src}: {count} {what}")
