#!/usr/bin/env python3
"""Seeds for the JPEG XL fuzz target: small gray/RGB, 8/12/16-bit images encoded by cjxl,
lossless and lossy, bare codestream and container (the reference corpus holds no JPEG XL).

Usage: jxl_seeds.py OUT_DIR   (does nothing without cjxl, Debian package libjxl-tools)
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
if not shutil.which("cjxl"):
    print("jxl_seeds: cjxl not found (libjxl-tools); the jpegxl target starts from an empty corpus", file=sys.stderr)
    sys.exit(0)
rng = random.Random(7)
with tempfile.TemporaryDirectory() as tmp:
    for name, magic, channels, maxval in (("gray8", b"P5", 1, 255), ("gray12", b"P5", 1, 4095),
                                          ("gray16", b"P5", 1, 65535), ("rgb8", b"P6", 3, 255)):
        w, h = 24, 16
        # A gradient with noise: compressible, but every coding tool gets something to do.
        values = [min(maxval, (x * maxval) // w + rng.randrange(maxval // 16 + 1)) for y in range(h) for x in range(w) for _ in range(channels)]
        # cjxl 0.7 reads maxvals other than 255/65535 as 16-bit: hand it the full range and the depth.
        depth = []
        if maxval not in (255, 65535):
            values = [(v * 65535 + maxval // 2) // maxval for v in values]
            depth = [f"--override_bitdepth={maxval.bit_length()}"]
            maxval = 65535
        body = bytes(values) if maxval < 256 else b"".join(v.to_bytes(2, "big") for v in values)
        source = os.path.join(tmp, f"{name}.pnm")
        with open(source, "wb") as fh:
            fh.write(magic + b"\n%d %d\n%d\n" % (w, h, maxval) + body)
        for mode, args in (("lossless", ["-d", "0"]), ("lossy", ["-d", "2"]), ("container", ["-d", "0", "--container=1"])):
            target = os.path.join(out, f"{name}-{mode}.jxl")
            result = subprocess.run(["cjxl", source, target, *args, *depth], capture_output=True)
            if result.returncode != 0:
                print(f"jxl_seeds: cjxl {name} {mode}: {result.stderr.decode(errors='replace').strip()}", file=sys.stderr)
