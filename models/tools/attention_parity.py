#!/usr/bin/env python3
"""Check liveface's attention mesh (the two ONNX parts + MediaPipe's custom operations
as src/models/attention.rs computes them, here in numpy) against MediaPipe-Python's own
FaceMesh with refine_landmarks=True on real video frames.

TFLite alone cannot run face_landmark_with_attention.tflite (its custom ops live in
MediaPipe), so the reference is MediaPipe's whole graph: for every frame k, the crop is
the one MediaPipe takes from frame k-1's landmarks (bounding box, eye-line rotation,
1.5x, square), and MediaPipe's frame-k landmarks are mapped into that crop. Prints the
mean and worst per-frame error of mesh (points MediaPipe does not refine), each eye,
each iris and the lips, in pixels of the 192-pixel crop. Fails above 0.05 px mean.

Two steps, two venvs (mediapipe pins numpy < 2):
    PEER=target/peer-venv/bin/python   # mediapipe==0.10.21 opencv-python-headless==4.11.0.86 numpy==1.26.4
    ORT=venv/bin/python                # onnxruntime==1.31.1 numpy (models/convert.sh's venv)
    $PEER models/tools/attention_parity.py dump CLIP frames.npz [N]
    $ORT  models/tools/attention_parity.py check frames.npz MODELS_DIR

Measured on the first 40 frames (39 crops) of ../shared/data/faces/liveportrait_d3.mp4:
mesh 0.002 px, eyes 0.002 px, irises 0.003 px (worst frame 0.033), lips 0.002 px; of
../shared/data/blink/mahie_test_4_low_fps.avi (640x480 webcam): 0.002-0.003 px (worst
frame 0.010).
"""
import math
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

def dump(clip, out, n):
    import cv2
    import mediapipe as mp

    cap = cv2.VideoCapture(clip)
    fm = mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=True)
    frames, lms = [], []
    while len(frames) < n:
        ok, f = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(f, cv2.COLOR_BGR2RGB)
        r = fm.process(rgb)
        frames.append(rgb)
        lms.append(None if not r.multi_face_landmarks else
                   np.array([[p.x, p.y, p.z] for p in r.multi_face_landmarks[0].landmark], np.float64))
    crops, targets = [], []
    for k in range(1, len(frames)):
        if lms[k - 1] is None or lms[k] is None:
            continue
        h, w = frames[k].shape[:2]
        L = lms[k - 1]
        x0, y0, x1, y1 = L[:, 0].min(), L[:, 1].min(), L[:, 0].max(), L[:, 1].max()
        cx, cy = (x0 + x1) / 2 * w, (y0 + y1) / 2 * h
        a, b = L[33, :2] * [w, h], L[263, :2] * [w, h]
        rot = -math.atan2(-(b[1] - a[1]), b[0] - a[0])
        side = max((x1 - x0) * w, (y1 - y0) * h) * 1.5
        c, s, k_ = math.cos(rot), math.sin(rot), side / 192.0
        M = np.array([[c * k_, -s * k_, cx - (c * 96 - s * 96) * k_], [s * k_, c * k_, cy - (s * 96 + c * 96) * k_]])
        crop = cv2.warpAffine(frames[k], M, (192, 192), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)
        P = lms[k][:, :2] * [w, h]
        crops.append(crop.astype(np.float32) / 255.0)
        targets.append((P - M[:, 2]) @ np.linalg.inv(M[:, :2]).T)
    np.savez(out, crops=np.array(crops), targets=np.array(targets))
    print(f"{len(crops)} crops from {clip}")


def check(npz, models):
    import onnxruntime as ort

    # The numpy version of MediaPipe's three operations that the golden test's reference
    # uses (tests/golden/gen_golden.py), and the region options.
    sys.path.insert(0, os.path.join(ROOT, "tests", "golden"))
    from gen_golden import ATT_REGIONS, EYE_L, EYE_R, LIPS, att_bilinear, att_matrix

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    trunk = ort.InferenceSession(f"{models}/face_attention_trunk.onnx", so, providers=["CPUExecutionProvider"])
    heads = ort.InferenceSession(f"{models}/face_attention_heads.onnx", so, providers=["CPUExecutionProvider"])
    d = np.load(npz)
    refined = set(EYE_R) | set(EYE_L) | set(LIPS)
    plain = [i for i in range(468) if i not in refined]
    errs = {k: [] for k in ["mesh", "left_eye", "right_eye", "left_iris", "right_iris", "lips"]}
    for img, tg in zip(d["crops"], d["targets"]):
        mesh, _, feat = trunk.run(None, {"input": img[None]})
        mesh = mesh.reshape(468, 3).astype(np.float64)
        L = mesh[:, :2] * 0.25
        mats, feeds = {}, {}
        for name, (a, b, subset) in ATT_REGIONS.items():
            mats[name] = att_matrix(L, a, b, subset)
            feeds[name + "_crop"] = att_bilinear(feat[0].astype(np.float64), mats[name])[None].astype(np.float32)
        outs = dict(zip([o.name for o in heads.get_outputs()], heads.run(None, feeds)))

        def back(name, region):
            # TransformLandmarks after the model's constant scaling (translation x 4).
            M = mats[region]
            return outs[name][0].astype(np.float64) @ M[:2, :2].T + 4 * M[:2, 3]

        err = lambda p, q: float(np.abs(p - q).max(axis=1).mean())
        errs["mesh"].append(err(mesh[plain, :2], tg[plain]))
        errs["left_eye"].append(err(back("left_eye", "left_eye"), tg[EYE_R]))
        errs["right_eye"].append(err(back("right_eye", "right_eye"), tg[EYE_L]))
        errs["left_iris"].append(err(back("left_iris", "left_eye"), tg[468:473]))
        errs["right_iris"].append(err(back("right_iris", "right_eye"), tg[473:478]))
        errs["lips"].append(err(back("lips", "lips"), tg[LIPS]))
    bad = False
    for k, v in errs.items():
        print(f"{k:10s} mean {np.mean(v):.3f} px, worst frame {np.max(v):.3f} px (192-pixel crop, {len(v)} frames)")
        bad |= np.mean(v) > 0.05
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        dump(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 40)
    elif sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
