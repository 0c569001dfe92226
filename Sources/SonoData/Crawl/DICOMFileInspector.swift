// Temporary until the DICOM reader lands: marks every file not_dicom.
struct DICOMFileInspector: FileInspecting {
    var capturedTags: TagSelection
    var hasher: PatientHasher?
    func inspect(path: String, stamp: FileStamp) -> InspectedFile {
        InspectedFile(record: FileRecord(path: path, size: stamp.size, mtimeNs: stamp.mtimeNs, status: .notDICOM), frames: [])
    }
}
