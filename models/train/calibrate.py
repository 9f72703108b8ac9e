"""Calibrates a trained pack's probability on its validation split and re-exports the ONNX file.

    /usr/bin/python3 models/train/calibrate.py --pack pe-ctpa
    /usr/bin/python3 models/train/calibrate.py --pack stroke-ich --shipped

With --shipped, the pack's shipped models/<pack>/model.onnx is calibrated instead of a trained
model.pt (for packs whose weights were not kept): the map maxima are the log-odds of the shipped
model's own validation scores (scores-val-<shard>.csv, from `score-split.ts --split val`), and the same
a * logit + b is inserted into the ONNX graph in front of both sigmoids (calibrate_onnx.py).

Platt scaling: probability = sigmoid(a * m + b), m the map's largest logit, a and b fitted by
logistic regression on the validation split (the trained types against the studies without the
finding, as train.json names them), never on the test or shifted sets. The heat map gets the same
a and b, so the probability is still the sigmoid of the map's maximum. The transform is monotonic
(a > 0): the ranking, the AUROC and every sensitivity/specificity pair are unchanged; only the
numbers a radiologist reads as probabilities change. Why: the maximum over ~25,000 cells of a map
trained on patches is high on every study (a normal CTPA scored ~0.9 before), which reads wrong
beside "Negative".

Rewrites model.onnx and scores-val-trainer.csv, and records the calibration in train.json;
write-manifest.ts then takes the operating points from the calibrated scores."""
import argparse
import csv
import glob
import json
import os

import torch
import torch.nn.functional as F

import onnx

from calibrate_onnx import insert_platt
from common import HERE, WORK, load_split, map_maxima, seed_everything, write_scores_csv
from nets import RadiographNet, VolumeNet, export_onnx

p = argparse.ArgumentParser()
p.add_argument('--pack', required=True)
p.add_argument('--shipped', action='store_true', help="calibrate the shipped ONNX file from its validation scores (score-split.ts --split val)")
args = p.parse_args()
seed_everything(7)

out_dir = os.path.join(WORK, args.pack)
with open(os.path.join(out_dir, 'train.json')) as f:
    trained = json.load(f)
if trained.get('calibration'):
    raise SystemExit(f'{args.pack} is calibrated already: train it again first')
if args.shipped:
    # The shipped model's own validation scores, as the node computed them (score-split.ts, one
    # file per shard).
    vrows = []
    for path in sorted(glob.glob(os.path.join(out_dir, 'scores-val-[0-9]*.csv'))):
        with open(path) as f:
            vrows.extend(csv.DictReader(f))
    if not vrows or len({r['study'] for r in vrows}) != len(vrows):
        raise SystemExit(f'{out_dir}/scores-val-<shard>.csv: missing, or shards of two runs (a study twice): score the validation split again')
    for r in vrows:
        r['label'] = int(r['label'])
    # float32 sigmoids saturate: keep the log-odds finite.
    shipped = torch.tensor([float(r['score']) for r in vrows], dtype=torch.float64).clamp(1e-7, 1 - 1e-7)
    maxima = torch.log(shipped / (1 - shipped)).float()
else:
    with open(os.path.join(WORK, args.pack, 'train', 'meta.json')) as f:
        spec = json.load(f)['input']
    volume = spec['kind'] == 'volume'
    dtype, name = ('<i2', 'hu.i16') if volume else ('<u2', 'img.u16')
    vvalues, _, vrows, meta = load_split(args.pack, 'val', dtype, name)
    shape = tuple(meta['shape'])

    net = VolumeNet(len(spec['channels'])) if volume else RadiographNet()
    net.load_state_dict(torch.load(os.path.join(out_dir, 'model.pt')))
    maxima = map_maxima(net, vvalues, spec)

types = set(trained.get('positive_types') or [])
chosen = torch.tensor([r['label'] == 0 or not types or r.get('type') in types for r in vrows])
labels = torch.tensor([float(r['label']) for r in vrows])
a = torch.ones(1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
opt = torch.optim.LBFGS([a, b], lr=0.5, max_iter=500, line_search_fn='strong_wolfe')


def closure():
    opt.zero_grad()
    loss = F.binary_cross_entropy_with_logits(maxima[chosen] * a + b, labels[chosen])
    loss.backward()
    return loss


opt.step(closure)
calibration = {'a': float(a), 'b': float(b)}
if calibration['a'] <= 0:
    raise SystemExit(f'calibration slope {calibration["a"]:.4f} is not positive: the validation scores do not rank the finding above its absence')

calibrated = torch.sigmoid(maxima * calibration['a'] + calibration['b']).tolist()
if args.shipped:
    model = onnx.load(os.path.join(HERE, '..', args.pack, 'model.onnx'))
    insert_platt(model, calibration['a'], calibration['b'])
    onnx.save(model, os.path.join(out_dir, 'model.onnx'))
    with open(os.path.join(out_dir, 'scores-val-trainer.csv'), 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(vrows[0].keys()))
        w.writeheader()
        w.writerows({**r, 'score': repr(float(s))} for r, s in zip(vrows, calibrated))
else:
    export_onnx(net, volume, (1, len(spec['channels'])) + shape if volume else (1, 1) + shape, os.path.join(out_dir, 'model.onnx'), calibration)
    write_scores_csv(os.path.join(out_dir, 'scores-val-trainer.csv'), vrows, calibrated)
trained['calibration'] = {**calibration, 'shipped': args.shipped, 'fitted_on': f'validation split, {int(chosen.sum())} studies' + (f' ({", ".join(sorted(types))} against none)' if types else '')}
with open(os.path.join(out_dir, 'train.json'), 'w') as f:
    json.dump(trained, f, indent=2)
print(f'{args.pack}: a = {calibration["a"]:.4f}, b = {calibration["b"]:.4f}; exported {out_dir}/model.onnx', flush=True)
