import Foundation
import SeededRandom

/// One rendered B-mode frame, grey levels over the whole frame (black outside the field of view).
public struct BModeFrame: Sendable {
    public var rows: Int, columns: Int
    public var pixels: [UInt8]
}

/// Pre-log-compression data on the beam grid, for checking the physics (speckle statistics).
struct BeamData {
    var lines: Int, samples: Int
    /// Envelope after TGC, row-major by depth sample: `envelope[sample * lines + line]`.
    var envelope: [Float]
}

/// B-mode image formation on a beam grid (scan line × depth sample), then scan conversion:
///  1. random complex scatterers per cell, scaled by the tissue's backscatter (sparse where the
///     tissue has few scatterers per resolution cell), plus coherent specular reflectors;
///  2. round-trip attenuation accumulated along each beam (so strong attenuators cast shadows and
///     fluid, attenuating less than the TGC assumes, shows enhancement), reverberations behind
///     air and metal, and electronic noise;
///  3. convolution with a separable Gaussian point-spread function: axial from the pulse length,
///     lateral from λ·F-number, widening away from the focus (Gaussian beam);
///  4. TGC, envelope detection |IQ|, log compression into the display's dynamic range;
///  5. scan conversion (bilinear) from the beam grid into the frame's imaging region.
/// Working directly in baseband (IQ) keeps every step a cheap real-valued array operation.
struct BModeSimulator {
    let geometry: ScanGeometry
    let settings: AcquisitionSettings

    /// Top of the display window relative to liver speckle, dB.
    static let displayTopDB: Float = 30

    /// Renders `frames` frames; frame k has the anatomy and its scatterers displaced by
    /// `shifts[k]` samples in depth (breathing/probe motion in a cine loop).
    func render(scene: Scene, shifts: [Int] = [0], rng: inout SplitMix64) -> [BModeFrame] {
        render(scene: scene, shifts: shifts, withLabels: false, rng: &rng).frames
    }

    /// Frames, and with `withLabels` the first frame's tissue-label map (nearest beam cell of
    /// each pixel: exactly the anatomy the pixels were simulated from).
    func render(scene: Scene, shifts: [Int], withLabels: Bool, rng: inout SplitMix64) -> (frames: [BModeFrame], labels: [UInt8]?) {
        let scatterers = ScattererField(lines: geometry.lines, samples: geometry.samples + shiftSpan(shifts), rng: &rng)
        let lookup = ScanConversionTable(geometry: geometry)
        let minShift = shifts.min() ?? 0
        var labels: [UInt8]? = nil
        let frames = shifts.enumerated().map { (k, shift) -> BModeFrame in
            var frameRNG = SplitMix64(seed: rng.next())
            let index = tissueIndexGrid(scene: scene, shiftMM: Double(shift) * geometry.sampleSpacingMM)
            if withLabels && k == 0 {
                let labelOf = ([scene.background] + scene.elements.map(\.tissue)).map(\.label.rawValue)
                labels = lookup.labels(grid: index, labelOf: labelOf)
            }
            let beam = beamData(scene: scene, index: index, scatterers: scatterers, rowOffset: shift - minShift, rng: &frameRNG)
            return lookup.convert(display: logCompress(beam))
        }
        return (frames, labels)
    }

    private func shiftSpan(_ shifts: [Int]) -> Int { (shifts.max() ?? 0) - (shifts.min() ?? 0) }

    /// Envelope on the beam grid for one frame.
    func beamData(scene: Scene, scatterers: ScattererField, rowOffset: Int = 0, shiftMM: Double = 0, rng: inout SplitMix64) -> BeamData {
        beamData(
            scene: scene, index: tissueIndexGrid(scene: scene, shiftMM: shiftMM), scatterers: scatterers, rowOffset: rowOffset, rng: &rng)
    }

