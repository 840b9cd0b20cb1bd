#!/usr/bin/env python3
"""Merges the attention model's two eye heads (same structure, own weights) into one
graph on 2x the channels: every convolution becomes a grouped one with both heads'
filters, so ONNX Runtime runs 146 nodes for both eyes instead of 2 x 146. Inputs and
outputs keep their names and shapes; the result is checked against the original
(ONNX Runtime on random inputs, outputs within 1e-3 relative).

usage: merge_eye_heads.py HEADS.onnx MERGED.onnx"""
import sys
import numpy as np
import onnx
from onnx import helper, numpy_helper
from onnx.utils import Extractor

src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
ex = Extractor(m)
L = ex.extract_model(["left_eye_crop"], ["left_eye", "left_iris"])
R = ex.extract_model(["right_eye_crop"], ["right_eye", "right_iris"])
Lips = ex.extract_model(["lips_crop"], ["lips"])
init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}

# Pair tensors left -> right through the node lists (same op order, checked).
pair = {"left_eye_crop": "right_eye_crop"}
assert len(L.graph.node) == len(R.graph.node)
for a, b in zip(L.graph.node, R.graph.node):
    assert a.op_type == b.op_type, (a.op_type, b.op_type)
    for x, y in zip(a.input, b.input):
        if x in init:
            continue
        assert pair.get(x) == y, (x, y, pair.get(x))
    for x, y in zip(a.output, b.output):
        pair[x] = y

inferred = onnx.shape_inference.infer_shapes(L)
channels = {v.name: v.type.tensor_type.shape.dim[1].dim_value for v in list(inferred.graph.value_info) + list(inferred.graph.input)}

nodes, inits = [], []
def const(name, arr):
    inits.append(numpy_helper.from_array(np.asarray(arr), name))
    return name
def merged(t):  # name of the merged tensor for left tensor t
    return "m_" + t

nodes.append(helper.make_node("Concat", ["left_eye_crop", "right_eye_crop"], [merged("left_eye_crop")], axis=1))
outs = {"left_eye": "right_eye", "left_iris": "right_iris"}
for a, b in zip(L.graph.node, R.graph.node):
    attrs = {x.name: helper.get_attribute_value(x) for x in a.attribute}
    if a.op_type == "Conv":
        wl, wr = init[a.input[1]], init[b.input[1]]
        ins = [merged(a.input[0]), const("m_" + a.input[1], np.concatenate([wl, wr], 0))]
        if len(a.input) > 2:
            ins.append(const("m_" + a.input[2], np.concatenate([init[a.input[2]], init[b.input[2]]], 0)))
        attrs["group"] = attrs.get("group", 1) * 2
        nodes.append(helper.make_node("Conv", ins, [merged(a.output[0])], name="m_" + (a.name or a.output[0]), **attrs))
    elif a.op_type in ("Add", "Relu", "MaxPool"):
        assert all(x not in init for x in a.input)
        nodes.append(helper.make_node(a.op_type, [merged(x) for x in a.input], [merged(a.output[0])], name="m_" + (a.name or a.output[0]), **attrs))
    elif a.op_type == "Pad":
        # Channel zero-padding of each half (C -> C + p): one 1x1 convolution in two
        # groups with weights [I; 0] per group, which keeps the graph in ONNX Runtime's
        # blocked layout (a Split, two Pads and a Concat would leave it, and back).
        pads = init[a.input[1]]
        assert np.array_equal(pads, init[b.input[1]])
        rank = len(pads) // 2
        assert all(v == 0 for i, v in enumerate(pads) if i != rank + 1), pads
        c, extra = channels[a.input[0]], int(pads[rank + 1])
        w = np.zeros((2 * (c + extra), c, 1, 1), np.float32)
        for g in range(2):
            w[g * (c + extra) + np.arange(c), np.arange(c), 0, 0] = 1.0
        ins = [merged(a.input[0]), const("m_" + a.output[0] + "_pad", w)]
        nodes.append(helper.make_node("Conv", ins, [merged(a.output[0])], name="m_" + (a.name or a.output[0]), group=2, kernel_shape=[1, 1]))
    elif a.op_type == "Reshape":
        assert np.array_equal(init[a.input[1]], init[b.input[1]])
        x = merged(a.input[0])
        h = [x + "_l", x + "_r"]
        nodes.append(helper.make_node("Split", [x], h, axis=1, num_outputs=2))
        nodes.append(helper.make_node("Reshape", [h[0], a.input[1]], [a.output[0]]))
        nodes.append(helper.make_node("Reshape", [h[1], a.input[1]], [b.output[0]]))
        inits.append(numpy_helper.from_array(init[a.input[1]], a.input[1]))
    else:
        raise SystemExit(f"unexpected op {a.op_type}")

lip_inits = {i.name for i in Lips.graph.initializer}
graph = helper.make_graph(
    list(Lips.graph.node) + nodes,
    m.graph.name,
    list(m.graph.input),
    list(m.graph.output),
    [i for i in m.graph.initializer if i.name in lip_inits] + inits,
)
# Deduplicate initializers by name (shared constants).
seen, uniq = set(), []
for i in graph.initializer:
    if i.name not in seen:
        seen.add(i.name)
        uniq.append(i)
del graph.initializer[:]
graph.initializer.extend(uniq)
out = helper.make_model(graph, opset_imports=[helper.make_opsetid("", max(18, m.opset_import[0].version))], producer_name="liveface merge_eye_heads")
out.ir_version = m.ir_version
onnx.checker.check_model(out)
onnx.save(out, dst)

import onnxruntime as ort
rng = np.random.default_rng(0)
feeds = {n: rng.standard_normal((1, 32, 16, 16)).astype(np.float32) for n in ["lips_crop", "left_eye_crop", "right_eye_crop"]}
so = ort.SessionOptions(); so.intra_op_num_threads = 1
a = ort.InferenceSession(src, so).run(None, feeds)
b = ort.InferenceSession(dst, so).run(None, feeds)
names = [o.name for o in m.graph.output]
for n, x, y in zip(names, a, b):
    print(n, x.shape, "max |diff|", float(np.abs(x - y).max()))
    assert x.shape == y.shape and np.abs(x - y).max() < 1e-3 * max(1.0, float(np.abs(x).max()))
print("nodes", len(m.graph.node), "->", len(out.graph.node))
