#!/usr/bin/env python3
"""Rewrite every channel zero-padding Pad (the residual branch of a block that widens
its channels: MaxPool -> Pad(C -> C + p) -> Add) as a 1x1 convolution with weights
[I; 0] (C + p outputs, C inputs), which equals it exactly (each output is one input
times 1.0, or 0).

Why: ONNX Runtime's CPU Pad has no kernel in its blocked NCHWc layout, so every such
Pad took the block out of that layout and back (two ReorderOutput, two ReorderInput,
and the Add and Relu beside it on plain tensors); a 1x1 convolution stays blocked and
the Add folds into it (Conv + Sum).

usage: pad_as_conv.py IN.onnx OUT.onnx
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def main() -> None:
    src, dst = sys.argv[1:]
    model = onnx.load(src)
    g = model.graph
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in inferred.graph.value_info}
    init = {i.name: i for i in g.initializer}
    used = {}
    for n in g.node:
        for i in n.input:
            used[i] = used.get(i, 0) + 1
    nodes, new_init, count = [], [], 0
    for n in g.node:
        mode = [a for a in n.attribute if a.name == "mode"]
        if n.op_type != "Pad" or (mode and helper.get_attribute_value(mode[0]) != b"constant"):
            nodes.append(n)
            continue
        pads = numpy_helper.to_array(init[n.input[1]]).tolist() if n.input[1] in init else None
        value = n.input[2] if len(n.input) > 2 and n.input[2] else None
        if value is not None and (value not in init or float(numpy_helper.to_array(init[value])) != 0.0):
            nodes.append(n)
            continue
        rank = len(pads) // 2 if pads else 0
        shape = shapes.get(n.input[0])
        # Only zero padding at the end of the channel axis (NCHW) qualifies.
        if not pads or rank != 4 or not shape or any(p != 0 for i, p in enumerate(pads) if i != rank + 1):
            nodes.append(n)
            continue
        c, extra = shape[1], pads[rank + 1]
        w = np.zeros((c + extra, c, 1, 1), np.float32)
        w[np.arange(c), np.arange(c), 0, 0] = 1.0
        name = n.output[0] + "_pad_weights"
        new_init.append(numpy_helper.from_array(w, name))
        nodes.append(helper.make_node("Conv", [n.input[0], name], list(n.output), kernel_shape=[1, 1]))
        for i in n.input[1:]:
            if i:
                used[i] -= 1
        count += 1
    keep = [i for i in g.initializer if used.get(i.name, 0) > 0]
    del g.initializer[:]
    g.initializer.extend(keep + new_init)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    print(f"{src}: {count} channel Pad nodes as 1x1 convolutions")


if __name__ == "__main__":
    main()
