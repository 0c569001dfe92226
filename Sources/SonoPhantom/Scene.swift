import Foundation
import SeededRandom

/// A point in the imaging plane: lateral `x` and depth `z` in mm (origin where the probe's centre
/// touches the skin, z grows into the body), plus `depth`, the distance below the probe surface
/// along the beam (equal to z for a linear array, radial for a convex one). Skin and wall layers
/// follow `depth`, so they curve with a convex probe as they do on a real scanner.
struct ScenePoint {
    var x: Double
    var z: Double
    var depth: Double
}

/// A region of the plane.
enum Shape: Sendable {
    /// Everything between two depths below the probe surface, optionally wavy.
    case layer(top: Double, bottom: Double, waveAmplitude: Double = 0, wavelength: Double = 40, phase: Double = 0)
    /// An ellipse (centre, semi-axes, rotation in radians) whose radius wobbles by up to
    /// `roughness` (fraction) with harmonics 2…5: organs and lesions are never perfect ellipses.
    case blob(Blob)
    /// A shell of `thickness` mm around a blob's boundary: capsules and vessel walls.
    case shell(Blob, thickness: Double)
    /// A straight band of half-width `halfWidth` between two points: needles, catheters, septa.
    case segment(x0: Double, z0: Double, x1: Double, z1: Double, halfWidth: Double)
    /// Everything deeper than a circular arc (centre, radius) below it: diaphragm dome, lung.
    case belowArc(cx: Double, cz: Double, radius: Double)
}

struct Blob: Sendable {
    var cx: Double, cz: Double
    var a: Double, b: Double
    var angle: Double = 0 { didSet { cosAngle = cos(angle); sinAngle = sin(angle) } }
    private var cosAngle = 1.0, sinAngle = 0.0
    var roughness: Double = 0
    /// Amplitudes and phases of harmonics 2…5, stored inline (no array) so blobs copy without
    /// reference counting in the per-pixel lookups.
    private var amplitudes: (Double, Double, Double, Double) = (0, 0, 0, 0)
    private var phases: (Double, Double, Double, Double) = (0, 0, 0, 0)

    init(cx: Double, cz: Double, a: Double, b: Double, angle: Double = 0, roughness: Double = 0, rng: inout SplitMix64) {
        self.cx = cx; self.cz = cz; self.a = a; self.b = b; self.roughness = roughness
        self.angle = angle
        cosAngle = cos(angle); sinAngle = sin(angle)
        if roughness > 0 {
            let drawn = (2...5).map { k in (rng.uniform(0.3, 1) / Double(k - 1), rng.uniform(0, 2 * .pi)) }
            let total = drawn.reduce(0) { $0 + $1.0 }
            let a = drawn.map { $0.0 / total * roughness }
            amplitudes = (a[0], a[1], a[2], a[3])
            phases = (drawn[0].1, drawn[1].1, drawn[2].1, drawn[3].1)
        }
    }

    /// Normalised radius: < 1 inside, 1 on the boundary.
    @inline(__always)
    func rho(_ x: Double, _ z: Double) -> Double {
        let dx = x - cx, dz = z - cz
        let c = cosAngle, s = sinAngle
        let u = (dx * c + dz * s) / a
        let v = (-dx * s + dz * c) / b
        let r = (u * u + v * v).squareRoot()
        guard roughness > 0 else { return r }
        if r > (1 + roughness) * 1.05 || r < (1 - roughness) * 0.95 { return r }
        let phi = atan2(v, u)
        var scale = 1.0
        scale += amplitudes.0 * cos(2 * phi + phases.0) + amplitudes.1 * cos(3 * phi + phases.1)
        scale += amplitudes.2 * cos(4 * phi + phases.2) + amplitudes.3 * cos(5 * phi + phases.3)
        return r / scale
    }

    var boundingRadius: Double { max(a, b) * (1 + roughness) * 1.05 }
}

/// A tissue painted over a shape. Later elements of a scene paint over earlier ones.
struct SceneElement: Sendable {
    var shape: Shape
    var tissue: Tissue
    /// Bounding box in (x, z) for a cheap reject; nil for shapes that follow depth (layers).
    var bounds: (minX: Double, maxX: Double, minZ: Double, maxZ: Double)?

