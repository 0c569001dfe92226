import Foundation

/// Separable Gaussian PSF on the beam grid: one axial kernel for all depths (pulse length does
/// not change with depth), and one lateral kernel per depth (the beam is narrowest at the focus
/// and, for a convex probe, lines spread apart with depth so the kernel spans fewer lines).
/// Kernels are normalised to unit energy so fully developed speckle keeps the tissue's RMS level.
struct PointSpreadFunction {
    let lines: Int, samples: Int
    let axial: [Float]
    /// Distinct lateral kernels and the kernel used at each depth sample.
    let lateralKernels: [[Float]]
    let lateralKernelForSample: [Int]

    static let minimumSigma = 0.6
    static let maximumRadius = 12

    init(geometry: ScanGeometry, settings: AcquisitionSettings) {
        lines = geometry.lines
        samples = geometry.samples
        let transducer = geometry.transducer
        axial = Self.kernel(sigma: transducer.axialSigmaMM / geometry.sampleSpacingMM)
        var kernels: [[Float]] = []
        var bySigma: [Int: Int] = [:]
        var choice = [Int](repeating: 0, count: samples)
        for sample in 0..<samples {
            let r = (Double(sample) + 0.5) * geometry.sampleSpacingMM
            let offFocus = (r - settings.focusDepthMM) / transducer.rayleighRangeMM
            let sigmaMM = transducer.lateralSigmaAtFocusMM * (1 + offFocus * offFocus).squareRoot()
            let sigma = sigmaMM / geometry.lineSpacingMM(atDepth: r)
            // Quantise sigma to 0.05 lines so neighbouring depths share kernels.
            let key = Int((max(sigma, Self.minimumSigma) * 20).rounded())
            if let existing = bySigma[key] {
                choice[sample] = existing
            } else {
                kernels.append(Self.kernel(sigma: Double(key) / 20))
                bySigma[key] = kernels.count - 1
                choice[sample] = kernels.count - 1
            }
        }
        lateralKernels = kernels
        lateralKernelForSample = choice
    }

    static func kernel(sigma: Double) -> [Float] {
        let s = max(sigma, minimumSigma)
        let radius = min(maximumRadius, Int((3 * s).rounded(.up)))
        let weights = (-radius...radius).map { exp(-Double($0 * $0) / (2 * s * s)) }
        let energy = weights.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return weights.map { Float($0 / energy) }
    }

    func apply(re: inout [Float], im: inout [Float]) {
        var scratch = [Float](repeating: 0, count: re.count)
        convolveAxially(&re, scratch: &scratch)
        convolveAxially(&im, scratch: &scratch)
        convolveLaterally(&re, scratch: &scratch)
        convolveLaterally(&im, scratch: &scratch)
    }

    /// Along depth: each output row is a weighted sum of whole input rows (contiguous, vectorises).
    private func convolveAxially(_ data: inout [Float], scratch: inout [Float]) {
        let radius = axial.count / 2
        let lines = self.lines, samples = self.samples
        data.withUnsafeBufferPointer { input in
            scratch.withUnsafeMutableBufferPointer { output in
                for sample in 0..<samples {
                    let out = sample * lines
                    for line in 0..<lines { output[out + line] = 0 }
                    for (k, w) in axial.enumerated() {
                        // Zero padding at both ends of the beam.
                        let source = sample + k - radius
                        guard source >= 0, source < samples else { continue }
                        let from = source * lines
                        for line in 0..<lines { output[out + line] += w * input[from + line] }
                    }
                }
            }
        }
        swap(&data, &scratch)
    }

    /// Across lines, with the depth's own kernel.
    private func convolveLaterally(_ data: inout [Float], scratch: inout [Float]) {
        let lines = self.lines, samples = self.samples
        data.withUnsafeBufferPointer { input in
            scratch.withUnsafeMutableBufferPointer { output in
                for sample in 0..<samples {
                    let kernel = lateralKernels[lateralKernelForSample[sample]]
                    let radius = kernel.count / 2
                    let row = sample * lines
                    kernel.withUnsafeBufferPointer { w in
                        for line in 0..<lines {
                            let lo = max(0, radius - line), hi = min(kernel.count, lines - line + radius)
                            var sum: Float = 0
                            var k = lo
                            while k < hi {
                                sum += w[k] * input[row + line + k - radius]
                                k += 1
                            }
                            output[row + line] = sum
                        }
                    }
                }
            }
        }
        swap(&data, &scratch)
    }
}

/// For every pixel of the imaging region: the four beam cells around it and bilinear weights.
/// Built once per geometry and shared by all frames of a cine loop.
struct ScanConversionTable {
    let geometry: ScanGeometry
    /// Frame pixel index, top-left beam cell, fractional offsets.
    private var pixel: [Int32] = [], cell: [Int32] = [], fx: [Float] = [], fy: [Float] = []

    init(geometry: ScanGeometry) {
        self.geometry = geometry
        let region = geometry.region
        let lines = geometry.lines, samples = geometry.samples
        for row in region.minY...region.maxY {
            for column in region.minX...region.maxX {
                let p = geometry.planePosition(column: column, row: row)
                guard let beam = geometry.beamCoordinates(x: p.x, z: p.z) else { continue }
                let l = min(max(beam.line, 0), Double(lines - 1))
                let s = min(max(beam.sample, 0), Double(samples - 1))
                let l0 = min(Int(l), max(lines - 2, 0)), s0 = min(Int(s), max(samples - 2, 0))
                pixel.append(Int32(row * geometry.frameColumns + column))
                cell.append(Int32(s0 * lines + l0))
                fx.append(Float(l - Double(l0)))
                fy.append(Float(s - Double(s0)))
            }
        }
    }

    /// Number of frame pixels inside the field of view.
    var supportCount: Int { pixel.count }

    func convert(display: [Float]) -> BModeFrame {
        var frame = [UInt8](repeating: 0, count: geometry.frameRows * geometry.frameColumns)
        let lines = geometry.lines
        let stepLine = lines > 1 ? 1 : 0
        let stepSample = geometry.samples > 1 ? lines : 0
        for k in 0..<pixel.count {
            let c = Int(cell[k])
            let a = fx[k], b = fy[k]
            let top = display[c] * (1 - a) + display[c + stepLine] * a
            let bottom = display[c + stepSample] * (1 - a) + display[c + stepSample + stepLine] * a
            frame[Int(pixel[k])] = UInt8(min(255, max(0, (top * (1 - b) + bottom * b).rounded())))
        }
        return BModeFrame(rows: geometry.frameRows, columns: geometry.frameColumns, pixels: frame)
    }

    /// Frame-sized label map from the beam grid's element indices (nearest cell), 0 outside the field of view.
    func labels(grid: [UInt8], labelOf: [UInt8]) -> [UInt8] {
        var map = [UInt8](repeating: 0, count: geometry.frameRows * geometry.frameColumns)
        let lines = geometry.lines
        for k in 0..<pixel.count {
            var c = Int(cell[k])
            if fx[k] >= 0.5 { c += 1 }
            if fy[k] >= 0.5 { c += lines }
            let element = Int(grid[min(c, grid.count - 1)])
            map[Int(pixel[k])] = element < labelOf.count ? labelOf[element] : 0
        }
        return map
    }
}
