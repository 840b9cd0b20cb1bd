#!/usr/bin/env bash
# Per-frame cost of liveface against the MediaPipe-Python peer (../shared/tools/peer_mediapipe.py)
# on the same clip, both pinned to the same core, in one run; prints both medians and ratios.
#   scripts/mediapipe_compare.sh [CLIP] [CORE]          (ROUNDS=3 by default)
# This VM's speed drifts by up to 2x from minute to minute, so the two are interleaved:
# each round runs MediaPipe (refine_landmarks=True) and then liveface (default attention
# mesh) back to back, and the ratio reported is the median of the rounds' ratios. The
# plain MediaPipe mesh and liveface's mesh + iris models run once, in the first round.
# The peer runs in a venv (LIVEFACE_PEER_VENV, default target/peer-venv) with
# mediapipe==0.10.21 opencv-python-headless==4.11.0.86 numpy==1.26.4 from PyPI.
# LIVEFACE_BIN names another liveface binary to measure (default target/release/liveface).
set -euo pipefail
cd "$(dirname "$0")/.."
clip=${1:-../shared/data/faces/liveportrait_d3.mp4}
core=${2:-0}
rounds=${ROUNDS:-3}
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
# liveface per tracked frame (median of `analyze`'s per-frame timings, detector frames
# included as in MediaPipe's numbers). The clip is decoded to PNG frames first so that,
# like the peer (which decodes with OpenCV in its own thread between frames), liveface
# reads frames in the tracking thread: `analyze CLIP` decodes on a second thread, which
# on one pinned core preempts inference and inflates the per-stage times.
frames=target/mediapipe_compare_frames/$(basename "${clip%.*}")
if [ ! -d "$frames" ]; then
  mkdir -p "$frames"
  ffmpeg -v error -i "$clip" "$frames/%05d.png"
fi
fps=$(ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 "$clip" | python3 -c 'import sys; a, b = sys.stdin.read().strip().split("/"); print(float(a) / float(b))')
stages() {
  taskset -c "$core" "${LIVEFACE_BIN:-target/release/liveface}" analyze "$frames" --fps "$fps" --summary-only --landmark-model "$1" |
    python3 -c 'import json,sys; s=json.loads(sys.stdin.read().splitlines()[-1])["summary"]["stages"]; print(*(s[k]["median_us"]/1000 for k in ["total","mesh","iris","signals","detect"]))'
}
mp_refine=() lf=() lf_det=()
for r in $(seq 1 "$rounds"); do
  mp_refine+=("$(taskset -c "$core" "$venv/bin/python" "$peer" "$clip" --refine 2>/dev/null | median)")
  read -r at_total at_mesh at_eyes at_sig at_det < <(stages attention)
  lf+=("$at_total") lf_det+=("$at_det")
  echo "round $r: MediaPipe ${mp_refine[-1]} ms, liveface $at_total ms" >&2
  if [ "$r" = 1 ]; then
    mp_plain=$(taskset -c "$core" "$venv/bin/python" "$peer" "$clip" 2>/dev/null | median)
    read -r mi_total mi_mesh mi_iris mi_sig mi_det < <(stages mesh-iris)
    first=("$at_mesh" "$at_eyes" "$at_sig")
  fi
done
python3 - "$clip" "${mp_refine[*]}" "${lf[*]}" "${lf_det[*]}" "$mp_plain" "${first[*]}" "$mi_total" "$mi_mesh" "$mi_iris" "$mi_sig" <<'PY'
import json, statistics, sys
clip = sys.argv[1]
mr, lf, det = ([float(v) for v in a.split()] for a in sys.argv[2:5])
mp = float(sys.argv[5])
am, ae, asg = map(float, sys.argv[6].split())
mt, mm, mi, ms = map(float, sys.argv[7:11])
ratios = [l / m for l, m in zip(lf, mr)]
untracked = [(l + d) / m for l, d, m in zip(lf, det, mr)]
r, u = statistics.median(ratios), statistics.median(untracked)
mrm, lfm, detm = statistics.median(mr), statistics.median(lf), statistics.median(det)
print(f"clip {clip}, one core, medians per frame, {len(mr)} interleaved rounds:")
print(f"  MediaPipe-Python FaceMesh refine_landmarks=True (478 pts + iris): {' / '.join(f'{v:.2f}' for v in mr)} ms")
print(f"  liveface, attention mesh (default):                               {' / '.join(f'{v:.2f}' for v in lf)} ms")
print(f"    (round 1: trunk+heads {am:.2f} + eyes {ae:.2f} + signals {asg:.2f})")
print(f"  ratio liveface / MediaPipe per round: {' / '.join(f'{v:.2f}x' for v in ratios)}; median {r:.2f}x")
print(f"  untracked frame (tracked + detector, per round): {' / '.join(f'{v:.2f}x' for v in untracked)}; median {u:.2f}x")
print(f"  round 1 only: MediaPipe plain 468-point mesh {mp:.2f} ms; liveface mesh + iris models "
      f"(mesh {mm:.2f} + iris {mi:.2f} + signals {ms:.2f}) {mt:.2f} ms = {mt / mr[0]:.2f}x")
print(json.dumps({"clip": clip, "rounds": len(mr), "mediapipe_refine_ms": mr, "liveface_ms": lf,
                  "ratio_rounds": [round(v, 3) for v in ratios], "ratio": round(r, 3),
                  "ratio_untracked_rounds": [round(v, 3) for v in untracked], "ratio_untracked": round(u, 3),
                  "mediapipe_plain_ms": mp, "liveface_mesh_iris_ms": mt, "ratio_mesh_iris": round(mt / mr[0], 3)}))
PY
