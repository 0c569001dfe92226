#!/usr/bin/env python3
"""Writes N small ultrasound DICOM files (explicit VR LE, 8-bit MONOCHROME2 or RGB, some
multi-frame, with Sequence of Ultrasound Regions) into a folder tree patient/study/file, for
the index and loader benchmarks when the phantom generator is not available.

usage: make_us_corpus.py OUT N [--rows R --cols C] [--seed S]
"""
import argparse, os, random
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

DESCRIPTIONS = ["US BIOPSY LIVER FOCAL", "US THYROID BIOPSY", "US PARACENTESIS DIAGNOSTIC",
                "US DRAINAGE ABDOMEN", "US THORACENTESIS DIAGNOSTIC (RIGHT)", "US ABDOMEN COMPLETE",
                "US SOFT TISSUE BIOPSY", "US KNEE"]
TRANSDUCERS = ["SC6-1", "SL10-2", "SL15-4", "C5-1", "L12-5", "4V1c"]
MAKERS = ["ACME Medical", "Sonic Inc", "Echo Systems"]


def make(path, rng, patient, study_uid, rows, cols):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"
    sop = generate_uid()
    meta.MediaStorageSOPInstanceUID = sop
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = sop
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "US"
    ds.Manufacturer = rng.choice(MAKERS)
    ds.ManufacturerModelName = "Model " + rng.choice("ABC")
    ds.PatientName = "PATIENT^%05d" % patient
    ds.PatientID = "MRN%07d" % patient
    ds.StudyDescription = rng.choice(DESCRIPTIONS)
    ds.SeriesDescription = "SERIES"
    ds.TransducerData = [rng.choice(TRANSDUCERS), "", ""]
    ds.BodyPartExamined = rng.choice(["ABDOMEN", "NECK", "CHEST"])
    region = Dataset()
    region.RegionSpatialFormat = 1
    region.RegionDataType = 1
    region.RegionFlags = 0
    region.RegionLocationMinX0 = cols // 8
    region.RegionLocationMinY0 = rows // 10
    region.RegionLocationMaxX1 = cols - cols // 8 + (5 if rng.random() < 0.1 else 0)  # some outside the image
    region.RegionLocationMaxY1 = rows - 1
    region.PhysicalUnitsXDirection = 3
    region.PhysicalUnitsYDirection = 3
    region.PhysicalDeltaX = 0.02
    region.PhysicalDeltaY = 0.02
    ds.SequenceOfUltrasoundRegions = Sequence([region])
    frames = 4 if rng.random() < 0.1 else 1
    rgb = rng.random() < 0.2
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 3 if rgb else 1
    ds.PhotometricInterpretation = "RGB" if rgb else "MONOCHROME2"
    if rgb:
        ds.PlanarConfiguration = 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    shape = (frames, rows, cols) + ((3,) if rgb else ())
    pixels = (np.random.default_rng(rng.randrange(1 << 30)).random(shape) * 255).astype(np.uint8)
    ds.PixelData = pixels.tobytes()
    ds.save_as(path, enforce_file_format=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("n", type=int)
    parser.add_argument("--rows", type=int, default=120)
    parser.add_argument("--cols", type=int, default=160)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    made = 0
    patient = 0
    while made < args.n:
        patient += 1
        for s in range(rng.randint(1, 2)):
            study_uid = generate_uid()
            folder = os.path.join(args.out, "p%05d" % patient, "s%d" % s)
            os.makedirs(folder, exist_ok=True)
            for i in range(rng.randint(2, 12)):
                if made >= args.n:
                    break
                make(os.path.join(folder, "img%03d.dcm" % i), rng, patient, study_uid, args.rows, args.cols)
                made += 1
    print("wrote %d files for %d patients under %s" % (made, patient, args.out))


if __name__ == "__main__":
    main()
