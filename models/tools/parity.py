#!/usr/bin/env python3
"""Check each converted ONNX model against its TFLite original on real inputs.

Inputs: crops of the public-domain astronaut photo in assets/ at each model's resolution
(whole image for the detector, the face for the mesh, each eye for iris) plus uniform
noise. Fails (exit 1) when any output differs by more than the stated tolerance.

usage: parity.py TFLITE_DIR ONNX_DIR ASSETS_DIR
"""
import sys

import numpy as np
import onnxruntime as ort
import tensorflow as tf
from PIL import Image

TOL = 1e-3  # relative to max(1, |reference|): fp32 conv reordering only

PAIRS = [
    # tflite, onnx, size, value range, tflite outputs -> onnx outputs
    ("face_detection_short_range.tflite", "blazeface_short_128.onnx", 128, (-1, 1),
     {"regressors": "regressors", "classificators": "classificators"}),
    ("face_landmark.tflite", "face_landmark_468.onnx", 192, (0, 1),
     {"conv2d_21": "landmarks", "conv2d_31": "face_flag"}),
    ("iris_landmark.tflite", "iris_landmark_64.onnx", 64, (0, 1),
     {"output_eyes_contours_and_brows": "output_eyes_contours_and_brows", "output_iris": "output_iris"}),
]

# Regions of the 512x512 astronaut (x0, y0, x1, y1): face and both eyes.
REGIONS = {128: [(0, 0, 512, 512)], 192: [(150, 55, 300, 205)], 64: [(188, 88, 220, 120), (232, 94, 264, 126)]}


def inputs(assets: str, size: int, lo: float, hi: float):
    img = Image.open(f"{assets}/astronaut.png").convert("RGB")
    for box in REGIONS[size]:
        x = np.asarray(img.crop(box).resize((size, size), Image.BILINEAR), np.float32) / 255.0
        yield f"astronaut{box}", (x * (hi - lo) + lo)[None]
    rng = np.random.default_rng(0)
    yield "noise", rng.uniform(lo, hi, (1, size, size, 3)).astype(np.float32)


def main() -> None:
    tfl_dir, onnx_dir, assets = sys.argv[1:]
    failed = False
    for tfl, onx, size, (lo, hi), names in PAIRS:
        it = tf.lite.Interpreter(f"{tfl_dir}/{tfl}")
        it.allocate_tensors()
        sess = ort.InferenceSession(f"{onnx_dir}/{onx}", providers=["CPUExecutionProvider"])
        for label, x in inputs(assets, size, lo, hi):
            it.set_tensor(it.get_input_details()[0]["index"], x)
            it.invoke()
            ref = {d["name"]: it.get_tensor(d["index"]) for d in it.get_output_details()}
            got = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {"input": x})))
            for tname, oname in names.items():
                a, b = ref[tname].reshape(-1), got[oname].reshape(-1)
                err = float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(a))))
                ok = err <= TOL
                failed |= not ok
                print(f"{onx:28s} {label:32s} {oname:32s} max rel diff {err:.2e} {'ok' if ok else 'FAIL'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
