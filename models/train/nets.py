"""The demonstrators' networks. VolumeNet, a small 2.5D CNN for CT volumes: a 2D encoder applied
to every slice (slices folded into the batch), then light 3D convolutions across slices, giving a
logit map at 1/8 of the in-plane grid and full depth. RadiographNet, its 2D sibling. The study
probability is the sigmoid of the map's maximum, so the map is the localisation the node draws
as a heat map."""
import torch
from torch import nn


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class VolumeNet(nn.Module):
    def __init__(self, channels, widths=(12, 16, 24, 32)):
        super().__init__()
        w0, w1, w2, w3 = widths
        self.encoder = nn.Sequential(
            conv_bn(channels, w0, 2),
            conv_bn(w0, w1, 2),
            conv_bn(w1, w1),
            conv_bn(w1, w2, 2),
            conv_bn(w2, w2),
            conv_bn(w2, w3),
        )
        self.across = nn.Sequential(
            nn.Conv3d(w3, w3, (3, 1, 1), padding=(1, 0, 0), bias=False),
            nn.BatchNorm3d(w3),
            nn.ReLU(inplace=True),
            nn.Conv3d(w3, w3, (1, 3, 3), padding=(0, 1, 1), bias=False),
            nn.BatchNorm3d(w3),
            nn.ReLU(inplace=True),
        )
        self.head = nn.Conv3d(w3, 1, 1)

    def forward(self, x):
        """x: (B, C, D, H, W) -> logit map (B, D, H/8, W/8)."""
        b, c, d, h, w = x.shape
        y = x.permute(0, 2, 1, 3, 4).reshape(b * d, c, h, w)
        y = self.encoder(y)
        f, hh, ww = y.shape[1], y.shape[2], y.shape[3]
        y = y.reshape(b, d, f, hh, ww).permute(0, 2, 1, 3, 4)
        y = self.across(y)
        return self.head(y)[:, 0]


class Exported(nn.Module):
    """What ships: probability (1,) = sigmoid(max of the map), heatmap (1, D, h, w) = sigmoid(map).
    With a calibration (calibrate.py), the map's logits are scaled and shifted first: a * logit + b."""

    def __init__(self, net, calibration=None):
        super().__init__()
        self.net = net
        self.calibration = calibration

    def forward(self, x):
        logits = self.net(x)
        if self.calibration:
            logits = logits * self.calibration['a'] + self.calibration['b']
        probability = torch.sigmoid(torch.amax(logits, dim=(1, 2, 3)))
        return probability, torch.sigmoid(logits)


def count_flops(model, shape):
    """2 x multiply-adds of the convolutions for one input (what the manifest's `flops` means)."""
    total = [0]

    def hook(mod, inp, out):
        k = 1
        for s in mod.kernel_size:
            k *= s
        total[0] += 2 * out.numel() * (mod.in_channels // mod.groups) * k

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Conv3d))]
    with torch.no_grad():
        model.eval()
        model(torch.zeros(shape))
    for h in hs:
        h.remove()
    return total[0]


class RadiographNet(nn.Module):
    """A small 2D CNN for radiographs: a logit map at 1/16 of the grid (dilated convolutions at the
    end widen the view to the chest wall and the lung beside it)."""

    def __init__(self, widths=(16, 24, 32, 48)):
        super().__init__()
        w0, w1, w2, w3 = widths
        self.body = nn.Sequential(
            conv_bn(1, w0, 2),
            conv_bn(w0, w1, 2),
            conv_bn(w1, w1),
            conv_bn(w1, w2, 2),
            conv_bn(w2, w2),
            conv_bn(w2, w3, 2),
            conv_bn(w3, w3),
            nn.Sequential(nn.Conv2d(w3, w3, 3, 1, 2, dilation=2, bias=False), nn.BatchNorm2d(w3), nn.ReLU(inplace=True)),
            nn.Sequential(nn.Conv2d(w3, w3, 3, 1, 4, dilation=4, bias=False), nn.BatchNorm2d(w3), nn.ReLU(inplace=True)),
        )
        self.head = nn.Conv2d(w3, 1, 1)

    def forward(self, x):
        """x: (B, 1, H, W) -> logit map (B, H/16, W/16)."""
        return self.head(self.body(x))[:, 0]


class ExportedRadiograph(nn.Module):
    """What ships: probability (1,) = sigmoid(max of the map), heatmap (1, h, w) = sigmoid(map),
    calibrated as Exported is when a calibration is given."""

    def __init__(self, net, calibration=None):
        super().__init__()
        self.net = net
        self.calibration = calibration

    def forward(self, x):
        logits = self.net(x)
        if self.calibration:
            logits = logits * self.calibration['a'] + self.calibration['b']
        return torch.sigmoid(torch.amax(logits, dim=(1, 2))), torch.sigmoid(logits)


def export_onnx(net, volume, input_shape, path, calibration=None):
    """The shipped ONNX file (opset 17): inputs `input`, outputs `probability` and `heatmap`."""
    wrapper = (Exported if volume else ExportedRadiograph)(net, calibration).eval()
    torch.onnx.export(wrapper, torch.zeros(input_shape), path, input_names=['input'],
                      output_names=['probability', 'heatmap'], opset_version=17, do_constant_folding=True)
