"""Reference crops and MiniFASNet scores for tests/spoof.rs (Python onnxruntime + OpenCV).

Inputs are the pictures exactly as the engine decodes them (JPEG decoders differ by a few
grey levels, which is not what this checks), written by
    cargo run --release --example spoof_inputs -- /tmp/spoof_inputs \
        ../shared/data/spoof/samples/*.jpg ../shared/data/spoof/nuaa/*.jpg assets/*.png
then
    python tests/golden/gen_spoof_golden.py /tmp/spoof_inputs ../shared/models
writes tests/golden/spoof.json and the reference crops of the redistributable pictures
(our assets, the Apache-2.0 samples) to tests/golden/spoof/. Faces are found with the
independent numpy BlazeFace decoder of gen_golden.py; boxes use the repo convention
[int(l), int(t), int(r-l+1), int(b-t+1)]; crops follow CropImage._get_new_box and
cv2.resize INTER_LINEAR; inputs are BGR float 0..255. For information it also scores the
original JPEGs read with cv2.imread (the reference repo's decoder).
Tested with Python 3.11, numpy 2.x, onnxruntime 1.31.1, opencv-python-headless 4.14.0.
"""
import glob
import hashlib
import json
import os
import sys

import cv2
import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_golden  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(gen_golden.ROOT, "..", "shared")


def new_box(W, H, b, scale):
    x, y, bw, bh = b
    scale = min((H - 1) / bh, min((W - 1) / bw, scale))
    nw, nh = bw * scale, bh * scale
    cx, cy = bw / 2 + x, bh / 2 + y
    x0, y0, x1, y1 = cx - nw / 2, cy - nh / 2, cx + nw / 2, cy + nh / 2
    if x0 < 0:
        x1 -= x0
        x0 = 0
    if y0 < 0:
        y1 -= y0
        y0 = 0
    if x1 > W - 1:
        x0 -= x1 - W + 1
        x1 = W - 1
    if y1 > H - 1:
        y0 -= y1 - H + 1
        y1 = H - 1
    return int(x0), int(y0), int(x1), int(y1)


def crop(bgr, b, scale):
    H, W = bgr.shape[:2]
    x0, y0, x1, y1 = new_box(W, H, b, scale)
    return cv2.resize(bgr[y0:y1 + 1, x0:x1 + 1], (80, 80))


def box_of(rgb, det):
    dets = gen_golden.detect(rgb.astype(np.float64), det)
    if not dets:
        return None
    l, t, r, b = dets[0]["bbox"]
    return [int(l), int(t), int(r - l + 1), int(b - t + 1)]


def main():
    inputs, models = sys.argv[1], sys.argv[2]
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    nets = [ort.InferenceSession(os.path.join(models, f), opts, providers=["CPUExecutionProvider"])
            for f in ["minifasnet_v2_80x80_s2.7.onnx", "minifasnet_v1se_80x80_s4.0.onnx"]]
    det = gen_golden.session("blazeface_short_128.onnx")

    def score(bgr, b):
        crops = [crop(bgr, b, s) for s in (2.7, 4.0)]
        probs = [n.run(["probs"], {"input": c[None].astype(np.float32)})[0][0] for n, c in zip(nets, crops)]
        return crops, probs

    samples = []
    labels = {}
    with open(os.path.join(SHARED, "data/spoof/nuaa/manifest.csv")) as f:
        next(f)
        for line in f:
            p = line.strip().split(",")
            labels[p[0]] = ("data/spoof/nuaa/" + p[0], p[1])
    labels["image_T1.jpg"] = ("data/spoof/samples/image_T1.jpg", "live")
    labels["image_F1.jpg"] = ("data/spoof/samples/image_F1.jpg", "spoof_print")
    labels["astronaut.png"] = ("assets/astronaut.png", "live")
    labels["coffee.png"] = ("assets/coffee.png", "none")
    crops_out = {"astronaut", "coffee", "image_T1", "image_F1"}
    os.makedirs(os.path.join(HERE, "spoof"), exist_ok=True)
    for name in sorted(labels):
        rel, label = labels[name]
        stem = os.path.splitext(name)[0]
        bgr = cv2.imread(os.path.join(inputs, stem + ".png"), cv2.IMREAD_COLOR)
        b = box_of(bgr[:, :, ::-1], det)
        entry = {"file": rel, "label": label, "size": [bgr.shape[1], bgr.shape[0]], "box": b}
        boxes = [("detected", b)] if b else []
        if stem == "astronaut":
            # Edge cases of the crop rule: clamped scale, shifts at each border, upsampling.
            boxes += [("left_top", [5, 3, 150, 170]), ("right_bottom", [400, 380, 110, 131]),
                      ("tiny", [250, 200, 12, 9])]
        entry["crops"] = []
        for kind, bb in boxes:
            crops, probs = score(bgr, bb)
            c = {"kind": kind, "box": bb, "rect": [list(new_box(bgr.shape[1], bgr.shape[0], bb, s)) for s in (2.7, 4.0)],
                 "sha256": [hashlib.sha256(np.ascontiguousarray(x[:, :, ::-1]).tobytes()).hexdigest() for x in crops],
                 "v2": [float(v) for v in probs[0]], "v1se": [float(v) for v in probs[1]]}
            if stem in crops_out:
                c["png"] = []
                for s, x in zip(("2.7", "4.0"), crops):
                    fn = f"{stem}_{kind}_s{s}.png"
                    cv2.imwrite(os.path.join(HERE, "spoof", fn), x)
                    c["png"].append(fn)
            entry["crops"].append(c)
        orig = os.path.join(SHARED, rel) if rel.startswith("data") else os.path.join(gen_golden.ROOT, rel)
        ob = cv2.imread(orig, cv2.IMREAD_COLOR)
        bo = box_of(ob[:, :, ::-1], det)
        if bo:
            _, probs = score(ob, bo)
            entry["cv2_imread"] = {"box": bo, "fused": [float(v) for v in (probs[0] + probs[1]) / 2]}
        samples.append(entry)
        if stem == "astronaut":
            # A 160x160 piece whose clamped crop is the whole piece: OpenCV switches to
            # 2x2 area averaging for an exact 2x reduction.
            piece = np.ascontiguousarray(bgr[100:260, 150:310])
            crops, probs = score(piece, [40, 40, 80, 80])
            c = {"kind": "exact_2x", "box": [40, 40, 80, 80], "png": [],
                 "sha256": [hashlib.sha256(np.ascontiguousarray(x[:, :, ::-1]).tobytes()).hexdigest() for x in crops],
                 "v2": [float(v) for v in probs[0]], "v1se": [float(v) for v in probs[1]]}
            for sc, x in zip(("2.7", "4.0"), crops):
                fn = f"astronaut_piece_exact_2x_s{sc}.png"
                cv2.imwrite(os.path.join(HERE, "spoof", fn), x)
                c["png"].append(fn)
            samples.append({"file": "assets/astronaut.png", "piece": [150, 100, 160, 160], "label": "none",
                            "size": [160, 160], "box": None, "crops": [c]})
    with open(os.path.join(HERE, "spoof.json"), "w") as f:
        json.dump({"generator": "tests/golden/gen_spoof_golden.py", "opencv": cv2.__version__,
                   "onnxruntime": ort.__version__, "samples": samples}, f, indent=1)
    print(len(samples), "samples")


if __name__ == "__main__":
    main()
