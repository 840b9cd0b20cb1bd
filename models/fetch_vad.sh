#!/usr/bin/env bash
# Fetches the voice activity model of the digit (LIP) mode from its PyPI wheel and checks
# it against models/manifest.toml ([vad]): the file is used as published, not converted.
#
#   bash models/fetch_vad.sh      (needs pip and network access to PyPI)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
WHEEL=silero_vad-6.0.0-py3-none-any.whl
WHEEL_SHA=37d29be8944d2a2e6f1cc38a066076f13e78e6fc1b567a1beddcca72096f077f
pip download -q --no-deps --only-binary=:all: silero-vad==6.0.0 -d "$tmp"
echo "$WHEEL_SHA  $tmp/$WHEEL" | sha256sum -c -
python3 - "$tmp/$WHEEL" "$here" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
open(sys.argv[2] + "/silero_vad_16k_op15.onnx", "wb").write(z.read("silero_vad/data/silero_vad_16k_op15.onnx"))
open(sys.argv[2] + "/LICENSE.silero-vad", "wb").write(z.read("silero_vad-6.0.0.dist-info/licenses/LICENSE"))
PY
echo "794ed8a51d4f37faf0555383aa34dbaeeb83e3031a1df1e0351c457e1142bd3e  $here/silero_vad_16k_op15.onnx" | sha256sum -c -
