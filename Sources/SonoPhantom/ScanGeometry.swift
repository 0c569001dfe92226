import Foundation

/// Where the imaging region sits in the frame and how frame pixels map to the plane: what the
/// Sequence of Ultrasound Regions describes.
public struct ImagingRegion: Sendable, Codable, Equatable {
    /// Inclusive pixel box of the region in the frame (RegionLocationMinX0 … MaxY1).
    public var minX: Int, minY: Int, maxX: Int, maxY: Int
    /// Isotropic pixel size, mm.
    public var pixelSpacingMM: Double
    /// Plane coordinates (mm) of the region's top-left pixel centre.
    public var originXMM: Double, originZMM: Double

    public var width: Int { maxX - minX + 1 }
    public var height: Int { maxY - minY + 1 }
}

/// How the imaging region sits in the frame.
public enum FrameLayout: String, Sendable, Codable {
    /// As a scanner's screen: margins at the top and left hold burned-in text.
    case scanner
    /// The field of view fills the frame (downstream task images).
    case fill
}

/// Probe, depth and the frame layout for one acquisition: everything needed to go between beam
/// samples, plane millimetres and frame pixels.
struct ScanGeometry: Sendable {
    let transducer: Transducer
    /// Imaging depth below the probe surface, mm.
    let depthMM: Double
    let frameRows: Int, frameColumns: Int
    let region: ImagingRegion
    /// Beam grid: `lines` scan lines × `samples` depth samples.
    let lines: Int, samples: Int
    /// Axial sample spacing, mm.
    let sampleSpacingMM: Double
    /// Curvilinear: apex-to-skin radius (mm), first line angle and angular step (radians).
    /// Linear: the first line's x and the line pitch (mm).
    let radiusMM: Double
    let firstLine: Double, linePitch: Double

    /// Margins keep room for burned-in text: a header band and a left column, as scanners do.
    static func layoutMargins(rows: Int, columns: Int) -> (top: Int, bottom: Int, left: Int, right: Int) {
        let top = max(9, Int((Double(rows) * 0.09).rounded()))
        let left = max(10, Int((Double(columns) * 0.16).rounded()))
        let right = max(4, Int((Double(columns) * 0.06).rounded()))
        let bottom = max(2, rows / 64)
        return (top, bottom, left, right)
    }

    init(transducer: Transducer, depthMM: Double, frameRows: Int, frameColumns: Int, layout: FrameLayout = .scanner) {
        self.transducer = transducer
        self.depthMM = depthMM
        self.frameRows = frameRows
        self.frameColumns = frameColumns
        let margins =
            layout == .scanner ? Self.layoutMargins(rows: frameRows, columns: frameColumns) : (top: 0, bottom: 0, left: 0, right: 0)
        let availableRows = max(4, frameRows - margins.top - margins.bottom)
        let availableColumns = max(4, frameColumns - margins.left - margins.right)

        // Physical bounding box of the field of view.
        let minXMM: Double, maxXMM: Double, minZMM: Double, maxZMM: Double
        switch transducer.geometry {
        case .linear:
            radiusMM = 0
            minXMM = -transducer.apertureMM / 2; maxXMM = -minXMM
            minZMM = 0; maxZMM = depthMM
        case .curvilinear:
            radiusMM = transducer.apertureMM
            let half = transducer.fanAngleDegrees / 2 * .pi / 180
            maxXMM = (radiusMM + depthMM) * sin(half); minXMM = -maxXMM
            minZMM = radiusMM * cos(half) - radiusMM; maxZMM = depthMM
        }
        let spacing = max((maxXMM - minXMM) / Double(availableColumns), (maxZMM - minZMM) / Double(availableRows))
        let width = max(2, min(availableColumns, Int(((maxXMM - minXMM) / spacing).rounded())))
        let height = max(2, min(availableRows, Int(((maxZMM - minZMM) / spacing).rounded())))
        let minX = margins.left + (availableColumns - width) / 2
        let minY = margins.top
        region = ImagingRegion(
            minX: minX, minY: minY, maxX: minX + width - 1, maxY: minY + height - 1,
            pixelSpacingMM: spacing,
            originXMM: minXMM + spacing / 2, originZMM: minZMM + spacing / 2)

        // Beam grid at about the display's resolution: finer would only be averaged away.
        samples = max(2, Int((depthMM / spacing).rounded()))
        sampleSpacingMM = depthMM / Double(samples)
        switch transducer.geometry {
        case .linear:
            lines = width
            linePitch = (maxXMM - minXMM) / Double(width)
            firstLine = minXMM + linePitch / 2
        case .curvilinear:
            let fan = transducer.fanAngleDegrees * .pi / 180
            // Line spacing at mid-depth matches the pixel size.
            lines = max(2, Int((fan * (radiusMM + depthMM / 2) / spacing).rounded()))
            linePitch = fan / Double(lines)
            firstLine = -fan / 2 + linePitch / 2
            lineSines = (0..<lines).map { sin(firstLine + Double($0) * linePitch) }
            lineCosines = (0..<lines).map { cos(firstLine + Double($0) * linePitch) }
        }
    }

