#!/usr/bin/env python3
"""One CE+DCM pretraining epoch from a SonoTag manifest, written as a PyTorch user would: the
reference for bench_epoch.sh.

What it reads: the images `sonotag pretrain --db` trains on, taken from the manifest SQLite with
the same query SonoTag's loader uses (files with status 'ok' whose patient key is in the split,
image kind bmode by default, every frame of a multi-frame file a sample, in file-id order). The
manifest is the file list because that is what both sides must agree on (the phantom folder holds
other patients' files too); everything else is read from the DICOM files with pydicom, per item,
on every epoch (no cache: that is the idiomatic script, and what SonoTag's cold run is measured
against).

Per item (a `torch.utils.data.Dataset` in `DataLoader(num_workers=...)` worker processes):
pydicom decode of the one frame (`pixel_array_options(index=...)`), gray (RGB -> ITU-R 601 luma,
palette applied, MONOCHROME1 inverted), crop to the tissue box the manifest stores (SonoTag crops
to the same box), resize with Pillow (BOX when shrinking, else BILINEAR: SonoTag's area/bilinear
rule), z-score per image, then SonoTag's augmentation (horizontal flip p=0.5, shift of up to 10% of
each side, zeros shifted in), drawn from torch's per-worker generator.

Per batch: the CE+DCM step of pretrain_step_torch.py (its networks, imported: torchvision
ResNet/VGG trunk, context decoder, projection discriminator, here mean-pooled as SonoTag's
default), centre mask of half height and width filled with 0. After the epoch, as
`sonotag pretrain` does: validation losses over the validation split (eval mode, no gradients,
no augmentation) and best + last checkpoints (torch.save of both networks and both Adam states).
Not mirrored (SonoTag does them, so they count against SonoTag): the in-painting grid PNG, the
epoch's gradient-share diagnostic, metrics.csv.

Usage: PYTHONPATH=<torch site>:<pydicom site> /usr/bin/python3 Benchmarks/epoch_torch.py --db cohort.sqlite
       [--backbone resnet18] [--size 64 96] [--batch 16] [--workers 2] [--threads N] [--out DIR]
Prints one line: images=... seconds_total=... images_per_s=... train_images_per_s=... peak_rss_mb=...
"""
import time

STARTED = time.perf_counter()  # before the imports: torch's import is part of what a user waits for

import argparse
import json
import os
import resource
import sqlite3
import sys
import tempfile

import numpy as np
import pydicom
import torch
import torch.nn.functional as fn
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pretrain_step_torch import Discriminator, Encoder, decoder  # noqa: E402  the same networks as the step benchmark

# SonoTag's loader query (PatientSplit.files(in:) with its patient-key expression).
PATIENT_KEY = "COALESCE(f.patient_hash, 'study:' || f.study_instance_uid, 'file:' || f.path)"


class MeanPoolDiscriminator(Discriminator):
    """SonoTag's default pools D's last feature map by the mean (the step benchmark's sums)."""

    def forward(self, x, y):
        h = self.features(x).mean(dim=(2, 3))
        return self.linear(h).squeeze(1) + (h * self.projection(y)).sum(dim=1)


def manifest_samples(db, split, kinds):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    root = dict(con.execute("SELECT key, value FROM meta").fetchall())["archive_root"]
    marks = ",".join("?" * len(kinds))
    rows = con.execute(
        f"SELECT f.path, COALESCE(f.frames, 1), f.crop_x0, f.crop_y0, f.crop_x1, f.crop_y1, l.y "
        f"FROM files f JOIN patient_splits s ON s.patient_key = {PATIENT_KEY} JOIN labels l ON l.file_id = f.id "
        f"WHERE f.status = 'ok' AND s.split = ? AND f.image_kind IN ({marks}) ORDER BY f.id",
        [split, *kinds]).fetchall()
    con.close()
    samples = []
    for path, frames, x0, y0, x1, y1, y in rows:
        box = None if x0 is None else (x0, y0, x1, y1)
        for frame in range(max(frames, 1)):
            samples.append((os.path.join(root, path), frame, max(frames, 1), box, json.loads(y)))
    return samples


def gray(ds, frame, frames):
    if frames > 1:
        ds.pixel_array_options(index=frame)  # decode this frame only, not the whole cine
    a = ds.pixel_array
    photometric = ds.PhotometricInterpretation
    if photometric == "PALETTE COLOR":
        a = pydicom.pixels.apply_color_lut(a, ds)
    a = a.astype(np.float32)
    if a.ndim == 3:  # RGB (pydicom already converted YBR to RGB)
        a = a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114
    bits = int(getattr(ds, "BitsStored", 8))
    if photometric == "PALETTE COLOR":
        bits = 16 if a.max() > 255 else 8
    if bits > 8:
        a *= 255.0 / (2 ** bits - 1)
    if photometric == "MONOCHROME1":
        a = 255.0 - a
    return a


