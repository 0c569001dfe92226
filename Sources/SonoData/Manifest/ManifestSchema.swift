import GRDB

/// The cohort manifest's tables, created by GRDB migrations, and the marks that tell a SonoTag
/// manifest from any other SQLite file.
///
/// - `meta`: key/value settings (format and schema version, the archive root, the patient key's
///   fingerprint, the label mapping hash, split settings). The patient-id key itself is never
///   stored: it lives in the user's key file (`PatientKey`).
/// - `files`: one row per file the crawl met, whatever its status, so that a resumed crawl
///   skips it and every file is accounted for. `path` is relative to the archive root;
///   `image_kind` says what an `ok` image shows.
/// - `frames`: one row per frame of an `ok` image, with its pixel byte range when the header
///   alone tells it (native pixel data, or an encapsulated Basic Offset Table).
/// - `labels`: the weak-label vector per file, with the hash of the mapping that produced it.
/// - `patient_splits`: train / val / test by hashed patient key.
enum ManifestSchema {
    static let formatKey = "format"
    static let formatName = "sonotag-manifest"
    static let versionKey = "schema_version"
    /// Schema 2: paths relative to the archive root, no patient-id salt in the manifest. Schema 1
    /// (absolute paths, salt inside) is not read: its hashes cannot be reproduced with a key file.
    static let version = 2

    /// Throws unless the file at `path` is a SonoTag manifest of `version`; reads only.
    static func checkIdentity(path: String) throws {
        let identity: (format: String?, version: String?, hasMeta: Bool, hasFiles: Bool)
        do {
            // A plain queue that only reads: it does not switch the file to WAL or create tables.
            let queue = try DatabaseQueue(path: path)
            identity = try queue.read { db in
                let hasMeta = try db.tableExists("meta"), hasFiles = try db.tableExists("files")
                guard hasMeta else { return (nil, nil, false, hasFiles) }
                let format = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [formatKey])
                let version = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [versionKey])
                return (format, version, true, hasFiles)
            }
        } catch let error as DatabaseError {
            let reason = error.resultCode == .SQLITE_NOTADB ? "not an SQLite database" : (error.message ?? "\(error.resultCode)")
            throw SonoDataError.notAManifest(path: path, reason: reason)
        }
        if identity.format == formatName {
            guard let text = identity.version, let found = Int(text) else {
                throw SonoDataError.notAManifest(path: path, reason: "its schema version is missing or unreadable")
            }
            guard found == version else {
                let advice =
                    found < version
                    ? "written by an older SonoTag; index the archive again into a new --db"
                    : "written by a newer SonoTag; use that version"
                throw SonoDataError.notAManifest(
                    path: path, reason: "manifest schema \(found), this SonoTag reads schema \(version) (\(advice))")
            }
            return
        }
        if identity.hasMeta, identity.hasFiles, identity.format == nil {
            throw SonoDataError.notAManifest(
                path: path,
                reason:
                    "manifest schema 1, this SonoTag reads schema \(version) (written by an older SonoTag; index the archive again into a new --db)"
            )
        }
        throw SonoDataError.notAManifest(path: path, reason: "an SQLite file without SonoTag's tables")
    }

    static func stampIdentity(_ db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?), (?, ?)",
            arguments: [formatKey, formatName, versionKey, String(version)])
    }
    /// `kind_reason` of the images a manifest held when image kinds were added.
    static let indexedBeforeKinds = "indexed before image kinds existed"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "files") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("path", .text).notNull().unique()
                t.column("size", .integer).notNull()
                t.column("mtime_ns", .integer).notNull()
                t.column("status", .text).notNull().indexed()
                t.column("reason", .text)
                t.column("detail", .text)
                t.column("warnings", .text)
                t.column("sop_class_uid", .text)
                t.column("sop_instance_uid", .text)
                t.column("study_instance_uid", .text)
                t.column("series_instance_uid", .text)
                t.column("patient_hash", .text).indexed()
                t.column("modality", .text)
                t.column("manufacturer", .text)
                t.column("manufacturer_model", .text)
                t.column("transducer_data", .text)
                t.column("transducer_type", .text)
                t.column("study_description", .text)
                t.column("series_description", .text)
                t.column("transfer_syntax", .text)
                t.column("photometric", .text)
                t.column("rows", .integer)
                t.column("columns", .integer)
                t.column("frames", .integer)
                t.column("samples_per_pixel", .integer)
                t.column("bits_allocated", .integer)
                t.column("regions", .text)
                t.column("crop_x0", .integer)
                t.column("crop_y0", .integer)
                t.column("crop_x1", .integer)
                t.column("crop_y1", .integer)
                t.column("pixel_data_offset", .integer)
                t.column("pixel_data_length", .integer)
                t.column("tags", .text)
                t.column("indexed_at", .double).notNull()
            }
            try db.create(table: "frames") { t in
                t.column("file_id", .integer).notNull().references("files", onDelete: .cascade)
                t.column("frame_index", .integer).notNull()
                t.column("offset", .integer)
                t.column("length", .integer)
                t.primaryKey(["file_id", "frame_index"])
            }
            try db.create(table: "labels") { t in
                t.primaryKey("file_id", .integer).references("files", onDelete: .cascade)
                t.column("y", .text).notNull()
                t.column("mapping_hash", .text).notNull()
            }
            try db.create(table: "patient_splits") { t in
                t.primaryKey("patient_key", .text)
                t.column("split", .text).notNull()
            }
        }
        // Image kinds (bmode, colour_flow, …): images indexed before have none and are marked, so
        // that the next crawl re-reads them (see `indexedStamps`).
        migrator.registerMigration("image-kinds") { db in
            try db.alter(table: "files") { t in
                t.add(column: "image_kind", .text)
                t.add(column: "kind_reason", .text)
            }
            try db.execute(sql: "UPDATE files SET kind_reason = ? WHERE status = 'ok'", arguments: [indexedBeforeKinds])
        }
        return migrator
    }
}
