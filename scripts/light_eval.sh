#!/usr/bin/env bash
# Light mode over simulated sessions on real clips: every clip of ../shared/data/faces and
# the blink clips (one per ZJU person unless ALL_ZJU=1), amplitudes 1-16 grey levels, 15
# and 30 fps, bona fide and the four attacks, H.264 round trip.
#
#   scripts/light_eval.sh [OUT_DIR] [extra eval light options, e.g. --trials 4]
#
# AMPS (default 1,2,4,6,8,16) sets the amplitudes. HELD_OUT=1 runs instead the clips the
# light check was never tuned on: ../shared/data/talking (three other people) and the
# ZJU clips of each person with glasses (*_FTN).
#
# Writes OUT_DIR/{sessions.csv,summary.json,pass_rate.png} (default target/light_eval) and
# prints the summary as the last line. About 1 s of wall time per session on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${LIVEFACE_SHARED:-../shared}/data
OUT=${1:-target/light_eval}
shift || true
[ -d "$DATA/faces" ] || { echo "missing $DATA/faces" >&2; exit 2; }
CLIPS=("$DATA"/faces/*.mp4 "$DATA"/blink/*.avi)
if [ "${HELD_OUT:-0}" = 1 ]; then
  CLIPS=("$DATA"/talking/*.mp4 "$DATA"/blink_zju/*_FTN.mp4)
elif [ "${ALL_ZJU:-0}" = 1 ]; then
  CLIPS+=("$DATA"/blink_zju/*.mp4)
else
  # The frontal clip of each ZJU person.
  for f in "$DATA"/blink_zju/*_FNN.mp4; do CLIPS+=("$f"); done
fi
cargo build --release --quiet --features ffmpeg
target/release/liveface eval light --clips "${CLIPS[@]}" --amplitudes "${AMPS:-1,2,4,6,8,16}" --fps 15,30 --out "$OUT" "$@"
