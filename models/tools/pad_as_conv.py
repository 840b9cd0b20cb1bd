#!/usr/bin/env python3
"""Rewrite every channel zero-padding Pad (the residual branch of a block that widens
its channels: MaxPool -> Pad(C -> C + p) -> Add) as a 1x1 convolution with weights
[I; 0] (C + p outputs, C inputs), which equals it exactly (each output is one input
times 1.0, or 0).

Why: ONNX Runtime's CPU Pad has no kernel in its blocked NCHWc layout, so every such
Pad took the block out of that layout and back (two ReorderOutput, two ReorderInput,
and the Add and Relu beside it on plain tensors); a 1x1 convolution stays blocked and
the Add folds into it (Conv + Sum).

With --concat, a Pad that doubles the channels (C -> 2C) becomes instead
Concat(x, Conv_dw(x; 0)): the zeros come from a 1x1 depthwise convolution with zero
weights (C multiplies a pixel instead of the identity's 2C^2), and a channel Concat of
two blocked tensors stays blocked too. Measured on the attention trunk, one core
(ONNX Runtime 1.31.1): 4-5% faster (its three widening blocks at 48x48, 24x24 and
12x12 cost 1.2 M multiply-adds each as identities). Not for the heads: on their 8x8 and
4x4 maps the extra node costs more than the multiplies it saves (2-3% slower).

usage: pad_as_conv.py [--concat] IN.onnx OUT.onnx
"""
import sys

import numpy as np
from onnx import helper, numpy_helper

from node_rewrite import rewrite


def replace(n, graph, concat=False):
    mode = [a for a in n.attribute if a.name == "mode"]
    if n.op_type != "Pad" or (mode and helper.get_attribute_value(mode[0]) != b"constant"):
        return None
    init = graph.init
    pads = numpy_helper.to_array(init[n.input[1]]).tolist() if n.input[1] in init else None
    value = n.input[2] if len(n.input) > 2 and n.input[2] else None
    if value is not None and (value not in init or float(numpy_helper.to_array(init[value])) != 0.0):
        return None
    rank = len(pads) // 2 if pads else 0
    shape = graph.shapes.get(n.input[0])
    # Only zero padding at the end of the channel axis (NCHW) qualifies.
    if not pads or rank != 4 or not shape or any(p != 0 for i, p in enumerate(pads) if i != rank + 1):
        return None
    c, extra = shape[1], pads[rank + 1]
    for i in n.input[1:]:
        if i:
            graph.used[i] -= 1
    if concat and extra == c:
        zero_w = n.output[0] + "_zero_weights"
        zeros = n.output[0] + "_zeros"
        graph.new_init.append(numpy_helper.from_array(np.zeros((c, 1, 1, 1), np.float32), zero_w))
        return [
            helper.make_node("Conv", [n.input[0], zero_w], [zeros], group=c, kernel_shape=[1, 1]),
            helper.make_node("Concat", [n.input[0], zeros], list(n.output), axis=1),
        ]
    w = np.zeros((c + extra, c, 1, 1), np.float32)
    w[np.arange(c), np.arange(c), 0, 0] = 1.0
    name = n.output[0] + "_pad_weights"
    graph.new_init.append(numpy_helper.from_array(w, name))
    return [helper.make_node("Conv", [n.input[0], name], list(n.output), kernel_shape=[1, 1])]


def main() -> None:
    args = sys.argv[1:]
    concat = "--concat" in args
    src, dst = [a for a in args if a != "--concat"]
    what = "channel Pad nodes as Concat with zeros (else 1x1 convolutions)" if concat else "channel Pad nodes as 1x1 convolutions"
    rewrite(src, dst, lambda n, g: replace(n, g, concat), what)


if __name__ == "__main__":
    main()
