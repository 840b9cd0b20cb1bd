#!/usr/bin/env python3
"""Reference outputs for the Rust golden tests, from Python onnxruntime + numpy.

An independent numpy implementation of liveface's first-frame pipeline (the spec in
notes/models.md): bilinear sampling with replicated borders (2x2 supersampling when a
crop shrinks the picture 4x or more; for the detector
letterbox only beyond an 8x shrink), BlazeFace letterbox + 896 anchors + weighted NMS,
the detection ROI, the 192x192 mesh crop, the 64x64 iris crops (left eye mirrored), and
the mapping of every output back to buffer pixels.

usage (pinned: onnxruntime==1.31.1 numpy==2.4.6 pillow==13.0.0):
    python tests/golden/gen_golden.py            # writes tests/golden/golden.json
"""
import json
import math
import os
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def session(name):
    o = ort.SessionOptions()
    o.intra_op_num_threads = 1
    o.log_severity_level = 3
    return ort.InferenceSession(os.path.join(ROOT, "models", name), o, providers=["CPUExecutionProvider"])


def bilinear(img, x, y):
    """img HxWx3 float; x, y arrays of continuous coordinates (pixel centres at +0.5)."""
    h, w = img.shape[:2]
    px, py = x - 0.5, y - 0.5
    x0, y0 = np.floor(px), np.floor(py)
    fx, fy = (px - x0)[..., None], (py - y0)[..., None]
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    xa, xb = np.clip(x0, 0, w - 1), np.clip(x0 + 1, 0, w - 1)
    ya, yb = np.clip(y0, 0, h - 1), np.clip(y0 + 1, 0, h - 1)
    top = img[ya, xa] + (img[ya, xb] - img[ya, xa]) * fx
    bot = img[yb, xa] + (img[yb, xb] - img[yb, xa]) * fx
    return top + (bot - top) * fy


def crop(img, m, size, taps):
    """m: 2x3 affine crop pixel -> image pixel. Returns size x size x 3 in 0..255."""
    acc = np.zeros((size, size, 3), np.float64)
    v, u = np.mgrid[0:size, 0:size].astype(np.float64)
    for b in range(taps):
        for a in range(taps):
            cu, cv = u + (a + 0.5) / taps, v + (b + 0.5) / taps
            x = m[0, 0] * cu + m[0, 1] * cv + m[0, 2]
            y = m[1, 0] * cu + m[1, 1] * cv + m[1, 2]
            acc += bilinear(img, x, y)
    return acc / (taps * taps)


def roi_affine(cx, cy, side, angle, size, mirror=False):
    k = side / size
    c, s = math.cos(angle), math.sin(angle)
    h = size / 2
    m = np.array([[c * k, -s * k, cx - (c * h - s * h) * k], [s * k, c * k, cy - (s * h + c * h) * k]])
    if mirror:  # u -> size - u
        m = m @ np.array([[-1, 0, size], [0, 1, 0], [0, 0, 1]], np.float64)
    return m


def apply(m, pts):
    pts = np.asarray(pts, np.float64)
    return np.stack([m[0, 0] * pts[:, 0] + m[0, 1] * pts[:, 1] + m[0, 2], m[1, 0] * pts[:, 0] + m[1, 1] * pts[:, 1] + m[1, 2]], 1)


def taps_for(m):
    scale = math.sqrt(abs(m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]))
    return 2 if scale >= 4.0 else 1


def anchors():
    out = []
    for fm, n in [(16, 2), (8, 6)]:
        for y in range(fm):
            for x in range(fm):
                out += [((x + 0.5) / fm, (y + 0.5) / fm)] * n
    return np.array(out)


