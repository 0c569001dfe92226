import Foundation
import SeededRandom
import XCTest

@testable import SonoPhantom

/// Masks and tissue maps line up with what the simulator drew: grey-level differences between
/// labelled regions follow the designed backscatter contrasts.
final class AnatomyTests: XCTestCase {
    /// Mean grey level per tissue label inside the field of view, over pixels at least `margin`
    /// pixels from another label (the PSF blurs the edges into the neighbours).
    private func means(_ image: RenderedImage, margin: Int = 0) -> [TissueLabel: (mean: Double, count: Int)] {
        var sums: [TissueLabel: (Double, Int)] = [:]
        let width = image.frames[0].columns, height = image.frames[0].rows
        for (k, raw) in image.labels.enumerated() {
            guard raw != 0, let label = TissueLabel(rawValue: raw) else { continue }
            if margin > 0 {
                let x = k % width, y = k / width
                let neighbours = [(x - margin, y), (x + margin, y), (x, y - margin), (x, y + margin)]
                if neighbours.contains(where: {
                    $0.0 < 0 || $0.1 < 0 || $0.0 >= width || $0.1 >= height || image.labels[$0.1 * width + $0.0] != raw
                }) {
                    continue
                }
            }
            let old = sums[label] ?? (0, 0)
            sums[label] = (old.0 + Double(image.frames[0].pixels[k]), old.1 + 1)
        }
        return sums.mapValues { ($0.0 / Double(max($0.1, 1)), $0.1) }
    }

    private func morison(seed: UInt64) -> RenderedImage {
        var rng = SplitMix64(seed: seed)
        var options = PhantomOptions()
        options.rows = 128
        options.columns = 192
        var spec = DownstreamPlanner.morisonSpec(score: 4, options: options, rng: &rng)
        spec.settings.tgcSlidersDB = [0]
        spec.settings.gainDB = 0
        spec.settings.dynamicRangeDB = 60
        spec.morison?.freeFluid = false
        return ImageRenderer.render(spec)
    }

    func testLiverAndKidneyMasksMatchDesignedEchogenicity() throws {
        // 60 dB over 255 levels: 4.25 grey levels per dB between two Rayleigh-speckle tissues.
        let levelsPerDB = 255.0 / 60
        for seed: UInt64 in [3, 4] {
            let image = morison(seed: seed)
            let m = means(image, margin: 2)
            let liver = try XCTUnwrap(m[.liver]), cortex = try XCTUnwrap(m[.kidneyCortex]), sinus = try XCTUnwrap(m[.kidneySinus])
            XCTAssertGreaterThan(liver.count, 300)
            XCTAssertGreaterThan(cortex.count, 50)
            XCTAssertGreaterThan(sinus.count, 10)
            // Designed: liver 0 dB, cortex −4 dB (large regions: the full contrast shows).
            XCTAssertEqual(liver.mean - cortex.mean, 4 * levelsPerDB, accuracy: 10, "seed \(seed)")
            // Sinus +8 dB, but small, deep and blurred into the dark pyramids by the PSF: it must
            // still stand out as the brightest part of the kidney and brighter than the liver.
            XCTAssertGreaterThan(sinus.mean, cortex.mean + 5 * levelsPerDB, "seed \(seed)")
            XCTAssertGreaterThan(sinus.mean, liver.mean, "seed \(seed)")
            // The exported masks are those regions.
            let kidneyMask = image.mask(of: .kidney), liverMask = image.mask(of: .liver)
            XCTAssertEqual(
                kidneyMask.filter { $0 == 255 }.count,
                image.labels.filter { TissueLabel(rawValue: $0)?.organ == .kidney }.count)
            XCTAssertFalse(zip(kidneyMask, liverMask).contains { $0 == 255 && $1 == 255 }, "an organ pixel in both masks")
        }
    }