    /// sin and cos of each line's steering angle (convex probe), so the beam grid needs no trig.
    private(set) var lineSines: [Double] = [], lineCosines: [Double] = []

    /// Plane position of beam sample `sample` on line `line`.
    @inline(__always)
    func point(line: Int, sample: Int, shiftMM: Double = 0) -> ScenePoint {
        if transducer.geometry == .curvilinear && !lineSines.isEmpty {
            let rr = radiusMM + (Double(sample) + 0.5) * sampleSpacingMM
            return ScenePoint(x: rr * lineSines[line], z: rr * lineCosines[line] - radiusMM + shiftMM, depth: rr - radiusMM + shiftMM)
        }
        return pointSlow(line: line, sample: sample, shiftMM: shiftMM)
    }

    private func pointSlow(line: Int, sample: Int, shiftMM: Double) -> ScenePoint {
        let r = (Double(sample) + 0.5) * sampleSpacingMM
        switch transducer.geometry {
        case .linear:
            return ScenePoint(x: firstLine + Double(line) * linePitch, z: r + shiftMM, depth: r + shiftMM)
        case .curvilinear:
            let theta = firstLine + Double(line) * linePitch
            let rr = radiusMM + r
            return ScenePoint(x: rr * sin(theta), z: rr * cos(theta) - radiusMM + shiftMM, depth: r + shiftMM)
        }
    }

    /// Plane position of a frame pixel's centre.
    @inline(__always)
    func planePosition(column: Int, row: Int) -> (x: Double, z: Double) {
        (
            region.originXMM + Double(column - region.minX) * region.pixelSpacingMM,
            region.originZMM + Double(row - region.minY) * region.pixelSpacingMM
        )
    }

    /// Fractional beam coordinates (line, sample) of a plane point, or nil outside the field of view.
    @inline(__always)
    func beamCoordinates(x: Double, z: Double) -> (line: Double, sample: Double, depth: Double)? {
        switch transducer.geometry {
        case .linear:
            let line = (x - firstLine) / linePitch
            guard z >= 0, z <= depthMM, line >= -0.5, line <= Double(lines) - 0.5 else { return nil }
            return (line, z / sampleSpacingMM - 0.5, z)
        case .curvilinear:
            let dz = z + radiusMM
            let r = (x * x + dz * dz).squareRoot() - radiusMM
            let theta = atan2(x, dz)
            let line = (theta - firstLine) / linePitch
            guard r >= 0, r <= depthMM, line >= -0.5, line <= Double(lines) - 0.5 else { return nil }
            return (line, r / sampleSpacingMM - 0.5, r)
        }
    }

    /// Lateral distance between neighbouring lines at a depth, mm.
    func lineSpacingMM(atDepth r: Double) -> Double {
        transducer.geometry == .linear ? linePitch : (radiusMM + r) * linePitch
    }
}
