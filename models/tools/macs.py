#!/usr/bin/env python3
"""Multiply-adds per run of each ONNX model given, by kind of convolution, and the time
they would take at this core's measured single-thread matrix-multiply peak: a floor
that no fp32 runtime beats on this core, whatever it does between the operations.

The peak is numpy's float32 1024x1024 matrix product on one thread (OpenBLAS/MKL with
its hand-written kernels: close to the core's FMA limit). Depthwise and small
convolutions run well below it, so the real floor is higher.

usage (models/convert.sh's venv has onnx and numpy; pin one core):
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
        taskset -c 0 python models/tools/macs.py models/face_attention_trunk.onnx models/face_attention_heads.onnx
"""
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference


def conv_macs(path: str) -> dict:
    model = shape_inference.infer_shapes(onnx.load(path))
    g = model.graph
    shapes = {
        v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
        for v in list(g.value_info) + list(g.output) + list(g.input)
    }
    weights = {i.name: numpy_helper.to_array(i).shape for i in g.initializer}
    kinds = {}
    for n in g.node:
        if n.op_type != "Conv" or n.input[1] not in weights or n.output[0] not in shapes:
            continue
        w = weights[n.input[1]]
        out = shapes[n.output[0]]
        group = next((a.i for a in n.attribute if a.name == "group"), 1)
        # Each output value takes (input channels per group) x kernel multiply-adds.
        macs = out[1] * out[2] * out[3] * w[1] * w[2] * w[3]
        kind = f"{'depthwise' if group == out[1] and w[1] == 1 else 'grouped' if group > 1 else 'full'} {w[2]}x{w[3]}"
        kinds[kind] = kinds.get(kind, 0) + macs
    return kinds


def sgemm_peak_gflops() -> float:
    a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
    for _ in range(3):
        a @ a
    best = min(_timed(lambda: a @ a) for _ in range(10))
    return 2 * 1024**3 / best / 1e9


def _timed(f) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def main() -> None:
    total = 0
    for path in sys.argv[1:]:
        kinds = conv_macs(path)
        macs = sum(kinds.values())
        total += macs
        detail = ", ".join(f"{k} {v / 1e6:.2f}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
        print(f"{path}: {macs / 1e6:.2f} M multiply-adds ({detail})")
    peak = sgemm_peak_gflops()
    floor_ms = 2 * total / (peak * 1e9) * 1e3
    print(f"total {total / 1e6:.2f} M multiply-adds = {2 * total / 1e6:.1f} MFLOP; "
          f"one-thread float32 matrix product here: {peak:.0f} GFLOP/s; floor {floor_ms:.2f} ms")


if __name__ == "__main__":
    main()
