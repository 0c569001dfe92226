import Foundation
import SeededRandom
import XCTest

@testable import SonoPhantom

/// Fully developed speckle has a Rayleigh envelope: mean/std = √(π/(4−π)) ≈ 1.91 (Burckhardt 1978).
final class SpeckleTests: XCTestCase {
    private func envelopeSNR(density: Float, seed: UInt64) -> Double {
        var tissue = Tissue.liver
        tissue.density = density
        tissue.attenuation = 0.5
        let scene = Scene(kind: .liver, background: tissue)
        var settings = AcquisitionSettings(transducer: .sl10_2, depthMM: 40)
        settings.noiseFloorDB = -200
        settings.tgcSlidersDB = [0]
        settings.tgcAttenuation = 0.5  // TGC exactly undoes the tissue's attenuation
        let geometry = ScanGeometry(transducer: .sl10_2, depthMM: 40, frameRows: 256, frameColumns: 384)
        var rng = SplitMix64(seed: seed)
        let scatterers = ScattererField(lines: geometry.lines, samples: geometry.samples, rng: &rng)
        let beam = BModeSimulator(geometry: geometry, settings: settings).beamData(scene: scene, scatterers: scatterers, rng: &rng)
        // Central window, away from the zero-padded edges of the PSF.
        var values: [Double] = []
        for sample in beam.samples / 5..<(beam.samples * 4 / 5) {
            for line in beam.lines / 8..<(beam.lines * 7 / 8) {
                values.append(Double(beam.envelope[sample * beam.lines + line]))
            }
        }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return mean / variance.squareRoot()
    }

    func testEnvelopeSNRInHomogeneousTissueIsRayleigh() {
        let rayleigh = (Double.pi / (4 - Double.pi)).squareRoot()
        XCTAssertEqual(rayleigh, 1.913, accuracy: 0.001)
        for seed: UInt64 in [1, 2] {
            XCTAssertEqual(envelopeSNR(density: 8, seed: seed), rayleigh, accuracy: 0.08, "seed \(seed)")
        }
    }

    func testSparseScatterersAreNotFullyDeveloped() {
        // Few scatterers per resolution cell: heavier tails than Rayleigh, so a lower SNR.
        XCTAssertLessThan(envelopeSNR(density: 0.02, seed: 3), 1.6)
    }

    func testGaussianTableHasUnitVariance() {
        let values = GaussianTable.values.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        XCTAssertEqual(mean, 0, accuracy: 1e-6)
        XCTAssertEqual(variance, 1, accuracy: 0.01)
        XCTAssertEqual(GaussianTable.inverseNormalCDF(0.975), 1.959964, accuracy: 1e-5)
    }
}
