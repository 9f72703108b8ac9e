"""Trains a pack on the tensors make-dataset.ts made with the node's own pipeline, picks the epoch
on the validation split, and exports ONNX (opset 17) for ONNX Runtime 1.30.

    /usr/bin/python3 models/train/train.py --pack stroke-ich --epochs 10
    /usr/bin/python3 models/train/train.py --pack pe-ctpa --epochs 12 --batch 4 --crop-depth 32 --pos-weight 100 --lesion-max 1
    /usr/bin/python3 models/train/train.py --pack pneumothorax-cxr --epochs 12 --batch 8

Writes models/train/.work/<pack>/model.onnx, model.pt, train.json (flops, history) and
scores-val-trainer.csv (the chosen epoch's validation scores, for the operating points)."""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from common import WORK, apply_channels, auroc, load_split, seed_everything, sens_at_spec, write_scores_csv
from nets import Exported, ExportedRadiograph, RadiographNet, VolumeNet, count_flops

p = argparse.ArgumentParser()
p.add_argument('--pack', required=True)
p.add_argument('--epochs', type=int, default=10)
p.add_argument('--batch', type=int, default=4)
p.add_argument('--lr', type=float, default=2e-3)
p.add_argument('--seed', type=int, default=7)
p.add_argument('--crop-depth', type=int, default=0, help='train volumes on windows of this many slices (0: whole)')
p.add_argument('--limit', type=int, default=0, help='use only the first N training studies (smoke test)')
p.add_argument('--pos-weight', type=float, default=8.0,
               help='weight of the map cells a finding covers in the dense loss (raise it for findings of a few cells)')
p.add_argument('--lesion-max', type=float, default=0.0,
               help='weight of a BCE pushing up, on studies with the finding, the largest logit among the cells the finding covers')
args = p.parse_args()
seed_everything(args.seed)

with open(os.path.join(WORK, args.pack, 'train', 'meta.json')) as f:
    volume = json.load(f)['input']['kind'] == 'volume'
dtype, name = ('<i2', 'hu.i16') if volume else ('<u2', 'img.u16')
values, masks, rows, meta = load_split(args.pack, 'train', dtype, name)
vvalues, vmasks, vrows, _ = load_split(args.pack, 'val', dtype, name)
if args.limit:
    values, masks, rows = values[:args.limit], masks[:args.limit], rows[:args.limit]
spec = meta['input']
labels = np.array([r['label'] for r in rows], dtype=np.float32)
vlabels = np.array([r['label'] for r in vrows])
shape = tuple(meta['shape'])
out_dir = os.path.join(WORK, args.pack)
print(f'train {len(values)} ({int(labels.sum())} positive), val {len(vvalues)}; grid {shape}', flush=True)


def to_input(raw):
    """Stored values -> the model's input, exactly as the manifest's last step does it."""
    x = torch.from_numpy(raw.astype(np.float32))
    if volume:
        return apply_channels(x, spec['channels'])
    v = x / 65535.0
    return ((v - spec['normalise']['mean']) / spec['normalise']['std']).unsqueeze(1)


if volume:
    net = VolumeNet(len(spec['channels']))
    exported_cls = Exported
    flops = count_flops(net, (1, len(spec['channels'])) + shape)
else:
    net = RadiographNet()
    exported_cls = ExportedRadiograph
    flops = count_flops(net, (1, 1) + shape)
