import Foundation
import XCTest
@testable import SonoPhantom

/// Writes one PGM per scene kind when PHANTOM_GALLERY names a folder: for looking, not asserting.
final class GalleryTests: XCTestCase {
    func testWriteGalleryWhenAsked() throws {
        guard let folder = ProcessInfo.processInfo.environment["PHANTOM_GALLERY"] else { throw XCTSkip("set PHANTOM_GALLERY=DIR to write a gallery") }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (n, kind) in SceneKind.allCases.enumerated() {
            let transducer: Transducer = [.thyroid, .softTissue, .lymphNode, .softTissueCollection].contains(kind) ? .sl15_4 : (kind == .chest ? .sl10_2 : .sc6_1)
            let depth = transducer == .sc6_1 ? 150.0 : 40
            var spec = ImageSpec(kind: kind, settings: AcquisitionSettings(transducer: transducer, depthMM: depth), rows: 256, columns: 384, seed: UInt64(n + 1))
            spec.needle = n % 2 == 0
            spec.lesion = true
            let start = Date()
            let image = ImageRenderer.render(spec)
            print(kind, Date().timeIntervalSince(start))
            let frame = image.frames[0]
            var data = Data("P5\n\(frame.columns) \(frame.rows)\n255\n".utf8)
            data.append(contentsOf: frame.pixels)
            try data.write(to: URL(fileURLWithPath: "\(folder)/\(n)_\(kind.rawValue).pgm"))
        }
    }
}
