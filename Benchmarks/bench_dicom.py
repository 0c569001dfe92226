#!/usr/bin/env python3
"""pydicom side of Benchmarks/bench_dicom.sh, and the scan-folder generator.

  bench_dicom.py make-scan-dir FIXTURE_DIR OUT_DIR N   copy fixtures round-robin until N files
  bench_dicom.py header DIR PASSES                    dcmread(stop_before_pixels=True) every file, median pass
  bench_dicom.py decode FILE REPEAT 256x384           decode → grayscale → resize every frame
  bench_dicom.py ratio SONOTAG_JSON PYDICOM_JSON LABEL KEY
                                                      print the speed ratio, record it under
                                                      "dicom"/KEY in $BENCH_JSON (bench-results.json)
Each timing prints one JSON line.
"""
import json
import os
import resource
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_results import load, merge_into  # noqa: E402


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_scan_dir(src, out, n):
    os.makedirs(out, exist_ok=True)
    files = sorted(f for f in os.listdir(src) if f.endswith(".dcm"))
    for i in range(n):
        f = files[i % len(files)]
        shutil.copyfile(os.path.join(src, f), os.path.join(out, f"{i:05d}_{f}"))


def header(folder, passes):
    import statistics
    import pydicom
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    times = []
    # Pass 0 is an untimed warm-up (lazy imports, dictionary), as on the SonoTag side; the rate is
    # the median pass's, since one pass over a warm folder lasts a fraction of a second.
    for p in range(passes + 1):
        ok = failed = elements = 0
        t0 = time.perf_counter()
        for f in files:
            try:
                ds = pydicom.dcmread(f, stop_before_pixels=True, force=True)
                elements += len(ds)
                ok += 1
            except Exception:  # noqa: BLE001 - broken fixtures count as failures, like SonoTag's
                failed += 1
        if p > 0:
            times.append(time.perf_counter() - t0)
    s = statistics.median(times)
    print(json.dumps({"tool": "pydicom", "mode": "header", "files": len(files), "read": ok, "failed": failed,
                      "elements": elements, "passes": passes, "seconds": s, "per_second": len(files) / s,
                      "peak_rss_mb": peak_rss_mb()}))


def decode(path, repeat, size):
    import numpy as np
    import pydicom
    from PIL import Image
    from pydicom.pixels import iter_pixels
    rows, cols = (int(v) for v in size.split("x"))
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    bits = int(ds.BitsStored)
    frames = 0
    checksum = 0.0
    t0 = 0.0
    # Pass 0 is an untimed warm-up (lazy imports, decoder plug-in lookup), as on the SonoTag side.
    for p in range(repeat + 1):
        if p == 1:
            frames, checksum, t0 = 0, 0.0, time.perf_counter()
        for arr in iter_pixels(path):  # one frame at a time; YBR converted to RGB as pydicom 3 does
            if arr.ndim == 3:
                g = (0.299 * arr[..., 0] + 0.587 * arr[..., 1] + 0.114 * arr[..., 2]).astype(np.float32) / 255.0
            else:
                g = arr.astype(np.float32) / float(2 ** bits - 1)
            # The filter SonoTag's cache builder picks: area (PIL's BOX) when shrinking, else bilinear.
            shrinking = g.shape[0] >= rows and g.shape[1] >= cols
            img = Image.fromarray(g, mode="F").resize((cols, rows), Image.BOX if shrinking else Image.BILINEAR)
            out = np.asarray(img, dtype=np.float32)
            checksum += float(out[rows // 2, cols // 2])
            frames += 1
    s = time.perf_counter() - t0
    print(json.dumps({"tool": "pydicom", "mode": "decode", "frames": frames, "seconds": s, "per_second": frames / s,
                      "checksum": checksum, "peak_rss_mb": peak_rss_mb()}))


def ratio(a, b, label, key):
    ours, theirs = json.loads(a), json.loads(b)
    r = ours["per_second"] / theirs["per_second"]
    unit = "files/s" if ours["mode"] == "header" else "frames/s"
    refused = ""
    if ours["mode"] == "header":
        refused = f" (unread: SonoTag {ours['failed']}, pydicom {theirs['failed']})"
    rss = f", peak RSS {ours.get('peak_rss_mb', 0):.0f} / {theirs.get('peak_rss_mb', 0):.0f} MB"
    print(f"{label}: SonoTag {ours['per_second']:.1f} {unit}, pydicom {theirs['per_second']:.1f} {unit}, ratio {r:.1f}x{refused}{rss}")
    path = os.environ.get("BENCH_JSON", "bench-results.json")
    recorded = load(path).get("dicom", {})  # the other DICOM rows of this run stay
    recorded[key] = {"label": label, "unit": unit, "ratio": r, "sonotag": ours, "pydicom": theirs}
    merge_into(path, {"dicom": recorded})


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make-scan-dir":
        make_scan_dir(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "header":
        header(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5)
    elif cmd == "decode":
        decode(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "ratio":
        ratio(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
