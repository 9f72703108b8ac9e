"""Shared pieces of the trainers: reading what make-dataset.ts wrote, the manifest's channel
formulas (models/README.md), seeding, and a plain AUROC for picking the checkpoint on the
validation split. Nothing here downloads anything."""
import glob
import json
import os
import random

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, '.work')


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(2)


def load_split(pack, split, dtype='<i2', name='hu.i16'):
    """Concatenates the shards of one split: (values, masks, labels, meta)."""
    base = os.path.join(WORK, pack, split)
    with open(os.path.join(base, 'meta.json')) as f:
        meta = json.load(f)
    shape = tuple(meta['shape'])
    values, masks, rows = [], [], []
    for shard in sorted(glob.glob(os.path.join(base, 'shard-*'))):
        v = np.fromfile(os.path.join(shard, name), dtype=dtype).reshape((-1,) + shape)
        m = np.fromfile(os.path.join(shard, 'mask.u8'), dtype=np.uint8).reshape((-1,) + shape)
        with open(os.path.join(shard, 'labels.jsonl')) as f:
            r = [json.loads(line) for line in f]
        assert len(r) == len(v) == len(m), shard
        values.append(v)
        masks.append(m)
        rows.extend(r)
    return np.concatenate(values), np.concatenate(masks), rows, meta


def apply_channels(hu, channels):
    """The manifest's channels, exactly as src/triage/pipeline does them: window
    (v - (c - w/2)) / w clipped to [0, 1]; normalise (clip(v, lo, hi) - mean) / std.
    hu: float tensor (..., D, H, W) -> (..., C, D, H, W)."""
    out = []
    for ch in channels:
        if ch['kind'] == 'window':
            lo = ch['center'] - ch['width'] / 2
            out.append(((hu - lo) / ch['width']).clamp(0, 1))
        elif ch['kind'] == 'normalise':
            lo, hi = ch['clip']
            out.append((hu.clamp(lo, hi) - ch['mean']) / ch['std'])
        else:
            raise ValueError(ch['kind'])
    return torch.stack(out, dim=-4)


def model_input(x, spec):
    """Stored values (a float tensor) -> the model's input, exactly as the manifest's last step
    does it: a volume's channels, a radiograph's normalisation of values / 65535."""
    if spec['kind'] == 'volume':
        return apply_channels(x, spec['channels'])
    return ((x / 65535.0 - spec['normalise']['mean']) / spec['normalise']['std']).unsqueeze(1)


def map_maxima(net, raw_values, spec, batch=4):
    """Each study's largest logit of the map (its probability before the sigmoid), in eval mode."""
    net.eval()
    dims = (1, 2, 3) if spec['kind'] == 'volume' else (1, 2)
    with torch.no_grad():
        return torch.cat([net(model_input(torch.from_numpy(raw_values[i:i + batch].astype(np.float32)), spec)).amax(dim=dims)
                          for i in range(0, len(raw_values), batch)])


def auroc(scores, labels):
    """Mann-Whitney AUROC (ties count one half)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    pos = scores[labels == 1]
    neg = scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float('nan')
    order = np.argsort(np.concatenate([pos, neg]), kind='mergesort')
    ranks = np.empty(len(order))
    allv = np.concatenate([pos, neg])[order]
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and allv[j + 1] == allv[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return (ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def sens_at_spec(scores, labels, spec=0.9):
    scores = np.asarray(scores)
    labels = np.asarray(labels)
    neg = np.sort(scores[labels == 0])
    t = neg[min(len(neg) - 1, int(np.ceil(spec * len(neg))) - 1)] if len(neg) else 0.5
    return float((scores[labels == 1] > t).mean()) if (labels == 1).any() else float('nan')


# Columns of labels.jsonl that are not subgroups; older datasets named two subgroups differently.
_NOT_SUBGROUPS = {'study', 'seed', 'label', 'volume_ml'}
_RENAMED = {'size': 'size_bin', 'slice_thickness': 'slice_thickness_mm'}


def write_scores_csv(path, rows, scores):
    """The CSV `vigil evaluate --scores` reads: study, label, score, then the subgroup columns."""
    cols = []
    for r in rows:
        for k in r:
            k2 = _RENAMED.get(k, k)
            if k not in _NOT_SUBGROUPS and k2 not in cols:
                cols.append(k2)
    with open(path, 'w') as f:
        f.write(','.join(['study', 'label', 'score'] + cols) + '\n')
        for r, s in zip(rows, scores):
            vals = {(_RENAMED.get(k, k)): v for k, v in r.items()}
            f.write(','.join([r['study'], str(r['label']), repr(float(s))] + ['' if vals.get(c) is None else str(vals.get(c)) for c in cols]) + '\n')
