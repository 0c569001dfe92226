#!/usr/bin/env python3
"""One segmentation fine-tuning step in PyTorch (forward, soft-Dice loss, backward, Adam): the
reference for bench_epoch.sh's fine-tuning rows.

The U-Net mirrors SonoModels' UNet layer for layer (TernausNet for VGG16-BN, AlbuNet for
ResNet-18): torchvision's encoder, gray input replicated to three channels; the encoder's stages
(VGG: the activations before each of the five max-pools and the last output; ResNet: the stem
after ReLU, before the max-pool, then layer1..layer4) are the skips; five decoder blocks of widths
8, 8, 4, 2, 1 x base (32), each a 3x3 conv (to twice the block's width) + ReLU, then a 3x3
transposed conv stride 2 (output padding 1) + ReLU, the block's output concatenated with the next
shallower stage (ResNet's fifth block has none, as in AlbuNet); then a 3x3 conv to base width +
ReLU and a 1x1 conv to the output channels. Every conv has a bias, as SonoTag's. The loss is
SonoTag's soft Dice: 1 - mean over images and channels of (2 sum(p t) + 1) / (sum p + sum t + 1),
p = sigmoid(logits). Adam (0.9, 0.999), lr 5e-5 (SonoTag's ResNet default; the step cost does
not depend on it).

The step runs on a fixed random batch with a random binary mask: no data loading, augmentation or
validation (bench_epoch.sh says what SonoTag's side includes).

Usage: /usr/bin/python3 Benchmarks/finetune_step_torch.py --backbone resnet18 [--batch 8]
       [--size 64 96] [--threads N] [--steps 8] [--warmup 1]
Prints one line: backbone=... ms_per_step=... peak_rss_mb=...
"""
import argparse
import resource

import torch
import torch.nn as nn
import torchvision

from pretrain_step_torch import time_steps  # the step benchmark's timing loop


class Stages(nn.Module):
    """The encoder's feature maps, shallow to deep (SonoModels' `stages`)."""

    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        if backbone == "vgg16bn":
            self.features = torchvision.models.vgg16_bn().features
            self.channels = [64, 128, 256, 512, 512, 512]
        elif backbone == "resnet18":
            r = torchvision.models.resnet18()
            self.stem = nn.Sequential(r.conv1, r.bn1, r.relu)
            self.pool = r.maxpool
            self.layers = nn.ModuleList([r.layer1, r.layer2, r.layer3, r.layer4])
            self.channels = [64, 64, 128, 256, 512]
        else:
            raise SystemExit(f"unknown backbone {backbone}")

    def forward(self, gray):
        x = gray.expand(-1, 3, -1, -1)
        out = []
        if self.backbone == "vgg16bn":
            for layer in self.features:
                if isinstance(layer, nn.MaxPool2d):
                    out.append(x)
                x = layer(x)
            return out + [x]
        x = self.stem(x)
        out.append(x)
        x = self.pool(x)
        for layer in self.layers:
            x = layer(x)
            out.append(x)
        return out


class UpBlock(nn.Sequential):
    def __init__(self, cin, middle, out):
        super().__init__(nn.Conv2d(cin, middle, 3, padding=1), nn.ReLU(inplace=True),
                         nn.ConvTranspose2d(middle, out, 3, stride=2, padding=1, output_padding=1),
                         nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, backbone, outputs=1, base=32):
        super().__init__()
        self.encoder = Stages(backbone)
        self.skips = list(reversed(self.encoder.channels[:-1]))
        cin, blocks = self.encoder.channels[-1], []
        for i, width in enumerate(m * base for m in (8, 8, 4, 2, 1)):
            blocks.append(UpBlock(cin, 2 * width, width))
            cin = width + (self.skips[i] if i < len(self.skips) else 0)
        self.blocks = nn.ModuleList(blocks)
        self.final = nn.Conv2d(cin, base, 3, padding=1)
        self.logits = nn.Conv2d(base, outputs, 1)

    def forward(self, x):
        stages = self.encoder(x)
        x, skips = stages[-1], list(reversed(stages[:-1]))
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i < len(skips):
                x = torch.cat([x, skips[i]], dim=1)
        return self.logits(torch.relu(self.final(x)))


def soft_dice_loss(logits, target, eps=1.0):
    p = torch.sigmoid(logits)
    inter = (p * target).sum(dim=(2, 3))
    total = p.sum(dim=(2, 3)) + target.sum(dim=(2, 3))
    return 1 - ((2 * inter + eps) / (total + eps)).mean()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backbone", default="resnet18")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, nargs=2, default=[64, 96])
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--warmup", type=int, default=1)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    h, w = a.size
    if h % 32 or w % 32:
        raise SystemExit("--size: multiples of 32 (SonoTag pads other sizes; this reference does not)")
    net = UNet(a.backbone)
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=5e-5, betas=(0.9, 0.999))
    x = torch.randn(a.batch, 1, h, w)
    target = (torch.rand(a.batch, 1, h, w) > 0.7).float()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = soft_dice_loss(net(x), target)
        loss.backward()
        opt.step()
        return float(loss.detach())

    ms, loss = time_steps(step, a.warmup, a.steps)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"backbone={a.backbone} batch={a.batch} size={h}x{w} threads={torch.get_num_threads()} ms_per_step={ms:.1f} "
          f"peak_rss_mb={rss:.0f} loss={loss:.4f}")


if __name__ == "__main__":
    main()
