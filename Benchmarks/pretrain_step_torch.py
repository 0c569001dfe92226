#!/usr/bin/env python3
"""One CE+DCM pretraining step (D step + F step) in PyTorch: the reference for bench_pretrain.sh.

The networks mirror SonoModels layer for layer: torchvision's VGG16-BN `features` or ResNet-50
trunk or ResNet-18's (gray input replicated to three channels), a four-block context decoder (3x3 transposed
conv stride 2, BN, ReLU; final 3x3 conv to one channel), and a projection discriminator (four
blocks of 3x3 conv stride 2, BN, LeakyReLU 0.2; sum-pooled features; C_rf linear; bias-free
projection). One step = F forward, D update on real and detached fake centres (hinge), then F
update with -lambda_adv * D(fake) + lambda_rec * MSE. Adam (0.9, 0.999), lr 1e-4 F / 1e-5 D.

Usage: /usr/bin/python3 Benchmarks/pretrain_step_torch.py --backbone vgg16bn [--batch 8]
       [--size 256 384] [--threads N] [--steps 3] [--warmup 1] [--device cuda] [--precision bf16]
--precision bf16|fp16 runs the forward passes under torch.autocast (fp16 with a GradScaler per
optimizer), as `sonotag pretrain --precision` does.
Prints one line: backbone=... ms_per_step=... peak_rss_mb=...
"""
import argparse
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as fn
import torchvision


class Encoder(nn.Module):
    def __init__(self, backbone):
        super().__init__()
        if backbone == "vgg16bn":
            self.trunk, self.channels = torchvision.models.vgg16_bn().features, 512
        elif backbone in ("resnet50", "resnet18"):
            r = getattr(torchvision.models, backbone)()
            self.trunk = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool, r.layer1, r.layer2, r.layer3, r.layer4)
            self.channels = 2048 if backbone == "resnet50" else 512
        else:
            raise SystemExit(f"unknown backbone {backbone}")

    def forward(self, gray):
        return self.trunk(gray.expand(-1, 3, -1, -1))


def decoder(cin, widths=(256, 128, 64, 32)):
    layers = []
    for w in widths:
        layers += [nn.ConvTranspose2d(cin, w, 3, stride=2, padding=1, output_padding=1, bias=False),
                   nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
        cin = w
    layers.append(nn.Conv2d(cin, 1, 3, padding=1))
    return nn.Sequential(*layers)


class Discriminator(nn.Module):
    def __init__(self, labels, widths=(64, 128, 256, 512)):
        super().__init__()
        layers, cin = [], 1
        for w in widths:
            layers += [nn.Conv2d(cin, w, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(w), nn.LeakyReLU(0.2)]
            cin = w
        self.features = nn.Sequential(*layers)
        self.linear = nn.Linear(cin, 1)
        self.projection = nn.Linear(labels, cin, bias=False)

    def forward(self, x, y):
        h = self.features(x).sum(dim=(2, 3))
        return self.linear(h).squeeze(1) + (h * self.projection(y)).sum(dim=1)


def time_steps(step, warmup, steps):
    """Runs `step` `warmup` times untimed, then `steps` times: (ms per timed step, the last result)."""
    for _ in range(warmup):
        step()
    result = None
    start = time.perf_counter()
    for _ in range(steps):
        result = step()
    return (time.perf_counter() - start) * 1000 / steps, result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backbone", default="vgg16bn")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, nargs=2, default=[256, 384])
    p.add_argument("--labels", type=int, default=10)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--precision", choices=["fp32", "bf16", "fp16"], default="fp32")
    a = p.parse_args()
    device = torch.device(a.device)
    amp_dtype = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[a.precision]

    def autocast():
        return torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    enc = Encoder(a.backbone)
    gen = nn.Sequential(enc, decoder(enc.channels))
    disc = Discriminator(a.labels)
    gen.to(device)
    disc.to(device)
    scale_f = torch.cuda.amp.GradScaler(enabled=a.precision == "fp16")
    scale_d = torch.cuda.amp.GradScaler(enabled=a.precision == "fp16")
    opt_f = torch.optim.Adam(gen.parameters(), lr=1e-4, betas=(0.9, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=1e-5, betas=(0.9, 0.999))
    h, w = a.size
    top, left = h // 4, w // 4
    x = torch.randn(a.batch, 1, h, w).to(device)
    y = (torch.rand(a.batch, a.labels) > 0.5).float().to(device)
    truth = x[:, :, top:top + h // 2, left:left + w // 2]
    masked = x.clone()
    masked[:, :, top:top + h // 2, left:left + w // 2] = 0

    def step():
        with autocast():
            fake = gen(masked).float()
        opt_d.zero_grad(set_to_none=True)
        with autocast():
            real_scores, fake_scores = disc(truth, y).float(), disc(fake.detach(), y).float()
        loss_d = fn.relu(1 - real_scores).mean() + fn.relu(1 + fake_scores).mean()
        scale_d.scale(loss_d).backward()
        scale_d.step(opt_d)
        scale_d.update()
        opt_f.zero_grad(set_to_none=True)
        with autocast():
            scores = disc(fake, y).float()
        loss_f = -0.001 * scores.mean() + 0.999 * fn.mse_loss(fake, truth)
        scale_f.scale(loss_f).backward()
        scale_f.step(opt_f)
        scale_f.update()
        return float(loss_d), float(loss_f)

    ms, losses = time_steps(step, a.warmup, a.steps)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"backbone={a.backbone} device={a.device} precision={a.precision} threads={torch.get_num_threads()} ms_per_step={ms:.1f} "
          f"peak_rss_mb={rss:.0f} loss_d={losses[0]:.4f} loss_f={losses[1]:.4f}")


if __name__ == "__main__":
    main()
