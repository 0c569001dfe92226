#!/usr/bin/env python3
"""Generate a torchvision parity fixture for SonoModels.

Builds a torchvision backbone with seeded random weights (and randomised batch-norm running
statistics, so eval-mode batch norm is not the identity), then writes into OUT_DIR:

  weights.safetensors   the model's full state_dict under torchvision's own keys
  input.npy             a small float32 N x 3 x H x W input (gray replicated to three channels)
  expected.npy          global-average-pooled encoder features, float32 N x C, eval mode
  stages.json           the shape of every intermediate stage (the U-Net skips)

The safetensors writer is a few lines of stdlib Python because Debian's python3-torch ships
without the `safetensors` package: 8-byte little-endian header length, JSON header, raw data.

Converting a real torchvision checkpoint is the same two lines with the pip package:
    from safetensors.torch import save_file
    save_file({k: v.contiguous() for k, v in torchvision.models.vgg16_bn(weights="DEFAULT").state_dict().items()}, "vgg16bn.safetensors")

Usage: /usr/bin/python3 scripts/torchvision_parity_fixture.py BACKBONE OUT_DIR [--seed S] [--size H W] [--batch N] [--encoder-only]
BACKBONE is one of vgg16bn, vgg11bn, resnet18, resnet50.
"""
import argparse
import json
import os
import struct

import numpy as np
import torch
import torchvision

DTYPES = {torch.float32: ("F32", np.float32), torch.int64: ("I64", np.int64),
          torch.float64: ("F64", np.float64), torch.float16: ("F16", np.float16)}


def write_safetensors(tensors, path, metadata=None):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        code, np_type = DTYPES[t.dtype]
        data = t.detach().cpu().contiguous().numpy().astype(np_type, copy=False).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def build(name):
    return {"vgg16bn": torchvision.models.vgg16_bn, "vgg11bn": torchvision.models.vgg11_bn,
            "resnet18": torchvision.models.resnet18, "resnet50": torchvision.models.resnet50}[name]()


def stages(model, name, x):
    """The encoder's intermediate stages, as SonoModels exposes them for U-Net skips."""
    out = []
    if name.startswith("vgg"):
        h = x
        for layer in model.features:
            if isinstance(layer, torch.nn.MaxPool2d):
                out.append(h)
            h = layer(h)
        out.append(h)  # after the last pool: output stride 32
    else:
        h = model.relu(model.bn1(model.conv1(x)))
        out.append(h)
        h = model.maxpool(h)
        for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
            h = layer(h)
            out.append(h)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("backbone")
    p.add_argument("out_dir")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", type=int, nargs=2, default=[64, 96])
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--encoder-only", action="store_true",
                   help="omit the ImageNet classifier (VGG's 'classifier.*', ResNet's 'fc.*') to keep the file small")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    model = build(a.backbone)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(7)
    model.eval()
    gray = torch.randn(a.batch, 1, a.size[0], a.size[1])
    x = gray.expand(-1, 3, -1, -1).contiguous()
    os.makedirs(a.out_dir, exist_ok=True)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    # The reference is computed in float64: two float32 runs through 50 layers differ by ~1e-4
    # depending on which oneDNN kernels each picks, which would test the kernels, not the model.
    with torch.no_grad():
        feats = stages(model.double(), a.backbone, x.double())
        pooled = feats[-1].mean(dim=(2, 3))
    if a.encoder_only:
        state = {k: v for k, v in state.items() if not k.startswith(("classifier.", "fc."))}
    write_safetensors(state, os.path.join(a.out_dir, "weights.safetensors"),
                      {"backbone": a.backbone, "seed": str(a.seed)})
    np.save(os.path.join(a.out_dir, "input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(a.out_dir, "gray.npy"), gray.numpy().astype(np.float32))
    np.save(os.path.join(a.out_dir, "expected.npy"), pooled.numpy().astype(np.float32))
    with open(os.path.join(a.out_dir, "stages.json"), "w") as f:
        json.dump({"stages": [list(t.shape) for t in feats],
                   "stage_means": [float(t.mean()) for t in feats]}, f)


if __name__ == "__main__":
    main()
