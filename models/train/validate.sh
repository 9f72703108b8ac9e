#!/usr/bin/env bash
# Validates a pack as a hospital would, with the node's own pipeline and the shipped ONNX file:
# scores fresh phantoms of the test and shifted splits (never seen in training or in choosing the
# operating points), runs `vigil evaluate` at the manifest's default operating point, and
# writes MODEL_CARD.md from the results.
#   models/train/validate.sh stroke-ich [--resume] [test shifted val]
# --resume keeps the studies a stopped run had scored with the same model file (score-split.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
pack="$1"; shift
resume=()
if [[ "${1:-}" == --resume ]]; then resume=(--resume); shift; fi
splits=("${@:-test shifted}")
work="models/train/.work/$pack"
case "$pack" in
  pneumothorax-cxr) subgroups=vendor,photometric,detector,noise,size_bin,type ;;
  *) subgroups=vendor,slice_thickness_mm,noise,size_bin,type ;;
esac
for split in ${splits[@]}; do
  npx tsx models/train/score-split.ts --pack "$pack" --split "$split" --shard 0/2 "${resume[@]}" &
  a=$!
  npx tsx models/train/score-split.ts --pack "$pack" --split "$split" --shard 1/2 "${resume[@]}" &
  b=$!
  wait $a
  wait $b
  { head -n 1 "$work/scores-$split-0.csv"; tail -q -n +2 "$work/scores-$split-0.csv" "$work/scores-$split-1.csv"; } > "$work/scores-$split.csv"
  npm run --silent vigil -- evaluate --scores "$work/scores-$split.csv" --pack "models/$pack" \
    --subgroups "$subgroups" \
    --prevalence 0.05 --title "$pack: $split" --out "$work/report-$split" > /dev/null
done
npx tsx models/train/write-card.ts --pack "$pack"