    func testShiftedMaskLosesContrast() {
        // A mask displaced from the organ mixes in the surroundings: the inside/outside contrast
        // of the true mask must be clearly larger than that of the mask moved by 8 pixels.
        let image = morison(seed: 7)
        let mask = image.mask(of: .kidney)
        let frame = image.frames[0]
        let support = image.labels.map { $0 != 0 }
        func contrast(shift: Int) -> Double {
            var inside = 0.0, ni = 0, outside = 0.0, no = 0
            for y in 0..<frame.rows {
                for x in 0..<frame.columns where support[y * frame.columns + x] {
                    let sx = x - shift
                    let inMask = sx >= 0 && sx < frame.columns && mask[y * frame.columns + sx] == 255
                    let v = Double(frame.pixels[y * frame.columns + x])
                    if inMask { inside += v; ni += 1 } else { outside += v; no += 1 }
                }
            }
            return abs(inside / Double(max(ni, 1)) - outside / Double(max(no, 1)))
        }
        // The kidney as a whole (dark cortex and pyramids, bright sinus) vs. liver and fat.
        let aligned = contrast(shift: 0)
        XCTAssertGreaterThan(aligned, contrast(shift: 8) + 1, "aligned \(aligned)")
    }

    func testThyroidNoduleDiffersFromGland() throws {
        for seed: UInt64 in 1...4 {
            var spec = ImageSpec(
                kind: .thyroid, settings: AcquisitionSettings(transducer: .sl15_4, depthMM: 40), rows: 128, columns: 192, seed: seed)
            spec.lesion = true
            spec.layout = .fill
            let image = ImageRenderer.render(spec)
            let m = means(image)
            let gland = try XCTUnwrap(m[.thyroid]), nodule = try XCTUnwrap(m[.nodule])
            XCTAssertGreaterThan(nodule.count, 30, "seed \(seed)")
            XCTAssertGreaterThan(abs(gland.mean - nodule.mean), 10, "seed \(seed): nodule invisible")
            XCTAssertEqual(image.mask(of: .nodule).filter { $0 == 255 }.count, nodule.count + (m[.calcification]?.count ?? 0))
        }
    }

    func testFluidShowsPosteriorEnhancementAndBoneShadows() {
        // Behind a cyst the tissue is brighter than beside it; behind bone it is darker.
        func columnsMean(_ image: RenderedImage, _ xs: ClosedRange<Int>, rows: ClosedRange<Int>) -> Double {
            var s = 0.0, n = 0
            for y in rows { for x in xs { s += Double(image.frames[0].pixels[y * image.frames[0].columns + x]); n += 1 } }
            return s / Double(n)
        }
        var scene = Scene(kind: .liver, background: .liver)
        var rng = SplitMix64(seed: 1)
        scene.paint(.blob(Blob(cx: -8, cz: 12, a: 5, b: 5, rng: &rng)), .fluid)
        scene.paint(.blob(Blob(cx: 8, cz: 12, a: 4, b: 2, rng: &rng)), .bone)
        var settings = AcquisitionSettings(transducer: .sl10_2, depthMM: 40)
        settings.tgcSlidersDB = [0]
        let geometry = ScanGeometry(transducer: .sl10_2, depthMM: 40, frameRows: 128, frameColumns: 128, layout: .fill)
        var render = SplitMix64(seed: 9)
        let frame = BModeSimulator(geometry: geometry, settings: settings).render(scene: scene, rng: &render)[0]
        let image = RenderedImage(
            spec: ImageSpec(kind: .liver, settings: settings, rows: 128, columns: 128, seed: 0), frames: [frame], labels: [],
            region: geometry.region)
        func column(_ xMM: Double) -> Int { geometry.region.minX + Int((xMM - geometry.region.originXMM) / geometry.region.pixelSpacingMM) }
        func row(_ zMM: Double) -> Int { geometry.region.minY + Int((zMM - geometry.region.originZMM) / geometry.region.pixelSpacingMM) }
        let below = row(22)...row(34)
        let behindCyst = columnsMean(image, column(-10)...column(-6), rows: below)
        let behindBone = columnsMean(image, column(6)...column(10), rows: below)
        let beside = columnsMean(image, column(-1)...column(1), rows: below)
        XCTAssertGreaterThan(behindCyst, beside + 5, "no enhancement behind fluid")
        XCTAssertLessThan(behindBone, beside - 40, "no shadow behind bone")
    }
}
