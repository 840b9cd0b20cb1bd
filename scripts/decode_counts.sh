#!/usr/bin/env bash
# Decodes every clip under DATA_DIR with liveface (feature `ffmpeg`, so AVI/MPEG-1 too)
# and compares the picture count with ffprobe's. Fails on any mismatch.
#
#   scripts/decode_counts.sh [DATA_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:-$root/../shared/data}"
if [ ! -d "$data" ]; then
  echo "decode_counts: SKIPPED, no data directory at $data"
  exit 0
fi
(cd "$root" && cargo build --release --quiet --features ffmpeg --example decode_check)
fail=0
while IFS= read -r clip; do
  want="$(ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$clip")"
  line="$("$root/target/release/examples/decode_check" "$clip" | tail -n 1)"
  got="$(echo "$line" | awk '{print $2}')"
  status=ok
  [ "$want" = "$got" ] || { status=MISMATCH; fail=1; }
  printf '%-28s ffprobe %6s liveface %6s %s (%s)\n' "$(basename "$clip")" "$want" "$got" "$status" "$line"
done < <(find "$data" -type f \( -name '*.mp4' -o -name '*.avi' -o -name '*.mpg' -o -name '*.mov' \) | sort)
exit $fail
