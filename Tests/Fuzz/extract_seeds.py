#!/usr/bin/env python3
"""Seed corpora for the fuzz targets: whole fixture files, and their codestreams split by codec.

Usage: extract_seeds.py FIXTURE_DIR OUT_DIR   (needs pydicom; without it only file seeds are made)
"""
import os
import shutil
import sys

src, out = sys.argv[1], sys.argv[2]
CODEC = {"1.2.840.10008.1.2.4.50": "jpeg", "1.2.840.10008.1.2.4.51": "jpeg", "1.2.840.10008.1.2.4.57": "jpeg",
         "1.2.840.10008.1.2.4.70": "jpeg", "1.2.840.10008.1.2.4.80": "jpegls", "1.2.840.10008.1.2.4.81": "jpegls",
         "1.2.840.10008.1.2.4.90": "jpeg2000", "1.2.840.10008.1.2.4.91": "jpeg2000", "1.2.840.10008.1.2.5": "rle"}
for t in ("parser", "pixels", "rle", "jpeg", "jpegls", "jpeg2000"):
    os.makedirs(os.path.join(out, t), exist_ok=True)
files = sorted(f for f in os.listdir(src) if f.endswith(".dcm"))
for f in files:
    for t in ("parser", "pixels"):
        shutil.copy(os.path.join(src, f), os.path.join(out, t, f))
try:
    import pydicom
    from pydicom.encaps import generate_frames
except ImportError:
    sys.exit(0)
for f in files:
    try:
        ds = pydicom.dcmread(os.path.join(src, f))
        codec = CODEC.get(str(ds.file_meta.TransferSyntaxUID))
        if not codec or "PixelData" not in ds:
            continue
        n = int(getattr(ds, "NumberOfFrames", 1) or 1)
        for i, frame in enumerate(generate_frames(ds.PixelData, number_of_frames=n)):
            if i >= 2:
                break
            if codec == "rle":
                # The RLE target reads geometry from its first 4 bytes.
                head = bytes([min(ds.Rows, 256) - 1, min(ds.Columns, 256) - 1, 0 if ds.SamplesPerPixel == 1 else 1,
                              {8: 0, 16: 1, 32: 2}[ds.BitsAllocated]])
                frame = head + frame
            with open(os.path.join(out, codec, f"{f}.{i}"), "wb") as fh:
                fh.write(frame)
    except Exception as e:  # noqa: BLE001 - seeds are best effort
        print(f"seed {f}: {e}", file=sys.stderr)