class ManifestDataset(torch.utils.data.Dataset):
    def __init__(self, samples, height, width, augment):
        self.samples, self.height, self.width, self.augment = samples, height, width, augment

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        path, frame, frames, box, y = self.samples[i]
        a = gray(pydicom.dcmread(path), frame, frames)
        if box is not None:
            x0, y0, x1, y1 = box
            x0, x1 = max(0, min(x0, a.shape[1])), max(0, min(x1, a.shape[1]))
            y0, y1 = max(0, min(y0, a.shape[0])), max(0, min(y1, a.shape[0]))
            if x1 - x0 >= 8 and y1 - y0 >= 8:  # a box of a few pixels is a broken header: whole image
                a = a[y0:y1, x0:x1]
        h, w = self.height, self.width
        shrinking = a.shape[1] >= w and a.shape[0] >= h
        a = np.asarray(Image.fromarray(np.ascontiguousarray(a), mode="F").resize(
            (w, h), Image.BOX if shrinking else Image.BILINEAR), dtype=np.float32)
        std = float(a.std())
        x = torch.from_numpy((a - a.mean()) / std if std > 1e-6 else np.zeros_like(a))
        if self.augment:
            if torch.rand(()) < 0.5:
                x = x.flip(1)
            lx, ly = int(0.1 * w), int(0.1 * h)
            dx, dy = int(torch.randint(-lx, lx + 1, ())), int(torch.randint(-ly, ly + 1, ()))
            shifted = torch.zeros_like(x)
            shifted[max(0, dy):h + min(0, dy), max(0, dx):w + min(0, dx)] = \
                x[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
            x = shifted
        return x.unsqueeze(0), torch.tensor(y, dtype=torch.float32)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--backbone", default="resnet18")
    p.add_argument("--size", type=int, nargs=2, default=[64, 96])
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    p.add_argument("--threads", type=int, default=0, help="torch intra-op threads in the main process")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--kinds", default="bmode")
    p.add_argument("--out", help="checkpoint folder (default: a temporary one, removed)")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    h, w = a.size
    kinds = a.kinds.split(",")
    train = manifest_samples(a.db, "train", kinds)
    val = manifest_samples(a.db, "val", kinds)
    labels = len(train[0][4])
    loader = torch.utils.data.DataLoader(ManifestDataset(train, h, w, True), batch_size=a.batch, shuffle=True,
                                         drop_last=True, num_workers=a.workers)
    val_loader = torch.utils.data.DataLoader(ManifestDataset(val, h, w, False), batch_size=a.batch,
                                             num_workers=a.workers)
    enc = Encoder(a.backbone)
    gen = torch.nn.Sequential(enc, decoder(enc.channels))
    disc = MeanPoolDiscriminator(labels)
    opt_f = torch.optim.Adam(gen.parameters(), lr=1e-4, betas=(0.9, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=1e-5, betas=(0.9, 0.999))
    top, left, mh, mw = h // 4, w // 4, h // 2, w // 2
    lambda_rec, lambda_adv = 0.999, 0.001

    def split(x):
        truth = x[:, :, top:top + mh, left:left + mw]
        masked = x.clone()
        masked[:, :, top:top + mh, left:left + mw] = 0
        return masked, truth

    out = a.out or tempfile.mkdtemp(prefix="epoch_torch.")
    os.makedirs(out, exist_ok=True)
    best = float("inf")
    trained, train_seconds = 0, 0.0
    for epoch in range(a.epochs):
        gen.train()
        disc.train()
        t0 = time.perf_counter()
        for x, y in loader:
            masked, truth = split(x)
            fake = gen(masked)
            opt_d.zero_grad(set_to_none=True)
            loss_d = fn.relu(1 - disc(truth, y)).mean() + fn.relu(1 + disc(fake.detach(), y)).mean()
            loss_d.backward()
            opt_d.step()
            opt_f.zero_grad(set_to_none=True)
            loss_f = -lambda_adv * disc(fake, y).mean() + lambda_rec * fn.mse_loss(fake, truth)
            loss_f.backward()
            opt_f.step()
            trained += x.shape[0]
        train_seconds += time.perf_counter() - t0
        gen.eval()
        disc.eval()
        total, n = 0.0, 0
        with torch.no_grad():
            for x, y in val_loader:
                masked, truth = split(x)
                fake = gen(masked)
                loss_d = fn.relu(1 - disc(truth, y)).mean() + fn.relu(1 + disc(fake, y)).mean()
                total += x.shape[0] * float(-lambda_adv * disc(fake, y).mean() + lambda_rec * fn.mse_loss(fake, truth))
                n += x.shape[0]
        val_f = total / max(n, 1)
        state = {"epoch": epoch + 1, "gen": gen.state_dict(), "disc": disc.state_dict(),
                 "opt_f": opt_f.state_dict(), "opt_d": opt_d.state_dict(), "val_loss_f": val_f}
        if val_f < best:
            best = val_f
            torch.save(state, os.path.join(out, "best.pt"))
        torch.save(state, os.path.join(out, "last.pt"))
    if not a.out:
        for f in ("best.pt", "last.pt"):
            os.remove(os.path.join(out, f))
        os.rmdir(out)
    seconds = time.perf_counter() - STARTED
    # Workers have been joined by now (non-persistent loaders), so RUSAGE_CHILDREN holds the
    # largest worker's peak; the benchmark driver also samples the whole tree's sum.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"backbone={a.backbone} workers={a.workers} threads={torch.get_num_threads()} images={trained} "
          f"train_images={len(train)} val_images={len(val)} seconds_total={seconds:.2f} "
          f"images_per_s={trained / seconds:.2f} train_images_per_s={trained / train_seconds:.2f} "
          f"peak_rss_mb={own:.0f} peak_rss_worker_mb={child:.0f} val_loss_f={val_f:.4f}")


if __name__ == "__main__":
    main()
