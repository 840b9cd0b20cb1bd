#!/usr/bin/env bash
# Blink accuracy on people the thresholds never saw: leave-one-person-out over the 14
# people we have blink labels for: ../shared/data/blink (one person, 6 clips), blink_zju
# (10 people, 4 clips each) and three talking clips we labelled by hand
# (assets/labels/blink_extra.csv: WDA_KatieHill_000, liveportrait_d9, d10), at the native
# frame rate and at 7.5 fps (every 4th frame of a 30 fps clip, every 2nd of a 15 fps one),
# plus the in-sample scores of the defaults.
#
#   scripts/blink_lopo.sh [OUT_DIR [CLIP...]]   (default target/blink_lopo, all 46 clips)
#
# CI runs it on a few clips of three people (see .ci/run); the README quotes all of them.
# Tracks each clip once (about 3 min on one core; the signals are cached in
# OUT_DIR/signals), then tunes and scores in seconds. The person of a clip is read from
# its file name; the frames the ZJU annotators left out (`annotated` = 0) are passed as
# --ignore. Prints one JSON line per person and a summary line; OUT_DIR/summary.json.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${LIVEFACE_SHARED:-../shared}/data
OUT=${1:-target/blink_lopo}
shift || true
mkdir -p "$OUT"
[ -d "$DATA/blink" ] && [ -d "$DATA/blink_zju" ] || { echo "missing $DATA/blink or $DATA/blink_zju" >&2; exit 2; }
EXTRA=("$DATA"/faces/WDA_KatieHill_000.mp4 "$DATA"/faces/liveportrait_d9.mp4 "$DATA"/faces/liveportrait_d10.mp4)
if [ $# -gt 0 ]; then CLIPS=("$@"); else CLIPS=("$DATA"/blink/*.avi "$DATA"/blink_zju/*.mp4 "${EXTRA[@]}"); fi
# clip -> person: mahie_* is one person; ZJU names are <n>_<subject><sex>_<setting>.
{
  echo "clip,person"
  for f in "${CLIPS[@]}"; do
    s=$(basename "${f%.*}")
    case $s in
      mahie*) echo "$s,mahie" ;;
      [0-9]*_0000*) echo "$s,zju_$(echo "$s" | cut -d_ -f2 | cut -c1-6)" ;;
      *) echo "$s,$s" ;; # one clip, one person (assets/labels/blink_extra.csv)
    esac
  done
} > "$OUT/people.csv"
# Unannotated frame runs of the ZJU clips (column 5 of *.labels.csv is `annotated`).
{
  echo "clip,start_frame,end_frame"
  for f in "$DATA"/blink_zju/*.labels.csv; do
    awk -F, -v clip="$(basename "$f" .labels.csv)" '
      NR > 1 { if ($5 == "0") { if (s == "") s = $1; e = $1 } else if (s != "") { print clip "," s "," e; s = "" } }
      END { if (s != "") print clip "," s "," e }' "$f"
  done
} > "$OUT/unannotated.csv"
cargo build --release --quiet --features ffmpeg
BIN=target/release/liveface
COMMON=(--labels "$DATA/blink/blink_intervals.csv" --labels "$DATA/blink_zju/blink_intervals.csv" --labels assets/labels/blink_extra.csv
  --ignore "$OUT/unannotated.csv" --signals "$OUT/signals")
for fps in "" 7.5; do
  "$BIN" eval blink ${fps:+--fps $fps} "${COMMON[@]}" "${CLIPS[@]}" | tail -1 | sed "s/^/in-sample defaults: /"
done
"$BIN" eval blink --lopo "$OUT/people.csv" --lopo-fps 7.5 --out "$OUT" "${COMMON[@]}" "${CLIPS[@]}"
