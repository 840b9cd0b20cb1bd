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


def run_case(img, det, mesh, iris, att):
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
    attention = run_attention(img, m, side, *att)
    return dets, float(1 / (1 + math.exp(-float(flag.reshape(-1)[0])))), pts, eyes, attention


# The attention mesh: trunk + MediaPipe's custom ops in numpy (version 2 of each, as
# mediapipe/util/tflite/operations defines them) + heads.
# Region options of face_landmark_with_attention (the heads' input order): rotation
# landmarks and the subset whose box sets the crop.
EYE_R = [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173, 130, 25, 110, 24, 23, 22,
         26, 112, 243, 247, 30, 29, 27, 28, 56, 190, 226, 31, 228, 229, 230, 231, 232, 233, 244, 113, 225, 224, 223,
         222, 221, 189, 35, 124, 46, 53, 52, 65, 143, 111, 117, 118, 119, 120, 121, 128, 245, 156, 70, 63, 105, 66,
         107, 55, 193]
EYE_L = [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398, 359, 255, 339, 254, 253,
         252, 256, 341, 463, 467, 260, 259, 257, 258, 286, 414, 446, 261, 448, 449, 450, 451, 452, 453, 464, 342, 445,
         444, 443, 442, 441, 413, 265, 353, 276, 283, 282, 295, 372, 340, 346, 347, 348, 349, 350, 357, 465, 383, 300,
         293, 334, 296, 336, 285, 417]
LIPS = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409, 78, 95, 88, 178,
        87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415, 76, 77, 90, 180, 85, 16, 315, 404,
        320, 307, 306, 184, 74, 73, 72, 11, 302, 303, 304, 408, 62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292, 183,
        42, 41, 38, 12, 268, 271, 272, 407]
ATT_REGIONS = {"lips": (61, 291, LIPS), "left_eye": (33, 133, EYE_R), "right_eye": (362, 263, EYE_L)}


def att_matrix(L, left, right, subset, out=16, scale=1.5):
    """Landmarks2TransformMatrix v2: 4x4 output-crop -> landmark coordinates."""
    rot = 0.0 - math.atan2(L[right, 1] - L[left, 1], L[right, 0] - L[left, 0])
    c, s = math.cos(rot), math.sin(rot)
    P = L[subset, :2]
    R = np.array([[c, -s], [s, c]])
    Q = P @ R.T
    lo, hi = Q.min(0), Q.max(0)
    size = hi - lo
    centre = np.linalg.inv(R) @ ((lo + hi) / 2)
    def mat4(a, b, tx, d, e, ty):
        return np.array([[a, b, 0, tx], [d, e, 0, ty], [0, 0, 1, 0], [0, 0, 0, 1]], np.float64)
    t = mat4(1, 0, centre[0], 0, 1, centre[1])
    cr, sr = math.cos(-rot), math.sin(-rot)
    t = t @ mat4(cr, -sr, 0, sr, cr, 0)
    t = t @ mat4(scale * size[0] / out, 0, 0, 0, scale * size[1] / out, 0)
    t = t @ mat4(1, 0, -out / 2, 0, 1, -out / 2)
    return t


def att_bilinear(F, M, out=16):
    """TransformTensorBilinear v2 on F [C,H,W]: samples at M (u+.5, v+.5) - .5."""
    C, H, W = F.shape
    res = np.zeros((C, out, out), np.float64)
    for v in range(out):
        for u in range(out):
            x = M[0, 0] * (u + 0.5) + M[0, 1] * (v + 0.5) + M[0, 3] - 0.5
            y = M[1, 0] * (u + 0.5) + M[1, 1] * (v + 0.5) + M[1, 3] - 0.5
            if x < 0 or y < 0 or x > W - 1 or y > H - 1:
                continue
            x0, y0 = int(math.floor(x)), int(math.floor(y))
            fx, fy = x - x0, y - y0

            def rd(yy, xx):
                return F[:, yy, xx] if yy < H and xx < W else 0.0

            up = (1 - fx) * rd(y0, x0) + fx * rd(y0, x0 + 1)
            lo = (1 - fx) * rd(y0 + 1, x0) + fx * rd(y0 + 1, x0 + 1)
            res[:, v, u] = fy * lo + (1 - fy) * up
    return res


def run_attention(img, m, side, trunk, heads, regions):
    x = crop(img, m, 192, taps_for(m)) / 255.0
    lm, flag, feat = trunk.run(["landmarks", "face_flag", "features"], {"input": x[None].astype(np.float32)})
    lm = lm.reshape(468, 3).astype(np.float64)
    L = lm * 0.25
    mats, feeds = [], {}
    for name, (left, right, subset) in regions.items():
        M = att_matrix(L, left, right, subset)
        mats.append(M)
        feeds[name + "_crop"] = att_bilinear(feat[0].astype(np.float64), M)[None].astype(np.float32)
    outs = dict(zip([o.name for o in heads.get_outputs()], heads.run(None, feeds)))
    k = side / 192
    scale4 = np.array([[1, 1, 4, 4], [1, 1, 4, 4], [.25, .25, 1, 1], [.25, .25, 1, 1]])
    # MediaPipe's refinement: the lips' and eyes' mesh points take the heads' x, y.
    for name, M in zip(regions, mats):
        M = M * scale4
        p = outs[name][0].astype(np.float64)
        lm[regions[name][2], :2] = p @ M[:2, :2].T + M[:2, 3]
    pts = np.concatenate([apply(m, lm[:, :2]), lm[:, 2:] * k], 1)
    eyes = []
    for reg, (eye, iris) in [("left_eye", ("left_eye", "left_iris")), ("right_eye", ("right_eye", "right_iris"))]:
        M = mats[list(regions).index(reg)] * scale4
        subset = regions[reg][2]

        def back(p, z):
            q = p[0].astype(np.float64) @ M[:2, :2].T + M[:2, 3]
            return np.concatenate([apply(m, q), z[:, None] * k], 1)

        contour = back(outs[eye], lm[subset, 2])
        ir = back(outs[iris], np.full(5, lm[subset[:16], 2].mean()))
        eyes.append({"contour": contour, "iris": ir})
    return float(1 / (1 + math.exp(-float(flag.reshape(-1)[0])))), pts, eyes


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
    att = (session("face_attention_trunk.onnx"), session("face_attention_heads.onnx"), ATT_REGIONS)
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
        dets, presence, pts, eyes, attention = run_case(np.ascontiguousarray(upright), det, mesh, iris, att)
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
        a_presence, a_pts, a_eyes = attention
        a_pts_b = a_pts.copy()
        a_pts_b[:, :2] = tb(a_pts[:, :2])
        a_eyes_b = []
        for e in a_eyes:
            c, i = e["contour"].copy(), e["iris"].copy()
            c[:, :2], i[:, :2] = tb(c[:, :2]), tb(i[:, :2])
            a_eyes_b.append({"contour": c.round(4).tolist(), "iris": i.round(4).tolist()})
        cases.append({
            "name": name, "rotation": rot, "width": bw, "height": bh,
            "detections": out_dets, "presence": presence,
            "landmarks": pts_b.round(4).tolist(), "eyes": eyes_b,
            "attention": {"presence": a_presence, "landmarks": a_pts_b.round(4).tolist(), "eyes": a_eyes_b},
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
