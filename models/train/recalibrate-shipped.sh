#!/usr/bin/env bash
# Calibrates a shipped pack whose weights were not kept and takes its operating points again by
# the rule of operating-points.ts, then validates it and rewrites its card:
#   models/train/recalibrate-shipped.sh stroke-ich 1.1.0
# 1. the shipped model's validation scores, through the node's pipeline (score-split.ts);
# 2. calibrate.py --shipped (Platt scaling into the ONNX file), or, for a pack calibrated already
#    (pe-ctpa), its validation scores as they are;
# 3. write-manifest.ts (operating points, device UID, test vector, score baseline);
# 4. validate.sh (test and shifted sets, vigil evaluate, MODEL_CARD.md).
# The training record is models/train/records/<pack>-1.0.0.json (the 1.0.0 run's, from its card);
# run on a pack calibrated by this script already, calibrate.py refuses (the graph has its nodes).
# Hours on a busy machine: run it under nice, in the background.
set -euo pipefail
cd "$(dirname "$0")/../.."
pack="$1"
version="$2"
work="models/train/.work/$pack"
mkdir -p "$work"
cp "models/train/records/$pack-1.0.0.json" "$work/train.json"
rm -f "$work"/scores-val-[0-9]*.csv
npx tsx models/train/score-split.ts --pack "$pack" --split val --shard 0/2 &
a=$!
npx tsx models/train/score-split.ts --pack "$pack" --split val --shard 1/2 &
b=$!
wait $a
wait $b
if [ "$(jq -r '.calibration // empty | .a' "$work/train.json")" = "" ]; then
  /usr/bin/python3 models/train/calibrate.py --pack "$pack" --shipped
else
  cp "models/$pack/model.onnx" "$work/model.onnx"
  { head -n 1 "$work/scores-val-0.csv"; tail -q -n +2 "$work/scores-val-0.csv" "$work/scores-val-1.csv"; } > "$work/scores-val-trainer.csv"
fi
npx tsx models/train/write-manifest.ts --pack "$pack" --version "$version"
models/train/validate.sh "$pack"