def detect(img, det):
    h, w = img.shape[:2]
    s = 128 / max(w, h)
    nw, nh = min(max(round(w * s), 1), 128), min(max(round(h * s), 1), 128)
    px, py = (128 - nw) // 2, (128 - nh) // 2
    m = np.array([[1 / s, 0, -px / s], [0, 1 / s, -py / s]])
    taps = 2 if s < 0.125 else 1
    x = crop(img, m, 128, taps) / 127.5 - 1.0
    valid = np.zeros((128, 128), bool)
    valid[py:py + nh, px:px + nw] = True
    x[~valid] = -1.0
    reg, cls = det.run(["regressors", "classificators"], {"input": x[None].astype(np.float32)})
    reg, cls = reg[0].astype(np.float64), cls[0, :, 0].astype(np.float64)
    score = 1 / (1 + np.exp(-np.clip(cls, -100, 100)))
    a = anchors() * 128
    dets = []
    for i in np.nonzero(score >= 0.5)[0]:
        r = reg[i]
        cx, cy, bw, bh = r[0] + a[i, 0], r[1] + a[i, 1], r[2], r[3]
        box = apply(m, [[cx - bw / 2, cy - bh / 2], [cx + bw / 2, cy + bh / 2]]).reshape(-1)
        kps = apply(m, [[r[4 + 2 * k] + a[i, 0], r[5 + 2 * k] + a[i, 1]] for k in range(6)])
        dets.append((score[i], box, kps))
    dets.sort(key=lambda d: -d[0])
    out, taken = [], [False] * len(dets)

    def iou(p, q):
        iw = max(0, min(p[2], q[2]) - max(p[0], q[0]))
        ih = max(0, min(p[3], q[3]) - max(p[1], q[1]))
        inter = iw * ih
        return inter / ((p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter)

    for i, (sc, box, kps) in enumerate(dets):
        if taken[i]:
            continue
        ws, bsum, ksum = 0.0, np.zeros(4), np.zeros((6, 2))
        for j in range(i, len(dets)):
            if taken[j] or (j != i and iou(box, dets[j][1]) <= 0.3):
                continue
            taken[j] = True
            ws += dets[j][0]
            bsum += dets[j][1] * dets[j][0]
            ksum += dets[j][2] * dets[j][0]
        out.append({"score": float(sc), "bbox": bsum / ws, "keypoints": ksum / ws})
    return out


def run_case(img, det, mesh, iris):
    dets = detect(img, det)
    best = max(dets, key=lambda d: (d["bbox"][2] - d["bbox"][0]) * (d["bbox"][3] - d["bbox"][1]) * d["score"])
    (x0, y0), (x1, y1) = best["keypoints"][0], best["keypoints"][1]
    angle = math.atan2(y1 - y0, x1 - x0)
    b = best["bbox"]
    side = 1.5 * max(b[2] - b[0], b[3] - b[1])
    m = roi_affine((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, side, angle, 192)
    x = crop(img, m, 192, taps_for(m)) / 255.0
    lm, flag = mesh.run(["landmarks", "face_flag"], {"input": x[None].astype(np.float32)})
    lm = lm.reshape(468, 3).astype(np.float64)
    k = side / 192
    pts = np.concatenate([apply(m, lm[:, :2]), lm[:, 2:] * k], 1)
    eyes = []
    for a_i, b_i, mirror in [(33, 133, False), (362, 263, True)]:
        p0, p1 = pts[a_i], pts[b_i]
        dx, dy = p1[0] - p0[0], p1[1] - p0[1]
        eside = max(2.3 * max(abs(dx), abs(dy)), 1.0)
        em = roi_affine((p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2, eside, math.atan2(dy, dx), 64, mirror)
        ex = crop(img, em, 64, taps_for(em)) / 255.0
        contour, ir = iris.run(["output_eyes_contours_and_brows", "output_iris"], {"input": ex[None].astype(np.float32)})
        ek = eside / 64

        def back(v):
            v = v.reshape(-1, 3).astype(np.float64)
            return np.concatenate([apply(em, v[:, :2]), v[:, 2:] * ek], 1)

        eyes.append({"contour": back(contour), "iris": back(ir)})
    return dets, float(1 / (1 + math.exp(-float(flag.reshape(-1)[0])))), pts, eyes


def to_buffer(points, rot, buf_w, buf_h):
    """Upright -> buffer coordinates for a buffer that must be rotated `rot` deg cw."""
    p = np.asarray(points, np.float64).copy()
    x, y = p[..., 0].copy(), p[..., 1].copy()
    if rot == 90:
        p[..., 0], p[..., 1] = y, buf_h - x
    elif rot == 180:
        p[..., 0], p[..., 1] = buf_w - x, buf_h - y
    elif rot == 270:
        p[..., 0], p[..., 1] = buf_w - y, x
    return p


def main():
    det, mesh, iris = session("blazeface_short_128.onnx"), session("face_landmark_468.onnx"), session("iris_landmark_64.onnx")
    base = np.asarray(Image.open(os.path.join(ROOT, "assets", "astronaut.png")).convert("RGB"), np.float64)
    cases = []
    # (name, buffer image, rotation to upright in degrees cw)
    variants = [
        ("astronaut", base, 0),
        # Stored rotated 90 deg counter-clockwise, so it needs 90 deg clockwise to be upright.
        ("astronaut_rot90", np.rot90(base, 1), 90),
        # A 640x480 frame: the astronaut's upper body centred on grey.
        ("astronaut_640x480", None, 0),
    ]
    for name, buf, rot in variants:
        if buf is None:
            buf = np.full((480, 640, 3), 128.0)
            buf[:, 64:576] = base[:480]
        upright = np.rot90(buf, -rot // 90) if rot else buf
        dets, presence, pts, eyes = run_case(np.ascontiguousarray(upright), det, mesh, iris)
        bh, bw = buf.shape[:2]

        def tb(p):
            return to_buffer(p, rot, bw, bh)

        out_dets = []
        for d in dets:
            corners = tb(d["bbox"].reshape(2, 2))
            out_dets.append({
                "score": d["score"],
                "bbox": [float(corners[:, 0].min()), float(corners[:, 1].min()), float(corners[:, 0].max()), float(corners[:, 1].max())],
                "keypoints": tb(d["keypoints"]).round(4).tolist(),
            })
        pts_b = pts.copy()
        pts_b[:, :2] = tb(pts[:, :2])
        eyes_b = []
        for e in eyes:
            c, i = e["contour"].copy(), e["iris"].copy()
            c[:, :2], i[:, :2] = tb(c[:, :2]), tb(i[:, :2])
            eyes_b.append({"contour": c.round(4).tolist(), "iris": i.round(4).tolist()})
        cases.append({
            "name": name, "rotation": rot, "width": bw, "height": bh,
            "detections": out_dets, "presence": presence,
            "landmarks": pts_b.round(4).tolist(), "eyes": eyes_b,
        })
        print(f"{name}: {len(dets)} detection(s), presence {presence:.3f}, box {out_dets[0]['bbox']}", file=sys.stderr)
    meta = {
        "generator": "tests/golden/gen_golden.py",
        "onnxruntime": ort.__version__,
        "numpy": np.__version__,
        "tolerance": {"detector_bbox_px": 1.0, "landmark_px": 0.5},
        "cases": cases,
    }
    with open(os.path.join(ROOT, "tests", "golden", "golden.json"), "w") as f:
        json.dump(meta, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
