#!/usr/bin/env bash
# Builds the C example against the C ABI (liveface-ffi) and runs it: on frames made from
# the shipped astronaut picture under valgrind (no leaks, no invalid reads in our code),
# then on a real clip from ../shared when it is there.
#   scripts/c_example.sh [--no-valgrind]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p liveface-ffi
cc -std=c99 -O2 -Wall -Wextra -Werror examples/c/session.c -Icrates/liveface-ffi/include \
  -Ltarget/release -lliveface_ffi -Wl,-rpath,"$PWD/target/release" -o target/c_session
# 2.2 s of NV12 frames at 5 fps (limited range, as ffmpeg writes them), 1024x1024.
ffmpeg -v error -y -loop 1 -i assets/astronaut.png -t 2.2 -r 5 -vf scale=1024:1024 -pix_fmt nv12 \
  -f rawvideo target/astronaut_5fps.nv12
rm -rf target/c_package
if [ "${1:-}" != "--no-valgrind" ]; then
  valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
    --suppressions=examples/c/valgrind.supp -q \
    target/c_session target/astronaut_5fps.nv12 1024 1024 5 silent target/c_package
else
  target/c_session target/astronaut_5fps.nv12 1024 1024 5 silent target/c_package
fi
clip=../shared/data/faces/liveportrait_d6.mp4
if [ -f "$clip" ]; then
  ffmpeg -v error -y -i "$clip" -t 6 -pix_fmt nv12 -f rawvideo target/d6.nv12
  size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$clip")
  target/c_session target/d6.nv12 "${size%,*}" "${size#*,}" 30 1,2 target/c_package_d6 | tail -n 4
else
  echo "SKIPPED: $clip not present"
fi
