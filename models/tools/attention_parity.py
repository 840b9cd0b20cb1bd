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
import sys

import numpy as np

EYE_R = [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173, 130, 25, 110, 24, 23, 22, 26,
         112, 243, 247, 30, 29, 27, 28, 56, 190, 226, 31, 228, 229, 230, 231, 232, 233, 244, 113, 225, 224, 223, 222,
         221, 189, 35, 124, 46, 53, 52, 65, 143, 111, 117, 118, 119, 120, 121, 128, 245, 156, 70, 63, 105, 66, 107, 55,
         193]
EYE_L = [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398, 359, 255, 339, 254, 253, 252,
         256, 341, 463, 467, 260, 259, 257, 258, 286, 414, 446, 261, 448, 449, 450, 451, 452, 453, 464, 342, 445, 444,
         443, 442, 441, 413, 265, 353, 276, 283, 282, 295, 372, 340, 346, 347, 348, 349, 350, 357, 465, 383, 300, 293,
         334, 296, 336, 285, 417]
LIPS = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409, 78, 95, 88, 178, 87,
        14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415, 76, 77, 90, 180, 85, 16, 315, 404, 320,
        307, 306, 184, 74, 73, 72, 11, 302, 303, 304, 408, 62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292, 183, 42,
        41, 38, 12, 268, 271, 272, 407]
REGIONS = {"lips": (61, 291, LIPS), "left_eye": (33, 133, EYE_R), "right_eye": (362, 263, EYE_L)}


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


def matrix(L, left, right, subset, out=16, scale=1.5):
    """Landmarks2TransformMatrix v2 (MediaPipe's definition), 2x2 + translation."""
    rot = -math.atan2(L[right, 1] - L[left, 1], L[right, 0] - L[left, 0])
    c, s = math.cos(rot), math.sin(rot)
    R = np.array([[c, -s], [s, c]])
    Q = L[subset] @ R.T
    lo, hi = Q.min(0), Q.max(0)
    centre = R.T @ ((lo + hi) / 2)
    A = R.T @ np.diag(scale * (hi - lo) / out)
    return A, centre - A @ np.array([out / 2, out / 2])


def bilinear(F, A, t, out=16):
    C, H, W = F.shape
    res = np.zeros((C, out, out), np.float32)
    for v in range(out):
        for u in range(out):
            x, y = A @ np.array([u + 0.5, v + 0.5]) + t - 0.5
            if x < 0 or y < 0 or x > W - 1 or y > H - 1:
                continue
            x0, y0 = int(math.floor(x)), int(math.floor(y))
            fx, fy = x - x0, y - y0

            def rd(yy, xx):
                return F[:, yy, xx] if yy < H and xx < W else 0.0

            res[:, v, u] = fy * ((1 - fx) * rd(y0 + 1, x0) + fx * rd(y0 + 1, x0 + 1)) + \
                (1 - fy) * ((1 - fx) * rd(y0, x0) + fx * rd(y0, x0 + 1))
    return res


def check(npz, models):
    import onnxruntime as ort

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
        for name, (a, b, subset) in REGIONS.items():
            mats[name] = matrix(L, a, b, subset)
            feeds[name + "_crop"] = bilinear(feat[0].astype(np.float64), *mats[name])[None]
        outs = dict(zip([o.name for o in heads.get_outputs()], heads.run(None, feeds)))

        def back(name, region):
            A, t = mats[region]
            return outs[name][0].astype(np.float64) @ A.T + 4 * t

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
