#!/usr/bin/env python3
"""Reference values for DICOM files, computed with pydicom (and its pylibjpeg/gdcm plugins).

Usage: dicom_oracle.py FILE_OR_DIR... > expected.json
Needs the packages pinned in requirements.txt beside it; dicom_corpus.sh runs it in a venv that has them.

For every file it records what pydicom reads: a few header values, and, where pydicom can
decode the pixels, the decoded array's shape, dtype, md5, mean and 16 sampled values.
Conventions are pydicom 3's defaults: YBR_FULL/YBR_FULL_422 pixels are converted to RGB,
PALETTE COLOR pixels are left as palette indices, multi-frame arrays are (frames, rows,
columns[, samples]), and values are the stored values (no rescale, no VOI/window).
"""
import hashlib, json, os, sys, warnings
import numpy as np
import pydicom

warnings.simplefilter("ignore")

HEADER = {
    "TransferSyntaxUID": (0x0002, 0x0010), "SOPClassUID": (0x0008, 0x0016), "Modality": (0x0008, 0x0060),
    "Manufacturer": (0x0008, 0x0070), "StudyDescription": (0x0008, 0x1030), "PatientID": (0x0010, 0x0020),
    "TransducerData": (0x0018, 0x5010), "TransducerType": (0x0018, 0x6031), "Rows": (0x0028, 0x0010),
    "Columns": (0x0028, 0x0011), "NumberOfFrames": (0x0028, 0x0008), "SamplesPerPixel": (0x0028, 0x0002),
    "PhotometricInterpretation": (0x0028, 0x0004), "BitsAllocated": (0x0028, 0x0100),
    "BitsStored": (0x0028, 0x0101), "PixelRepresentation": (0x0028, 0x0103), "PlanarConfiguration": (0x0028, 0x0006),
}


def plain(v):
    if v is None:
        return None
    if isinstance(v, (list, tuple, pydicom.multival.MultiValue)):
        return [plain(x) for x in v]
    if isinstance(v, (int, float, str)):
        return v
    return str(v)


def record(path):
    out = {"file": os.path.basename(path)}
    try:
        ds = pydicom.dcmread(path, force=True)
    except Exception as e:  # noqa: BLE001 - the oracle records any failure
        out["read_error"] = f"{type(e).__name__}: {e}"
        return out
    head = {}
    for name, tag in HEADER.items():
        src = ds.file_meta if tag[0] == 0x0002 and hasattr(ds, "file_meta") else ds
        if tag in src:
            head[name] = plain(src[tag].value)
    out["header"] = head
    out["top_level_elements"] = len(ds)
    if "SequenceOfUltrasoundRegions" in ds:
        out["ultrasound_regions"] = [
            {k: plain(getattr(r, k, None)) for k in (
                "RegionLocationMinX0", "RegionLocationMinY0", "RegionLocationMaxX1", "RegionLocationMaxY1",
                "RegionSpatialFormat", "RegionDataType", "PhysicalDeltaX", "PhysicalDeltaY")}
            for r in ds.SequenceOfUltrasoundRegions]
    if "PixelData" not in ds:
        return out
    try:
        arr = np.ascontiguousarray(ds.pixel_array)
    except Exception as e:  # noqa: BLE001
        out["pixel_error"] = f"{type(e).__name__}: {e}"
        return out
    flat = arr.reshape(-1)
    idx = np.linspace(0, flat.size - 1, 16).astype(np.int64)
    out["pixels"] = {
        "shape": list(arr.shape), "dtype": str(arr.dtype),
        "md5": hashlib.md5(arr.astype(arr.dtype.newbyteorder("<")).tobytes()).hexdigest(),
        "mean": float(flat.astype(np.float64).mean()),
        "samples": {"flat_index": idx.tolist(), "value": flat[idx].tolist()},
    }
    return out


def main(args):
    files = []
    for a in args:
        if os.path.isdir(a):
            files += sorted(os.path.join(a, f) for f in os.listdir(a) if not f.startswith("."))
        else:
            files.append(a)
    json.dump([record(f) for f in files], sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
