#!/usr/bin/env python3
"""Canonicalise a tf2onnx output so the bytes are identical run to run.

tf2onnx names folded constants with a process-global counter (const_fold_opt__N) and
its common-subexpression pass may keep either of two identical nodes, so two runs differ
only in names. This rewrites every name from the graph's own structure:
initializers c0000.., intermediate values t0000.. (in node order), nodes <op>_<i>,
dynamic batch dims N, and applies the requested input/output renames.

usage: canon_onnx.py IN.onnx OUT.onnx old=new [old=new ...]
"""
import sys

import onnx


def main() -> None:
    src, dst, *renames = sys.argv[1:]
    io_names = dict(r.split("=", 1) for r in renames)
    model = onnx.load(src)
    g = model.graph

    graph_inputs = {i.name for i in g.input}
    graph_outputs = {o.name for o in g.output}
    for name in list(io_names):
        if name not in graph_inputs | graph_outputs:
            sys.exit(f"{src}: no graph input/output named {name!r}; have {sorted(graph_inputs | graph_outputs)}")

    mapping = {}
    for name in graph_inputs | graph_outputs:
        mapping[name] = io_names.get(name, name)
    # Initializers in first-use order, then any unused ones in stored order.
    init_names = [i.name for i in g.initializer]
    order = []
    seen = set()
    for node in g.node:
        for name in node.input:
            if name in init_names and name not in seen:
                order.append(name)
                seen.add(name)
    order += [n for n in init_names if n not in seen]
    for i, name in enumerate(order):
        if name not in mapping:
            mapping[name] = f"c{i:04d}"
    t = 0
    for node in g.node:
        for name in node.output:
            if name and name not in mapping:
                mapping[name] = f"t{t:04d}"
                t += 1

    def ren(name: str) -> str:
        return mapping.get(name, name) if name else name

    for i, node in enumerate(g.node):
        node.name = f"{node.op_type}_{i}"
        node.input[:] = [ren(n) for n in node.input]
        node.output[:] = [ren(n) for n in node.output]
    for init in g.initializer:
        init.name = ren(init.name)
    g.initializer.sort(key=lambda x: x.name)
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        vi.name = ren(vi.name)
        for d in vi.type.tensor_type.shape.dim:
            if d.HasField("dim_param") or (not d.HasField("dim_value")):
                d.dim_param = "N"
    del g.value_info[:]
    g.name = dst.rsplit("/", 1)[-1].removesuffix(".onnx")
    model.doc_string = ""
    onnx.checker.check_model(model)
    onnx.save(model, dst)


if __name__ == "__main__":
    main()
