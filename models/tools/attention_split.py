#!/usr/bin/env python3
"""Split face_landmark_with_attention (as converted by tf2onnx) into two standard ONNX
models around MediaPipe's three custom ops, which liveface computes in Rust instead
(src/models/attention.rs):

* trunk:  input [1,192,192,3] -> landmarks [1,1,1,1404] (the 468-point mesh),
          face_flag [1,1,1,1], features [1,32,48,48] (the quarter-resolution features
          the attention crops are taken from);
* heads:  lips_crop, left_eye_crop, right_eye_crop [1,32,16,16] (the crops; "left" is the picture's
          left, the subject's right eye) -> lips [1,80,2], left_eye [1,71,2],
          left_iris [1,5,2], right_eye [1,71,2], right_iris [1,5,2] in crop units
          (64 per crop side), before MediaPipe's TransformLandmarks.

Between them, per region, Landmarks2TransformMatrix (v2) gives the crop from the mesh,
TransformTensorBilinear (v2) samples the crop, TransformLandmarks (v2) maps the points
back; the options of each op (landmark subsets, rotation landmarks, 16x16 output, scale
1.5) are printed here and pinned in the Rust code, which a test compares.

usage: attention_split.py IN.onnx TRUNK.onnx HEADS.onnx
"""
import sys

import onnx
from onnx import helper, TensorProto


def sub_model(g, inputs, outputs, opset):
    """The nodes needed for `outputs` given `inputs` (names -> shapes)."""
    prod = {o: n for n in g.node for o in n.output}
    init = {i.name: i for i in g.initializer}
    need, seen, order = [o for o, _ in outputs], set(), []
    stack = list(need)
    while stack:
        t = stack.pop()
        if t in seen or t in inputs or t in init or t == "":
            continue
        seen.add(t)
        n = prod[t]
        assert not n.op_type.startswith("TFL_"), f"{t} depends on custom op {n.op_type}"
        order.append(n)
        stack.extend(n.input)
    ids = {id(n) for n in order}
    nodes = [n for n in g.node if id(n) in ids]  # original (topological) order
    used = {i for n in nodes for i in n.input}
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, v) for k, v in inputs.items()],
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, v) for k, v in outputs],
        [init[i] for i in sorted(used) if i in init],
    )
    m = helper.make_model(graph, opset_imports=[opset], producer_name="liveface attention_split")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def main() -> None:
    src, trunk_path, heads_path = sys.argv[1:]
    model = onnx.load(src)
    g = model.graph
    opset = [o for o in model.opset_import if o.domain in ("", "ai.onnx")][0]
    prod = {o: n for n in g.node for o in n.output}
    cons = {}
    for n in g.node:
        for i in n.input:
            cons.setdefault(i, []).append(n)
    regions = {}  # matrix op output -> (attrs, crop tensor, [(landmark input, final output)])
    feature = None
    for n in g.node:
        if n.op_type == "TFL_TransformTensorBilinear":
            t_in = prod[n.input[0]]
            assert t_in.op_type == "Transpose" and list(t_in.attribute[0].ints) == [0, 2, 3, 1]
            feature = t_in.input[0]
            (t_out,) = cons[n.output[0]]
            mat = prod[n.input[1]]
            attrs = {a.name: helper.get_attribute_value(a) for a in mat.attribute}
            regions[mat.output[0]] = [attrs, t_out.output[0], []]
    for n in g.node:
        if n.op_type == "TFL_TransformLandmarks":
            mul = prod[n.input[1]]
            assert mul.op_type == "Mul"
            (final,) = [c.output[0] for c in cons[n.output[0]]]
            regions[mul.input[0]][2].append((n.input[0], final))
    names = {"output_lips": "lips", "output_left_eye": "left_eye", "output_right_eye": "right_eye",
             "output_left_iris": "left_iris", "output_right_iris": "right_iris"}
    crop_names = {}
    for attrs, crop, outs in regions.values():
        finals = [f for _, f in outs]
        region = "lips" if "output_lips" in finals else ("left_eye" if "output_left_eye" in finals else "right_eye")
        crop_names[crop] = region + "_crop"
        print(region, {k: v for k, v in attrs.items()})
    rename = dict(crop_names)
    head_out = []
    for attrs, crop, outs in regions.values():
        for lm, final in outs:
            rename[lm] = names[final]
            n = {"lips": 80, "left_eye": 71, "right_eye": 71, "left_iris": 5, "right_iris": 5}[names[final]]
            head_out.append((names[final], [1, n, 2]))
    rename.update({"input_1": "input", "output_mesh_identity": "landmarks", "conv_faceflag": "face_flag",
                   feature: "features"})
    for n in g.node:
        for k, i in enumerate(n.input):
            n.input[k] = rename.get(i, i)
        for k, o in enumerate(n.output):
            n.output[k] = rename.get(o, o)
    trunk = sub_model(g, {"input": [1, 192, 192, 3]},
                      [("landmarks", [1, 1, 1, 1404]), ("face_flag", [1, 1, 1, 1]), ("features", [1, 32, 48, 48])],
                      opset)
    order = ["lips", "left_eye", "left_iris", "right_eye", "right_iris"]
    head_out.sort(key=lambda o: order.index(o[0]))
    crops = {"lips_crop": [1, 32, 16, 16], "left_eye_crop": [1, 32, 16, 16], "right_eye_crop": [1, 32, 16, 16]}
    heads = sub_model(g, crops,
                      head_out, opset)
    onnx.save(trunk, trunk_path)
    onnx.save(heads, heads_path)
    print(f"trunk {len(trunk.graph.node)} nodes, heads {len(heads.graph.node)} nodes")


if __name__ == "__main__":
    main()
