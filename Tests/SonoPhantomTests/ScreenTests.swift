import Foundation
import Imaging
import XCTest

@testable import SonoPhantom

final class ScreenTests: XCTestCase {
    /// Burned-in text and scales go around the imaging region, never into it.
    func testAnnotationsStayOutsideTheImagingRegion() throws {
        for transducer in Transducer.allCases {
            let depth = transducer == .sc6_1 ? 150.0 : 40
            let spec = ImageSpec(
                kind: .liver, settings: AcquisitionSettings(transducer: transducer, depthMM: depth), rows: 256, columns: 384, seed: 3)
            let image = ImageRenderer.render(spec, withLabels: false)
            let frame = image.frames[0]
            let annotation = ScreenAnnotation(
                date: "20200102", time: "101112", probe: transducer.rawValue, preset: "ABDOMEN", settings: spec.settings, frameRate: 24)
            let screen = ScreenComposer.compose(frame, region: image.region, annotation: annotation)
            XCTAssertEqual(screen.channels, 3)
            var inkOutside = 0
            for y in 0..<frame.rows {
                for x in 0..<frame.columns {
                    let k = y * frame.columns + x
                    let r = image.region
                    let inside = x >= r.minX && x <= r.maxX && y >= r.minY && y <= r.maxY
                    let rgb = (screen.pixels[3 * k], screen.pixels[3 * k + 1], screen.pixels[3 * k + 2])
                    if inside {
                        XCTAssertTrue(
                            rgb == (frame.pixels[k], frame.pixels[k], frame.pixels[k]),
                            "\(transducer): annotation at (\(x), \(y)) inside the region")
                        if rgb != (frame.pixels[k], frame.pixels[k], frame.pixels[k]) { return }
                    } else {
                        XCTAssertEqual(frame.pixels[k], 0, "B-mode pixel outside the region")
                        if rgb != (0, 0, 0) { inkOutside += 1 }
                    }
                }
            }
            XCTAssertGreaterThan(inkOutside, 500, "\(transducer): no burned-in text")
        }
    }
}
