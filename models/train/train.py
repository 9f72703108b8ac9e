"""Trains a pack on the tensors make-dataset.ts made with the node's own pipeline, picks the epoch
on the validation split, and exports ONNX (opset 17) for ONNX Runtime 1.30.

    /usr/bin/python3 models/train/train.py --pack stroke-ich --epochs 10
    /usr/bin/python3 models/train/train.py --pack pe-ctpa --epochs 30 --batch 16 --patch 16,64,64 --steps 250 --positive-types central --negatives-above-hu 200
    /usr/bin/python3 models/train/train.py --pack pneumothorax-cxr --epochs 12 --batch 8
    /usr/bin/python3 models/train/train.py --pack stroke-ich --init models/train/.work/stroke-ich/round-1/model.pt --patch 16,64,64 --batch 8 --steps 200 --lr 0.001

Writes models/train/.work/<pack>/model.onnx, model.pt, train.json (flops, history, wall-clock
and CPU time) and scores-val-trainer.csv (the chosen epoch's validation scores, for the operating
points). After every epoch it writes checkpoint.pt (weights, optimiser, schedule, random states,
history); `--resume` continues from it with the same arguments, so a run of hours survives being
stopped (the session ending, the machine rebooting) at the cost of the epoch under way."""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from common import WORK, auroc, load_split, map_maxima, model_input, seed_everything, sens_at_spec, write_scores_csv
from nets import RadiographNet, VolumeNet, count_flops, export_onnx

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
p.add_argument('--patch', default='',
               help='volumes: train on patches of D,H,W voxels, half of them on a finding, instead of whole volumes (see patch_batch)')
p.add_argument('--steps', type=int, default=250, help='with --patch: batches per epoch')
p.add_argument('--positive-types', default='',
               help='train on the positives of these label types only (comma-separated); the others are left out of training, and the epoch is chosen on these types against the negatives')
p.add_argument('--negatives-above-hu', type=float, default=None,
               help='with --patch: centre most patches without the finding on a voxel above this HU (in a CTPA, contrast-filled vessels: where the mimics are)')
p.add_argument('--init', default='',
               help='start from these weights (a model.pt of an earlier round, same network) instead of random ones: to fine-tune it, e.g. with --patch')
p.add_argument('--resume', action='store_true', help='continue from checkpoint.pt (written after every epoch) with the same arguments')
args = p.parse_args()
seed_everything(args.seed)
# The arguments that define the run: a checkpoint is resumed only under the same ones.
RUN_ARGS = {k: v for k, v in vars(args).items() if k != 'resume'}

with open(os.path.join(WORK, args.pack, 'train', 'meta.json')) as f:
    volume = json.load(f)['input']['kind'] == 'volume'
dtype, name = ('<i2', 'hu.i16') if volume else ('<u2', 'img.u16')
values, masks, rows, meta = load_split(args.pack, 'train', dtype, name)
vvalues, vmasks, vrows, _ = load_split(args.pack, 'val', dtype, name)
if args.limit:
    values, masks, rows = values[:args.limit], masks[:args.limit], rows[:args.limit]
types = set(filter(None, args.positive_types.split(',')))
if types:
    keep = [i for i, r in enumerate(rows) if r['label'] == 0 or r.get('type') in types]
    values, masks, rows = values[keep], masks[keep], [rows[i] for i in keep]
spec = meta['input']
labels = np.array([r['label'] for r in rows], dtype=np.float32)
vlabels = np.array([r['label'] for r in vrows])
# The validation studies the epoch is chosen on: every one, or the negatives and the trained types.
vchoose = np.array([r['label'] == 0 or not types or r.get('type') in types for r in vrows])
shape = tuple(meta['shape'])
out_dir = os.path.join(WORK, args.pack)
print(f'train {len(values)} ({int(labels.sum())} positive), val {len(vvalues)}; grid {shape}', flush=True)


if volume:
    net = VolumeNet(len(spec['channels']))
    flops = count_flops(net, (1, len(spec['channels'])) + shape)
else:
    net = RadiographNet()
    flops = count_flops(net, (1, 1) + shape)
print(f'{sum(q.numel() for q in net.parameters())} parameters, {flops / 1e9:.2f} GFLOP per study', flush=True)
if args.init:
    net.load_state_dict(torch.load(args.init))
    print(f'starting from {args.init}', flush=True)
opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
steps = args.epochs * (args.steps if args.patch else (len(values) + args.batch - 1) // args.batch)
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
    return augment(*crop_depth(values[idx], masks[idx]))


def augment(raw, m):
    """Stored values and masks -> the model's input and soft masks, with the augmentations."""
    x = torch.from_numpy(raw.astype(np.float32))
    m = torch.from_numpy(m.astype(np.float32) / 255.0)
    for j in range(len(x)):
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
    return model_input(x, spec), m


patch = tuple(int(v) for v in args.patch.split(',')) if args.patch else None
if patch:
    # Where each positive's finding is (voxels at least half covered), to centre patches on.
    finding_voxels = {i: np.argwhere(masks[i] > 128) for i in np.nonzero(labels == 1)[0]}
    positives = [i for i, v in finding_voxels.items() if len(v)]
    negatives = np.nonzero(labels == 0)[0]


def patch_batch():
    """Patches instead of whole volumes, for a finding of a few voxels in a large volume: half
    are centred (with jitter) on a voxel of a finding, half come from studies without one (most on
    a bright voxel with --negatives-above-hu: a CTPA's mimics sit in its vessels). Each patch's
    label is whether it holds the finding; the map's maximum over the patch is trained on it, so
    the study maximum at inference means the same thing. Without this, a finding covering a few of
    ~25,000 map cells hardly moves the loss (models/README.md, the pe-ctpa runs)."""
    pd, ph, pw = patch
    d, h, w = values.shape[1:]
    xs, ms = [], []
    for j in range(args.batch):
        if j % 2 == 0:
            i = positives[rng.integers(len(positives))]
            centre = finding_voxels[i][rng.integers(len(finding_voxels[i]))]
        else:
            i = negatives[rng.integers(len(negatives))]
            centre = (rng.integers(d), rng.integers(h), rng.integers(w))
            if args.negatives_above_hu is not None and rng.random() < 0.7:
                for _ in range(20):
                    if values[i][tuple(centre)] > args.negatives_above_hu:
                        break
                    centre = (rng.integers(d), rng.integers(h), rng.integers(w))
        z = int(np.clip(centre[0] - rng.integers(2, pd - 2), 0, d - pd))
        y = int(np.clip(centre[1] - rng.integers(8, ph - 8), 0, h - ph))
        x = int(np.clip(centre[2] - rng.integers(8, pw - 8), 0, w - pw))
        xs.append(values[i, z:z + pd, y:y + ph, x:x + pw])
        ms.append(masks[i, z:z + pd, y:y + ph, x:x + pw])
    return augment(np.stack(xs), np.stack(ms))


def cell_targets(m, logits):
    """Soft localisation target per map cell: the largest finding fraction inside it."""
    if volume:
        b, d = m.shape[0], m.shape[1]
        return F.adaptive_max_pool2d(m.reshape(b * d, 1, m.shape[2], m.shape[3]), logits.shape[2:]).reshape(logits.shape)
    return F.adaptive_max_pool2d(m.unsqueeze(1), logits.shape[1:])[:, 0]


def predict(raw_values, model):
    return np.array(torch.sigmoid(map_maxima(model, raw_values, spec)).tolist())


def batches():
    """One epoch: (input, soft masks, study-or-patch labels). Whole studies in a random order, or
    --steps batches of patches labelled by whether they hold the finding."""
    if patch:
        for _ in range(args.steps):
            x, m = patch_batch()
            yield x, m, (m.reshape(len(m), -1).amax(dim=1) >= 0.25).float()
        return
    order = rng.permutation(len(values))
    for s in range(0, len(order), args.batch):
        idx = np.sort(order[s:s + args.batch])
        yield (*batch_tensors(idx), torch.from_numpy(labels[idx]))


def loss_of(logits, target, y):
    study = logits.amax(dim=tuple(range(1, logits.dim())))
    dense = F.binary_cross_entropy_with_logits(logits, target, pos_weight=torch.tensor(args.pos_weight))
    if patch:
        # Balanced patches: the maximum is pushed up on those with the finding, down on the others.
        return dense + F.binary_cross_entropy_with_logits(study, y)
    # Whole studies: the map learns where the finding is (dense, stable); the study's maximum is
    # pushed down on studies without the finding only (hard negatives: bone edges,
    # calcifications...). Pushing it up on positives too stalled training: early on the maximum
    # sits on an artefact present in both classes, and the two pushes cancel.
    loss = dense + 0.5 * (F.binary_cross_entropy_with_logits(study, y, reduction='none') * (1 - y)).sum() / len(y)
    if args.lesion_max:
        # A finding of a few cells among tens of thousands (a segmental embolus) hardly moves
        # the dense loss; this term asks that the finding's own cells reach the study maximum.
        # Restricted to those cells, it cannot settle on an artefact both classes share.
        inside = logits.masked_fill(target < 0.25, -1e4).amax(dim=tuple(range(1, logits.dim())))
        found = (target.amax(dim=tuple(range(1, target.dim()))) >= 0.25).float() * y
        if found.sum() > 0:
            loss = loss + args.lesion_max * (F.binary_cross_entropy_with_logits(inside, torch.ones_like(inside), reduction='none') * found).sum() / len(y)
    return loss


def read_json_if_exists(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


history = []
best = None
first_epoch = 0
# Wall-clock and CPU time (every thread of this process) spent before this start, for the card.
spent = {'wall': 0.0, 'cpu': 0.0}
checkpoint_path = os.path.join(out_dir, 'checkpoint.pt')
if args.resume and os.path.exists(checkpoint_path):
    ck = torch.load(checkpoint_path)
    if ck['args'] != RUN_ARGS:
        raise SystemExit(f'{checkpoint_path} was written with other arguments: {ck["args"]}')
    net.load_state_dict(ck['net'])
    opt.load_state_dict(ck['opt'])
    sched.load_state_dict(ck['sched'])
    rng.bit_generator.state = ck['rng']
    torch.set_rng_state(ck['torch_rng'])
    history, best, first_epoch, spent = ck['history'], ck['best'], ck['epoch'], ck['spent']
    print(f'resumed after epoch {first_epoch} ({spent["wall"] / 60:.1f} min so far)', flush=True)
elif args.resume:
    print(f'no {checkpoint_path}: starting afresh', flush=True)
started = time.time()
cpu_started = time.process_time()


def save_checkpoint(epoch):
    """After each epoch, atomically: a crash while writing leaves the previous checkpoint."""
    tmp = checkpoint_path + '.tmp'
    torch.save({'args': RUN_ARGS, 'epoch': epoch, 'net': net.state_dict(), 'opt': opt.state_dict(), 'sched': sched.state_dict(),
                'rng': rng.bit_generator.state, 'torch_rng': torch.get_rng_state(), 'history': history, 'best': best,
                'spent': {'wall': spent['wall'] + time.time() - started, 'cpu': spent['cpu'] + time.process_time() - cpu_started}}, tmp)
    os.replace(tmp, checkpoint_path)


for epoch in range(first_epoch, args.epochs):
    net.train()
    total, samples = 0.0, 0
    for x, m, y in batches():
        logits = net(x)
        loss = loss_of(logits, cell_targets(m, logits), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        total += loss.item() * len(y)
        samples += len(y)
    scores = predict(vvalues, net)
    auc = auroc(scores[vchoose], vlabels[vchoose])
    sens = sens_at_spec(scores[vchoose], vlabels[vchoose], 0.9)
    history.append({'epoch': epoch + 1, 'loss': total / samples, 'val_auroc': auc, 'val_sens_at_spec90': sens,
                    **({'val_auroc_all': auroc(scores, vlabels)} if types else {}),
                    'minutes': (spent['wall'] + time.time() - started) / 60, 'cpu_minutes': (spent['cpu'] + time.process_time() - cpu_started) / 60})
    print(json.dumps(history[-1]), flush=True)
    # The epoch is chosen on the validation split only; test and shifted sets are drawn afterwards.
    key = (sens, auc)
    if best is None or key >= best[0]:
        best = (key, epoch + 1)
        torch.save(net.state_dict(), os.path.join(out_dir, 'model.pt'))
    save_checkpoint(epoch + 1)

net.load_state_dict(torch.load(os.path.join(out_dir, 'model.pt')))
net.eval()
write_scores_csv(os.path.join(out_dir, 'scores-val-trainer.csv'), vrows, predict(vvalues, net))
export_onnx(net, volume, (1, len(spec['channels'])) + shape if volume else (1, 1) + shape, os.path.join(out_dir, 'model.onnx'))
with open(os.path.join(out_dir, 'train.json'), 'w') as f:
    json.dump({'pack': args.pack, 'best_epoch': best[1], 'flops': flops, 'seed': args.seed, 'epochs': args.epochs,
               'batch': args.batch, 'lr': args.lr, 'crop_depth': args.crop_depth, 'pos_weight': args.pos_weight, 'lesion_max': args.lesion_max, 'train_studies': len(values),
               'init': args.init or None, 'patch': args.patch, 'steps': args.steps if args.patch else None, 'positive_types': sorted(types), 'negatives_above_hu': args.negatives_above_hu,
               'train_split': meta.get('spec'),
               # The round the weights came from, for the card (its training and its compute).
               'init_from': read_json_if_exists(os.path.join(os.path.dirname(args.init), 'train.json')) if args.init else None,
               'history': history, 'torch': torch.__version__}, f, indent=2)
print(f'best epoch {best[1]}; exported {out_dir}/model.onnx', flush=True)