print(f'{sum(q.numel() for q in net.parameters())} parameters, {flops / 1e9:.2f} GFLOP per study', flush=True)
opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
steps = args.epochs * ((len(values) + args.batch - 1) // args.batch)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
rng = np.random.default_rng(args.seed)


def crop_depth(raw, m):
    """A window of slices; for a study with a finding, one that contains some of it."""
    d = args.crop_depth
    if not volume or not d or d >= raw.shape[1]:
        return raw, m
    xs, ms = [], []
    for j in range(len(raw)):
        hit = np.nonzero(m[j].reshape(m.shape[1], -1).max(axis=1) > 64)[0]
        centre = int(rng.choice(hit)) if len(hit) else int(rng.integers(0, raw.shape[1]))
        start = int(np.clip(centre - rng.integers(2, d - 2), 0, raw.shape[1] - d))
        xs.append(raw[j, start:start + d])
        ms.append(m[j, start:start + d])
    return np.stack(xs), np.stack(ms)


def batch_tensors(idx):
    raw, m = crop_depth(values[idx], masks[idx])
    x = torch.from_numpy(raw.astype(np.float32))
    m = torch.from_numpy(m.astype(np.float32) / 255.0)
    for j in range(len(idx)):
        if volume:
            if rng.random() < 0.5:  # left-right mirror: the anatomy is near symmetric, the findings are not
                x[j] = x[j].flip(-1)
                m[j] = m[j].flip(-1)
            dz, dy, dx = (int(v) for v in (rng.integers(-2, 3), rng.integers(-6, 7), rng.integers(-6, 7)))
            x[j] = torch.roll(x[j], (dz, dy, dx), (0, 1, 2))
            m[j] = torch.roll(m[j], (dz, dy, dx), (0, 1, 2))
            x[j] += float(rng.normal(0, 2))  # calibration drift, HU
            if rng.random() < 0.5:
                x[j] += torch.randn_like(x[j]) * float(rng.uniform(0, 4))  # noisier scanners
        else:
            dy, dx = int(rng.integers(-12, 13)), int(rng.integers(-12, 13))
            x[j] = torch.roll(x[j], (dy, dx), (0, 1))
            m[j] = torch.roll(m[j], (dy, dx), (0, 1))
            v = (x[j] / 65535.0).clamp(0, 1) ** float(rng.uniform(0.8, 1.25))  # other processing curves
            v = v + torch.randn_like(v) * float(rng.uniform(0, 0.02))
            x[j] = v * 65535.0
    return (apply_channels(x, spec['channels']) if volume else ((x / 65535.0 - spec['normalise']['mean']) / spec['normalise']['std']).unsqueeze(1)), m


def cell_targets(m, logits):
    """Soft localisation target per map cell: the largest finding fraction inside it."""
    if volume:
        b, d = m.shape[0], m.shape[1]
        return F.adaptive_max_pool2d(m.reshape(b * d, 1, m.shape[2], m.shape[3]), logits.shape[2:]).reshape(logits.shape)
    return F.adaptive_max_pool2d(m.unsqueeze(1), logits.shape[1:])[:, 0]


def predict(raw_values, model):
    model.eval()
    out = []
    dims = tuple(range(1, 4 if volume else 3))
    with torch.no_grad():
        for i in range(0, len(raw_values), 4):
            out.extend(torch.sigmoid(model(to_input(raw_values[i:i + 4])).amax(dim=dims)).tolist())
    return np.array(out)


history = []
best = None
started = time.time()
for epoch in range(args.epochs):
    net.train()
    order = rng.permutation(len(values))
    total = 0.0
    for s in range(0, len(order), args.batch):
        idx = np.sort(order[s:s + args.batch])
        x, m = batch_tensors(idx)
        y = torch.from_numpy(labels[idx])
        logits = net(x)
        target = cell_targets(m, logits)
        study = logits.amax(dim=tuple(range(1, logits.dim())))
        # The map learns where the finding is (dense, stable); the study's maximum is pushed down
        # on studies without the finding only (hard negatives: bone edges, calcifications...).
        # Pushing it up on positives too stalled training: early on the maximum sits on an
        # artefact present in both classes, and the two pushes cancel.
        negatives = (1 - y)
        loss = F.binary_cross_entropy_with_logits(logits, target, pos_weight=torch.tensor(args.pos_weight)) + 0.5 * (
            F.binary_cross_entropy_with_logits(study, y, reduction='none') * negatives).sum() / len(idx)
        if args.lesion_max:
            # A finding of a few cells among tens of thousands (a segmental embolus) hardly moves
            # the dense loss; this term asks that the finding's own cells reach the study maximum.
            # Restricted to those cells, it cannot settle on an artefact both classes share.
            inside = logits.masked_fill(target < 0.25, -1e4).amax(dim=tuple(range(1, logits.dim())))
            found = (target.amax(dim=tuple(range(1, target.dim()))) >= 0.25).float() * y
            if found.sum() > 0:
                loss = loss + args.lesion_max * (F.binary_cross_entropy_with_logits(inside, torch.ones_like(inside), reduction='none') * found).sum() / len(idx)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        total += loss.item() * len(idx)
    scores = predict(vvalues, net)
    auc = auroc(scores, vlabels)
    sens = sens_at_spec(scores, vlabels, 0.9)
    history.append({'epoch': epoch + 1, 'loss': total / len(values), 'val_auroc': auc, 'val_sens_at_spec90': sens, 'minutes': (time.time() - started) / 60})
    print(json.dumps(history[-1]), flush=True)
    # The epoch is chosen on the validation split only; test and shifted sets are drawn afterwards.
    key = (sens, auc)
    if best is None or key >= best[0]:
        best = (key, epoch + 1)
        torch.save(net.state_dict(), os.path.join(out_dir, 'model.pt'))

net.load_state_dict(torch.load(os.path.join(out_dir, 'model.pt')))
net.eval()
write_scores_csv(os.path.join(out_dir, 'scores-val-trainer.csv'), vrows, predict(vvalues, net))
dummy = torch.zeros((1, len(spec['channels'])) + shape if volume else (1, 1) + shape)
torch.onnx.export(exported_cls(net).eval(), dummy, os.path.join(out_dir, 'model.onnx'), input_names=['input'],
                  output_names=['probability', 'heatmap'], opset_version=17, do_constant_folding=True)
with open(os.path.join(out_dir, 'train.json'), 'w') as f:
    json.dump({'pack': args.pack, 'best_epoch': best[1], 'flops': flops, 'seed': args.seed, 'epochs': args.epochs,
               'batch': args.batch, 'lr': args.lr, 'crop_depth': args.crop_depth, 'pos_weight': args.pos_weight, 'lesion_max': args.lesion_max, 'train_studies': len(values),
               'history': history, 'torch': torch.__version__}, f, indent=2)
print(f'best epoch {best[1]}; exported {out_dir}/model.onnx', flush=True)
