#!/usr/bin/env bash
# End-to-end `liveface analyze DIR` throughput over the clips in ../shared/data/faces
# (all H.264 but one MPEG-4 Part 2 clip, hence the `ffmpeg` feature), with --jobs 1 and
# --jobs 2. Prints wall time and frames per second for each.
#
#   scripts/jobs_bench.sh [DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/../shared/data/faces}"
if [ ! -d "$dir" ]; then
  echo "jobs_bench: SKIPPED, no clip directory at $dir"
  exit 0
fi
(cd "$root" && cargo build --release --quiet --features ffmpeg)
for jobs in 1 2; do
  out="$("$root/target/release/liveface" analyze "$dir" --jobs "$jobs")"
  echo "$out" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin if l.strip()]
frames = sum(l["summary"]["frames"] for l in lines if "summary" in l)
b = [l["batch"] for l in lines if "batch" in l][0]
secs = b["wall_ms"] / 1e3
print("--jobs %d: %d files, %d failed, %d frames in %.2f s = %.1f frames/s" % (b["jobs"], b["files"], b["failed"], frames, secs, frames / secs))
'
done
