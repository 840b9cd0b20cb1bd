#!/usr/bin/env bash
# Face-tracking coverage on the real clips in ../shared/data/faces: decode each clip to a
# frame directory with ffmpeg (until liveface decodes video itself), run
# `liveface analyze DIR --summary-only`, and report the share of frames with a tracked
# face. Fails when any clip is below MIN (default 0.99).
#
#   scripts/face_coverage.sh [DATA_DIR] [MIN]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:-$root/../shared/data/faces}"
min="${2:-0.99}"
if [ ! -d "$data" ]; then
  echo "face_coverage: SKIPPED, no clip directory at $data"
  exit 0
fi
command -v ffmpeg >/dev/null || { echo "face_coverage: needs ffmpeg (apt-get install ffmpeg)"; exit 1; }
(cd "$root" && cargo build --release --quiet)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail=0
printf '%-22s %7s %7s %8s %6s %9s %9s\n' clip frames face ratio tracks total_med total_p95
for clip in "$data"/*.mp4; do
  name="$(basename "$clip" .mp4)"
  mkdir -p "$work/$name"
  ffmpeg -loglevel error -i "$clip" -vsync 0 "$work/$name/%06d.png"
  fps="$(ffprobe -v error -select_streams v:0 -show_entries stream=avg_frame_rate -of csv=p=0 "$clip" | awk -F/ '{ if ($2 > 0) print $1/$2; else print 25 }')"
  line="$("$root/target/release/liveface" analyze "$work/$name" --summary-only --fps "$fps" | tail -n 1)"
  python3 - "$name" "$min" "$line" <<'PY' || fail=1
import json, sys
name, lo, s = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3])["summary"]
t = s["stages"]["total"]
print(f"{name:22s} {s['frames']:7d} {s['frames_with_face']:7d} {s['face_ratio']:8.4f} {s['tracks']:6d} {t['median_us']:9d} {t['p95_us']:9d}")
sys.exit(0 if s["face_ratio"] >= lo else 1)
PY
  rm -rf "${work:?}/$name"
done
exit $fail
