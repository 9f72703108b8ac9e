#!/usr/bin/env bash
# Makes every split of one pack, two shards at a time (this machine has two cores).
#   models/train/make-datasets.sh stroke-ich [train val]
# (test and shifted sets are scored from phantoms drawn afresh by score-split.ts, never trained on)
set -euo pipefail
cd "$(dirname "$0")/../.."
pack="$1"; shift
splits=("${@:-train val}")
for split in ${splits[@]}; do
  npx tsx models/train/make-dataset.ts --pack "$pack" --split "$split" --shard 0/2 &
  a=$!
  npx tsx models/train/make-dataset.ts --pack "$pack" --split "$split" --shard 1/2 &
  b=$!
  wait $a
  wait $b
done
