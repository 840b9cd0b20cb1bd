#!/usr/bin/env bash
# Reproducibly rebuild the default ONNX models in this folder from the PyPI wheel
# mediapipe==0.10.21 (Apache-2.0). Every tool is pinned; tools/split_prelu.py rewrites
# PRelu into an equal, faster form; tools/canon_onnx.py makes the
# output byte-identical run to run; tools/parity.py checks each ONNX file against its
# TFLite original on real face inputs and fails on a mismatch.
#
#   bash models/convert.sh [WORKDIR]        (about 1-3 minutes with a warm pip cache)
#
# Afterwards `sha256sum models/*.onnx` must equal the hashes in models/manifest.toml.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work" && cd "$work"
echo "work dir: $work"

WHEEL=mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl
WHEEL_SHA=05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3

if [ ! -x venv/bin/python ]; then
  python3 -m venv venv
fi
. venv/bin/activate
pip install -q tensorflow-cpu==2.21.0 tf2onnx==1.17.0 onnx==1.23.2 onnxruntime==1.31.1 \
  numpy==2.4.6 protobuf==7.36.2 pillow==13.0.0
pip download -q --no-deps --only-binary=:all: --python-version 3.11 --implementation cp \
  --abi cp311 --platform manylinux_2_28_x86_64 -d dl mediapipe==0.10.21
echo "$WHEEL_SHA  dl/$WHEEL" | sha256sum -c -

python - "$WHEEL" <<'PY'
import sys, zipfile, hashlib, os
want = {
    "mediapipe/modules/face_detection/face_detection_short_range.tflite": "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
    "mediapipe/modules/face_landmark/face_landmark.tflite": "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814",
    "mediapipe/modules/face_landmark/face_landmark_with_attention.tflite": "e06a804e0144f9929eda782122916b35d60c697c3c9344013ca2bbe76a6ce2b4",
    "mediapipe/modules/iris_landmark/iris_landmark.tflite": "d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f",
}
os.makedirs("tflite", exist_ok=True)
with zipfile.ZipFile("dl/" + sys.argv[1]) as z:
    for path, sha in want.items():
        data = z.read(path)
        got = hashlib.sha256(data).hexdigest()
        if got != sha:
            sys.exit(f"{path}: sha256 {got} != {sha}")
        open("tflite/" + path.rsplit("/", 1)[1], "wb").write(data)
    # keep the wheel's license text next to the models
    lic = [n for n in z.namelist() if n.endswith(".dist-info/LICENSE")]
    open("LICENSE.mediapipe", "wb").write(z.read(lic[0]))
print("sources verified")
PY

mkdir -p raw out
convert() { # tflite-name onnx-name renames...
  local src="$1" dst="$2"; shift 2
  python -m tf2onnx.convert --tflite "tflite/$src" --output "raw/$dst" --opset 13 >"raw/$dst.log" 2>&1 \
    || { cat "raw/$dst.log"; exit 1; }
  python "$here/tools/split_prelu.py" "raw/$dst" "raw/split_$dst"
  python "$here/tools/canon_onnx.py" "raw/split_$dst" "out/$dst" "$@"
}
convert face_detection_short_range.tflite blazeface_short_128.onnx
convert face_landmark.tflite face_landmark_468.onnx input_1=input conv2d_21=landmarks conv2d_31=face_flag
convert iris_landmark.tflite iris_landmark_64.onnx input_1=input

# The attention mesh (478 points: mesh, refined eyes, irises and lips in one pass). Its
# three MediaPipe custom ops stay as TFL_* nodes after tf2onnx; tools/attention_split.py
# cuts the graph there into a trunk and the region heads, and liveface computes the ops
# between them (src/models/attention.rs). GridSample, which they need, is opset 16.
python -m tf2onnx.convert --tflite tflite/face_landmark_with_attention.tflite --output raw/attention.onnx \
  --opset 17 >raw/attention.log 2>&1 || { cat raw/attention.log; exit 1; }
python "$here/tools/attention_split.py" raw/attention.onnx raw/attention_trunk.onnx raw/attention_heads.onnx
for part in trunk heads; do
  python "$here/tools/split_prelu.py" "raw/attention_$part.onnx" "raw/split_attention_$part.onnx"
done
# The two eye heads share their structure: one graph on twice the channels (grouped
# convolutions) runs both in 253 nodes instead of 388 (tools/merge_eye_heads.py).
python "$here/tools/merge_eye_heads.py" raw/split_attention_heads.onnx raw/merged_attention_heads.onnx
# The blocks that widen their channels zero-pad the residual (Pad): as 1x1 convolutions
# they stay in ONNX Runtime's blocked layout (tools/pad_as_conv.py). Not for BlazeFace,
# whose widening steps of 4-8 channels make the convolution cost more than the Pad.
# In the trunk, whose blocks double their channels, --concat writes Concat(x, zeros)
# instead of the identity (4-5% faster on one core); on the heads' small maps it is not.
python "$here/tools/pad_as_conv.py" --concat raw/split_attention_trunk.onnx raw/pad_attention_trunk.onnx
python "$here/tools/pad_as_conv.py" raw/merged_attention_heads.onnx raw/pad_attention_heads.onnx
python "$here/tools/canon_onnx.py" raw/pad_attention_trunk.onnx out/face_attention_trunk.onnx
python "$here/tools/canon_onnx.py" raw/pad_attention_heads.onnx out/face_attention_heads.onnx

python "$here/tools/parity.py" tflite out "$here/../assets"

cp out/*.onnx "$here/"
cp LICENSE.mediapipe "$here/LICENSE.mediapipe"
(cd "$here" && sha256sum blazeface_short_128.onnx face_landmark_468.onnx iris_landmark_64.onnx \
  face_attention_trunk.onnx face_attention_heads.onnx)
