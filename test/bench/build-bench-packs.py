#!/usr/bin/python3
"""Builds the two benchmark packs of test/bench/triage.ts: untrained CNNs of realistic size
(seeded random weights), so the benchmark measures the engine, not a model. Run once by hand:

  /usr/bin/python3 test/bench/build-bench-packs.py

- bench-ct: 2.5D, input [1, 3, D, 128, 128] (D dynamic), slices through a shared 2-D CNN,
  heat map [D, 32, 32], probability = max of the map. About 1.7 GFLOP for D = 40.
- bench-cxr: input [1, 1, 256, 256], heat map [64, 64]. About 0.12 GFLOP.
"""
import gzip, hashlib, json, os
import numpy as np
import torch
from torch import nn

torch.manual_seed(11)
torch.set_num_threads(2)
HERE = os.path.dirname(os.path.abspath(__file__))


class SliceNet(nn.Module):
    def __init__(self, cin, widths, strides):
        super().__init__()
        layers, c = [], cin
        for w, s in zip(widths, strides):
            layers += [nn.Conv2d(c, w, 3, stride=s, padding=1), nn.ReLU()]
            c = w
        self.features = nn.Sequential(*layers)
        self.head = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        return torch.sigmoid(self.head(self.features(x)))[:, 0]


class Ct(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = SliceNet(3, [16, 16, 32], [1, 2, 2])

    def forward(self, x):  # [1, 3, D, H, W]
        b, c, d, h, w = x.shape
        slices = x.permute(0, 2, 1, 3, 4).reshape(d, c, h, w)
        heat = self.net(slices)  # [D, 32, 32]
        return torch.max(heat.reshape(1, -1), dim=1)[0], heat


class Cxr(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = SliceNet(1, [16, 32, 32], [2, 2, 1])

    def forward(self, x):  # [1, 1, 256, 256]
        heat = self.net(x)[0]
        return torch.max(heat.reshape(1, -1), dim=1)[0], heat


def conv_flops(model, x):
    total = 0
    def hook(m, inp, out):
        nonlocal total
        total += 2 * out.numel() * m.in_channels * m.kernel_size[0] * m.kernel_size[1] // m.groups
    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    model(x)
    for h in hs:
        h.remove()
    return total


def pack(pack_id, model, full, small, dynamic_axes, input_spec, layout, modality, body, concept):
    folder = os.path.join(HERE, 'packs', pack_id)
    os.makedirs(folder, exist_ok=True)
    model.eval()
    path = os.path.join(folder, 'model.onnx')
    with torch.no_grad():
        torch.onnx.export(model, full, path, input_names=['input'], output_names=['probability', 'heatmap'], dynamic_axes=dynamic_axes, opset_version=17)
        flops = conv_flops(model, full)
        p, heat = model(small)
    with gzip.open(os.path.join(folder, 'test-vector.input.f32.gz'), 'wb') as f:
        f.write(small.numpy().astype('<f4').tobytes())
    heat.numpy().astype('<f4').tofile(os.path.join(folder, 'test-vector.heatmap.f32'))
    data = open(path, 'rb').read()
    manifest = {
        'schemaVersion': 1, 'id': pack_id, 'name': f'{pack_id} (benchmark only, untrained)', 'version': '0.0.1', 'deviceUid': '2.25.' + str(int(hashlib.sha256(data).hexdigest()[:24], 16)),
        'intendedUse': 'Benchmark of the triage engine only: random weights, finds nothing.',
        'modality': modality, 'bodyPart': body,
        'model': {'file': 'model.onnx', 'sha256': hashlib.sha256(data).hexdigest(), 'flops': flops},
        'input': input_spec,
        'outputs': {'probability': {'name': 'probability'}, 'localisation': {'name': 'heatmap', 'layout': layout}},
        'operatingPoints': [{'name': 'none', 'threshold': 0.99, 'sensitivity': 0, 'specificity': 1}],
        'defaultOperatingPoint': 'none',
        'finding': {'concept': concept, 'critical': False, 'priorityIfPositive': 'routine'},
        'resources': {'timeoutMs': 60000, 'maxMemoryMb': 2048},
        'testVector': {'inputFile': 'test-vector.input.f32.gz', 'inputShape': list(small.shape),
                       'expected': {'probability': {'values': [float(p[0])]}, 'heatmap': {'file': 'test-vector.heatmap.f32'}}, 'tolerance': 1e-4},
    }
    json.dump(manifest, open(os.path.join(folder, 'manifest.json'), 'w'), indent=2)
    open(os.path.join(folder, 'MODEL_CARD.md'), 'w').write(f'# {pack_id}\n\nUntrained network of realistic size for `test/bench/triage.ts` (built by build-bench-packs.py). {flops / 1e9:.2f} GFLOP per input. Finds nothing.\n')
    print(pack_id, f'{flops / 1e9:.3f} GFLOP', len(data), 'bytes')


def smooth(shape):
    """A test vector input that compresses: smooth ramps, as preprocessed images are."""
    grids = np.meshgrid(*[np.linspace(0, 1, n) for n in shape], indexing='ij')
    return torch.from_numpy((0.5 + 0.5 * np.sin(6 * sum(grids))).astype(np.float32))


windows = [{'kind': 'window', 'name': 'brain', 'center': 40, 'width': 80}, {'kind': 'window', 'name': 'subdural', 'center': 80, 'width': 200},
           {'kind': 'window', 'name': 'bone', 'center': 600, 'width': 2800}]
pack('bench-ct', Ct(), torch.rand(1, 3, 40, 128, 128), smooth((1, 3, 1, 128, 128)), {'input': {2: 'D'}, 'heatmap': {0: 'D'}},
     {'kind': 'volume', 'name': 'input', 'dtype': 'float32', 'layout': 'NCDHW', 'grid': {'depth': None, 'rows': 128, 'columns': 128}, 'maxDepth': 128, 'spacingMm': [5, 1.8, 1.8], 'channels': windows},
     'DHW', ['CT'], ['HEAD'], {'system': 'http://snomed.info/sct', 'code': '274100004', 'display': 'Cerebral hemorrhage'})
pack('bench-cxr', Cxr(), torch.rand(1, 1, 256, 256), smooth((1, 1, 256, 256)), None,
     {'kind': 'radiograph', 'name': 'input', 'dtype': 'float32', 'layout': 'NCHW', 'size': 256, 'voi': {'mode': 'header'}, 'normalise': {'mean': 0.5, 'std': 0.25}},
     'HW', ['CR', 'DX'], ['CHEST'], {'system': 'http://snomed.info/sct', 'code': '36118008', 'display': 'Pneumothorax'})