    func beamData(scene: Scene, index: [UInt8], scatterers: ScattererField, rowOffset: Int, rng: inout SplitMix64) -> BeamData {
        let lines = geometry.lines, samples = geometry.samples
        let count = lines * samples
        var re = [Float](repeating: 0, count: count)
        var im = [Float](repeating: 0, count: count)
        let tissues = [scene.background] + scene.elements.map(\.tissue)

        let dr = geometry.sampleSpacingMM
        let frequency = geometry.transducer.centreFrequencyMHz
        // Amplitude factor per sample for each tissue: 10^(−α·f·2·dr[cm]/20).
        let stepFactor = tissues.map { Float(pow(10, -Double($0.attenuation) * frequency * 2 * dr / 10 / 20)) }
        let scatterAmplitude = tissues.map { $0.density >= 1 ? $0.echo : $0.echo / $0.density.squareRoot() }
        let tgc = (0..<samples).map { Float(pow(10, settings.receiveGainDB(atDepth: (Double($0) + 0.5) * dr) / 20)) }
        let noise = Float(pow(10, settings.noiseFloorDB / 20))
        let table = GaussianTable.values

        re.withUnsafeMutableBufferPointer { re in
            im.withUnsafeMutableBufferPointer { im in
                scatterers.re.withUnsafeBufferPointer { sre in
                    scatterers.im.withUnsafeBufferPointer { sim in
                        scatterers.gate.withUnsafeBufferPointer { gate in
                            for line in 0..<lines {
                                var amplitude: Float = 1
                                var interface = -1
                                var interfaceTissue = 0
                                var interfaceAmplitude: Float = 0
                                for sample in 0..<samples {
                                    let cell = sample * lines + line
                                    let t = Int(index[cell])
                                    let tissue = tissues[t]
                                    let s = (sample + rowOffset) * lines + line
                                    let a = tissue.density >= 1 || gate[s] < tissue.density ? scatterAmplitude[t] : 0
                                    let bits = rng.next()
                                    re[cell] = (a * sre[s] + tissue.specular) * amplitude + noise * table[Int(bits & 4095)]
                                    im[cell] = a * sim[s] * amplitude + noise * table[Int((bits >> 12) & 4095)]
                                    amplitude *= stepFactor[t]
                                    if interface < 0, tissue.reverberation != .none, sample > 1 {
                                        interface = sample
                                        interfaceTissue = t
                                        interfaceAmplitude = amplitude
                                    }
                                }
                                guard interface >= 0 else { continue }
                                // Reverberation: echoes bouncing between the interface and the probe (A-lines,
                                // at multiples of the interface depth) or inside a needle (comet tail).
                                let tissue = tissues[interfaceTissue]
                                let strength = tissue.specular * interfaceAmplitude * tgc[interface]
                                switch tissue.reverberation {
                                case .aLines:
                                    var k = 2
                                    while k * interface < samples && k <= 6 {
                                        let target = k * interface
                                        let echo = strength * pow(0.55, Float(k - 1)) / tgc[target]
                                        re[target * lines + line] += echo
                                        if target + 1 < samples { re[(target + 1) * lines + line] += echo * 0.6 }
                                        k += 1
                                    }
                                case .cometTail:
                                    let spacing = max(1, Int((0.8 / dr).rounded()))
                                    for k in 1...8 {
                                        let target = interface + 1 + k * spacing
                                        guard target < samples else { break }
                                        re[target * lines + line] += strength * pow(0.5, Float(k)) / tgc[target]
                                    }
                                case .none:
                                    break
                                }
                            }
                        }
                    }
                }
            }
        }

        let psf = PointSpreadFunction(geometry: geometry, settings: settings)
        psf.apply(re: &re, im: &im)

        var envelope = [Float](repeating: 0, count: count)
        for sample in 0..<samples {
            let gain = tgc[sample]
            let row = sample * lines
            for line in 0..<lines {
                let cell = row + line
                envelope[cell] = (re[cell] * re[cell] + im[cell] * im[cell]).squareRoot() * gain
            }
        }
        return BeamData(lines: lines, samples: samples, envelope: envelope)
    }

    /// Element index (0 = background, k = scene element k−1) of every beam cell.
    func tissueIndexGrid(scene: Scene, shiftMM: Double) -> [UInt8] {
        let lines = geometry.lines, samples = geometry.samples
        var grid = [UInt8](repeating: 0, count: lines * samples)
        let count = min(scene.elements.count, 254)
        let elements = scene.elements
        let halfFan = geometry.transducer.fanAngleDegrees / 2 * .pi / 180
        var candidates: [Int] = []
        candidates.reserveCapacity(count)
        for sample in 0..<samples {
            // The z span of this depth row: a line for a linear array, an arc for a convex one.
            let r = (Double(sample) + 0.5) * geometry.sampleSpacingMM
            let zHigh = r + shiftMM
            let zLow =
                geometry.transducer.geometry == .linear ? zHigh : (geometry.radiusMM + r) * cos(halfFan) - geometry.radiusMM + shiftMM
            candidates.removeAll(keepingCapacity: true)
            for k in stride(from: count - 1, through: 0, by: -1)
            where elements[k].mayContain(depth: r + shiftMM, zLow: zLow - 1e-9, zHigh: zHigh + 1e-9) {
                candidates.append(k)
            }
            for line in 0..<lines {
                let p = geometry.point(line: line, sample: sample, shiftMM: shiftMM)
                var found = -1
                for k in candidates where elements[k].contains(p) {
                    found = k
                    break
                }
                grid[sample * lines + line] = UInt8(found + 1)
            }
        }
        return grid
    }

    /// Grey levels (0…255, as Float) of the log-compressed envelope.
    func logCompress(_ beam: BeamData) -> [Float] {
        let range = Float(settings.dynamicRangeDB)
        let bottom = Self.displayTopDB - range
        let scale = 255 / range
        return beam.envelope.map { value in
            let db = 20 * log10(max(value, 1e-6))
            return min(255, max(0, (db - bottom) * scale))
        }
    }
}

/// Random complex scatterer amplitudes (unit variance per component) and a uniform gate that
/// thins them out for sparse tissues, for a beam grid possibly taller than one frame (cine).
struct ScattererField {
    let lines: Int, samples: Int
    var re: [Float], im: [Float], gate: [Float]

    init(lines: Int, samples: Int, rng: inout SplitMix64) {
        self.lines = lines
        self.samples = samples
        let count = lines * samples
        re = [Float](repeating: 0, count: count)
        im = [Float](repeating: 0, count: count)
        gate = [Float](repeating: 0, count: count)
        let table = GaussianTable.values
        for k in 0..<count {
            let bits = rng.next()
            re[k] = table[Int(bits & 4095)]
            im[k] = table[Int((bits >> 12) & 4095)]
            gate[k] = Float(bits >> 40) * 0x1.0p-24
        }
    }
}

/// 4096 equiprobable standard-normal quantiles: a table lookup per sample instead of Box–Muller's
/// log, sqrt and trig. After the PSF sums many cells the discreteness is invisible.
enum GaussianTable {
    static let values: [Float] = (0..<4096).map { k in
        Float(inverseNormalCDF((Double(k) + 0.5) / 4096))
    }

    /// Φ⁻¹(p) by Newton's method on Φ(x) = erfc(−x/√2)/2.
    static func inverseNormalCDF(_ p: Double) -> Double {
        var x = 0.0
        for _ in 0..<60 {
            let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
            let pdf = exp(-x * x / 2) / (2 * Double.pi).squareRoot()
            let step = (cdf - p) / max(pdf, 1e-300)
            x -= max(-1, min(1, step))
            if abs(step) < 1e-13 { break }
        }
        return x
    }
}