    init(_ shape: Shape, _ tissue: Tissue) {
        self.shape = shape
        self.tissue = tissue
        switch shape {
        case .layer, .belowArc: bounds = nil
        case .blob(let b): bounds = (b.cx - b.boundingRadius, b.cx + b.boundingRadius, b.cz - b.boundingRadius, b.cz + b.boundingRadius)
        case .shell(let b, let t):
            let r = b.boundingRadius + t
            bounds = (b.cx - r, b.cx + r, b.cz - r, b.cz + r)
        case .segment(let x0, let z0, let x1, let z1, let w):
            bounds = (min(x0, x1) - w, max(x0, x1) + w, min(z0, z1) - w, max(z0, z1) + w)
        }
    }

    /// Whether any point with this depth below the probe and z within `zRange` can be inside:
    /// lets the beam grid test only the elements that reach each depth row.
    func mayContain(depth: Double, zLow: Double, zHigh: Double) -> Bool {
        switch shape {
        case .layer(let top, let bottom, let amplitude, _, _):
            return depth >= top - abs(amplitude) && depth < bottom + abs(amplitude)
        case .belowArc:
            return true
        default:
            guard let b = bounds else { return true }
            return zHigh >= b.minZ && zLow <= b.maxZ
        }
    }

    @inline(__always)
    func contains(_ p: ScenePoint) -> Bool {
        if let b = bounds, p.x < b.minX || p.x > b.maxX || p.z < b.minZ || p.z > b.maxZ { return false }
        switch shape {
        case .layer(let top, let bottom, let amplitude, let wavelength, let phase):
            // Most points are far from both boundaries: decide without the sine.
            let reach = abs(amplitude)
            if p.depth < top - reach || p.depth >= bottom + reach { return false }
            if p.depth >= top + reach && p.depth < bottom - reach { return true }
            let wobble = amplitude == 0 ? 0 : amplitude * sin(2 * .pi * p.x / wavelength + phase)
            return p.depth >= top + wobble && p.depth < bottom + wobble
        case .blob(let b):
            return b.rho(p.x, p.z) < 1
        case .shell(let b, let thickness):
            let rho = b.rho(p.x, p.z)
            return abs(rho - 1) * min(b.a, b.b) < thickness / 2
        case .segment(let x0, let z0, let x1, let z1, let w):
            let dx = x1 - x0, dz = z1 - z0
            let length2 = dx * dx + dz * dz
            let t = length2 > 0 ? min(1, max(0, ((p.x - x0) * dx + (p.z - z0) * dz) / length2)) : 0
            let ex = p.x - (x0 + t * dx), ez = p.z - (z0 + t * dz)
            return ex * ex + ez * ez < w * w
        case .belowArc(let cx, let cz, let radius):
            let dx = p.x - cx, dz = p.z - cz
            return dz > 0 && dx * dx + dz * dz > radius * radius
        }
    }
}

/// The anatomy in one imaging plane: a background tissue and painted elements.
struct Scene: Sendable {
    var background: Tissue
    var elements: [SceneElement] = []
    /// What kind of view this is (for the record and for tests).
    var kind: SceneKind

    init(kind: SceneKind, background: Tissue) {
        self.kind = kind
        self.background = background
    }

    mutating func paint(_ shape: Shape, _ tissue: Tissue) { elements.append(SceneElement(shape, tissue)) }

    @inline(__always)
    func tissue(at p: ScenePoint) -> Tissue {
        var index = elements.count - 1
        while index >= 0 {
            if elements[index].contains(p) { return elements[index].tissue }
            index -= 1
        }
        return background
    }
}

/// The views the phantom draws, one per kind of exam.
public enum SceneKind: String, Sendable, Codable, CaseIterable {
    case liver, kidney, morisonPouch, thyroid, chest, pleuralEffusion, softTissue, lymphNode
    case abdomenCollection, ascites, retroperitoneum, softTissueCollection
}
