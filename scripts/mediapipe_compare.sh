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
read -r lf_total lf_mesh lf_iris lf_sig < <(taskset -c "$core" target/release/liveface analyze "$clip" --summary-only |
  python3 -c 'import json,sys; s=json.loads(sys.stdin.read().splitlines()[-1])["summary"]["stages"]; print(*(s[k]["median_us"]/1000 for k in ["total","mesh","iris","signals"]))')
python3 - "$clip" "$mp_refine" "$mp_plain" "$lf_total" "$lf_mesh" "$lf_iris" "$lf_sig" <<'PY'
import sys
clip, mr, mp, lt, lm, li, ls = sys.argv[1], *map(float, sys.argv[2:])
print(f"clip {clip}, one core, medians per frame:")
print(f"  MediaPipe-Python FaceMesh refine_landmarks=True (478 pts + iris): {mr:.2f} ms")
print(f"  MediaPipe-Python FaceMesh, plain 468-point mesh:               {mp:.2f} ms")
print(f"  liveface tracked frame (mesh {lm:.2f} + iris {li:.2f} + signals {ls:.2f}): {lt:.2f} ms")
print(f"  ratio liveface / MediaPipe refine: {lt / mr:.2f}x   (/ plain mesh: {lt / mp:.2f}x)")
PY
