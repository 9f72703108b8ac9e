#!/usr/bin/env bash
# Makes every split of one pack, two shards at a time (this machine has two cores).
#   models/train/make-datasets.sh stroke-ich [--resume] [train val]
# --resume continues shards a stopped run left (make-dataset.ts --resume); without it each split
# is drawn afresh. (test and shifted sets are scored from phantoms drawn afresh by score-split.ts,
# never trained on)
set -euo pipefail
cd "$(dirname "$0")/../.."
pack="$1"; shift
resume=()
if [[ "${1:-}" == --resume ]]; then resume=(--resume); shift; fi
splits=("${@:-train val}")
for split in ${splits[@]}; do
  npx tsx models/train/make-dataset.ts --pack "$pack" --split "$split" --shard 0/2 "${resume[@]}" &
  a=$!
  npx tsx models/train/make-dataset.ts --pack "$pack" --split "$split" --shard 1/2 "${resume[@]}" &
  b=$!
  wait $a
  wait $b
done
