#!/usr/bin/env bash
# One round of retraining a pack, every step resumable (issue 22: hours on a shared 2-core machine):
# training and validation tensors (make-datasets.sh --resume), training (train.py --resume:
# a checkpoint after every epoch), Platt calibration on the validation split (calibrate.py), the
# pack in models/<pack> (write-manifest.ts), its validation on the test and shifted sets and its
# card (validate.sh --resume). After any stop, run the same command again: finished steps are
# skipped (marks .work/<pack>/.done-<step>; delete one to redo that step and the ones after it).
#
#   nohup nice -n 19 models/train/retrain.sh pneumothorax-cxr 1.1.0 --epochs 30 --batch 4 \
#     > models/train/.work/logs/retrain-pneumothorax-cxr.log 2>&1 &
#
# Arguments after the version go to train.py as they are (keep them the same across resumes:
# train.py refuses a checkpoint written with other ones). The pack in models/<pack> is replaced
# before its validation; the shipped one is kept in .work/<pack>/shipped/ and is what to put back
# (or `git checkout models/<pack>`) when the new one is not better (models/train/README.md, step
# 5: the test and shifted sets at its default operating point): the shifted figures are printed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
pack="$1"; version="$2"; shift 2
work="models/train/.work/$pack"
mkdir -p "$work"
step() { [ -f "$work/.done-$1" ] && echo "== $1: done before" && return 1; echo "== $1: $(date -u +%FT%TZ)"; }
mark() { touch "$work/.done-$1"; }

if step data; then models/train/make-datasets.sh "$pack" --resume train val; mark data; fi
if step train; then /usr/bin/python3 models/train/train.py --pack "$pack" "$@" --resume; mark train; fi
if step calibrate; then /usr/bin/python3 models/train/calibrate.py --pack "$pack"; mark calibrate; fi
if step pack; then
  [ -d "$work/shipped" ] || cp -r "models/$pack" "$work/shipped"
  npx tsx models/train/write-manifest.ts --pack "$pack" --version "$version"
  mark pack
fi
if step validate; then models/train/validate.sh "$pack" --resume; mark validate; fi

figures() { jq -r '"sensitivity \(.overall.sensitivity.value) specificity \(.overall.specificity.value) AUROC \(.overall.auroc.value) at threshold \(.threshold)"' "$1"; }
echo "== $pack $version, shifted set at its default operating point: $(figures "$work/report-shifted/report.json")"
echo "== shipped $(jq -r .version "$work/shipped/manifest.json"): see $work/shipped/MODEL_CARD.md, 'Results on the shifted set'"
