#!/usr/bin/env bash
# Per-frame cost of liveface against the MediaPipe-Python peer (../shared/tools/peer_mediapipe.py)
# on the same clip, both pinned to the same core, in one run; prints both medians and ratios.
#   scripts/mediapipe_compare.sh [CLIP] [CORE]
# The peer runs in a venv (LIVEFACE_PEER_VENV, default target/peer-venv) with
# mediapipe==0.10.21 opencv-python-headless==4.11.0.86 numpy==1.26.4 from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
clip=${1:-../shared/data/faces/liveportrait_d3.mp4}
core=${2:-0}
venv=${LIVEFACE_PEER_VENV:-target/peer-venv}
peer=../shared/tools/peer_mediapipe.py
[ -f "$clip" ] || { echo "no clip $clip" >&2; exit 2; }
[ -f "$peer" ] || { echo "no peer script $peer" >&2; exit 2; }
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q mediapipe==0.10.21 opencv-python-headless==4.11.0.86 numpy==1.26.4
fi
cargo build --release --quiet --features ffmpeg
median() { python3 -c 'import json,sys; print(json.load(sys.stdin)["process_ms"]["median"])'; }
mp_refine=$(taskset -c "$core" "$venv/bin/python" "$peer" "$clip" --refine 2>/dev/null | median)
mp_plain=$(taskset -c "$core" "$venv/bin/python" "$peer" "$clip" 2>/dev/null | median)
# liveface per tracked frame (median of `analyze`'s per-frame timings, detector frames
# included as in MediaPipe's numbers): the default attention mesh, then mesh + iris models.
# The clip is decoded to PNG frames first so that, like the peer (which decodes with
# OpenCV in its own thread between frames), liveface reads frames in the tracking thread:
# `analyze CLIP` decodes on a second thread, which on one pinned core preempts inference
# and inflates the per-stage times.
frames=target/mediapipe_compare_frames/$(basename "${clip%.*}")
if [ ! -d "$frames" ]; then
  mkdir -p "$frames"
  ffmpeg -v error -i "$clip" "$frames/%05d.png"
fi
fps=$(ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 "$clip" | python3 -c 'import sys; a, b = sys.stdin.read().strip().split("/"); print(float(a) / float(b))')
stages() {
  taskset -c "$core" target/release/liveface analyze "$frames" --fps "$fps" --summary-only --landmark-model "$1" |
    python3 -c 'import json,sys; s=json.loads(sys.stdin.read().splitlines()[-1])["summary"]["stages"]; print(*(s[k]["median_us"]/1000 for k in ["total","mesh","iris","signals","detect"]))'
}
read -r at_total at_mesh at_eyes at_sig at_det < <(stages attention)
read -r mi_total mi_mesh mi_iris mi_sig mi_det < <(stages mesh-iris)
python3 - "$clip" "$mp_refine" "$mp_plain" "$at_total" "$at_mesh" "$at_eyes" "$at_sig" "$mi_total" "$mi_mesh" "$mi_iris" "$mi_sig" "$at_det" <<'PY'
import json, sys
clip = sys.argv[1]
mr, mp, at, am, ae, asg, mt, mm, mi, ms, ad = map(float, sys.argv[2:])
print(f"clip {clip}, one core, medians per frame:")
print(f"  MediaPipe-Python FaceMesh refine_landmarks=True (478 pts + iris): {mr:.2f} ms")
print(f"  MediaPipe-Python FaceMesh, plain 468-point mesh:               {mp:.2f} ms")
print(f"  liveface, attention mesh (default; trunk+heads {am:.2f} + eyes {ae:.2f} + signals {asg:.2f}): {at:.2f} ms")
print(f"  liveface, mesh + iris models (mesh {mm:.2f} + iris {mi:.2f} + signals {ms:.2f}): {mt:.2f} ms")
print(f"  ratio liveface / MediaPipe refine: {at / mr:.2f}x (mesh + iris: {mt / mr:.2f}x)")
# An untracked frame runs the detector too: tracked median + the detector stage's median
# (over the frames where it ran).
print(f"  liveface untracked frame (tracked + detector {ad:.2f}): {at + ad:.2f} ms = {(at + ad) / mr:.2f}x MediaPipe's tracked frame")
print(json.dumps({"clip": clip, "mediapipe_refine_ms": mr, "mediapipe_plain_ms": mp, "liveface_ms": at,
                  "liveface_mesh_iris_ms": mt, "ratio": round(at / mr, 3), "ratio_mesh_iris": round(mt / mr, 3),
                  "liveface_untracked_ms": round(at + ad, 3), "ratio_untracked": round((at + ad) / mr, 3)}))
PY
