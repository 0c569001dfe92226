#!/usr/bin/env python3
"""The reference for bench_index.sh: what a user would write with pydicom to build the same
manifest — walk the folder, read each header (stop_before_pixels), extract the fields SonoTag
stores (UIDs, HMAC of the patient id, modality, manufacturer, transducer, descriptions,
transfer syntax, geometry, clamped ultrasound regions and tissue crop, captured tags as JSON),
and insert them into SQLite in batches. One process, as such scripts usually are.

usage: pydicom_index.py DIR DB
"""
import hashlib, hmac, json, os, sqlite3, sys
import pydicom

CAPTURED = ["ImageType", "SOPClassUID", "Modality", "Manufacturer", "StudyDescription", "SeriesDescription",
            "ManufacturerModelName", "BodyPartExamined", "SoftwareVersions", "ProtocolName", "FrameTime",
            "TransducerData", "TransducerType", "ImageLaterality", "PhotometricInterpretation", "NumberOfFrames",
            "Rows", "Columns", "UltrasoundColorDataPresent", "BurnedInAnnotation"]


def regions(ds):
    out = []
    rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    for item in ds.get("SequenceOfUltrasoundRegions", []):
        try:
            x0, y0 = int(item.RegionLocationMinX0), int(item.RegionLocationMinY0)
            x1, y1 = int(item.RegionLocationMaxX1) + 1, int(item.RegionLocationMaxY1) + 1
        except AttributeError:
            continue
        cx0, cy0, cx1, cy1 = max(0, min(x0, cols)), max(0, min(y0, rows)), max(0, min(x1, cols)), max(0, min(y1, rows))
        out.append({"x0": cx0, "y0": cy0, "x1": cx1, "y1": cy1, "spatialFormat": item.get("RegionSpatialFormat"),
                    "dataType": item.get("RegionDataType"), "clamped": (cx0, cy0, cx1, cy1) != (x0, y0, x1, y1)})
    return out


def main():
    root, db_path = sys.argv[1], sys.argv[2]
    salt = os.urandom(32)
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("""CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, size INT, mtime_ns INT, status TEXT, reason TEXT,
        sop_instance_uid TEXT, study_instance_uid TEXT, series_instance_uid TEXT, patient_hash TEXT, modality TEXT,
        manufacturer TEXT, transducer_data TEXT, study_description TEXT, series_description TEXT, transfer_syntax TEXT,
        photometric TEXT, rows INT, columns INT, frames INT, regions TEXT, crop TEXT, tags TEXT)""")
    batch = []
    count = 0
    for folder, _, names in os.walk(root):
        for name in sorted(names):
            path = os.path.join(folder, name)
            st = os.stat(path)
            row = [path, st.st_size, st.st_mtime_ns]
            try:
                ds = pydicom.dcmread(path, stop_before_pixels=True)
                pid = str(ds.get("PatientID", "")).strip()
                h = hmac.new(salt, pid.encode(), hashlib.sha256).hexdigest()[:32] if pid else None
                regs = regions(ds)
                tissue = [r for r in regs if r["spatialFormat"] == 1 and r["dataType"] == 1]
                crop = json.dumps(max(tissue, key=lambda r: (r["x1"] - r["x0"]) * (r["y1"] - r["y0"]))) if tissue else None
                tags = {}
                for kw in CAPTURED:
                    if kw in ds:
                        v = ds.data_element(kw).value
                        tags[kw] = [str(x) for x in v] if isinstance(v, pydicom.multival.MultiValue) else str(v)
                td = ds.get("TransducerData")
                row += ["ok", None, ds.get("SOPInstanceUID"), ds.get("StudyInstanceUID"), ds.get("SeriesInstanceUID"), h,
                        ds.get("Modality"), ds.get("Manufacturer"),
                        "\\".join(str(x) for x in td) if isinstance(td, pydicom.multival.MultiValue) else (str(td) if td else None),
                        ds.get("StudyDescription"), ds.get("SeriesDescription"),
                        str(ds.file_meta.get("TransferSyntaxUID", "")), ds.get("PhotometricInterpretation"),
                        ds.get("Rows"), ds.get("Columns"), int(ds.get("NumberOfFrames", 1) or 1),
                        json.dumps(regs), crop, json.dumps(tags)]
            except Exception as e:  # noqa: BLE001 - a crawl must not stop on one file
                row += ["corrupt", type(e).__name__] + [None] * 17
            batch.append([str(x) if x is not None and not isinstance(x, (int, float, str)) else x for x in row])
            count += 1
            if len(batch) >= 256:
                db.executemany("INSERT OR REPLACE INTO files VALUES (%s)" % ",".join("?" * 22), batch)
                db.commit()
                batch = []
    if batch:
        db.executemany("INSERT OR REPLACE INTO files VALUES (%s)" % ",".join("?" * 22), batch)
        db.commit()
    print("pydicom indexed %d files" % count)


if __name__ == "__main__":
    main()
