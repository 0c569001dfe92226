import Foundation

/// How the probe lays out its scan lines.
public enum ProbeGeometry: String, Sendable, Codable {
    /// Sector image from a convex array: lines fan out from a virtual apex behind the skin.
    case curvilinear
    /// Rectangular image: parallel lines from a flat array.
    case linear
}

/// The three transducers of the paper's archive (Siemens Acuson naming: S = Sequoia family,
/// C/L = curved/linear, then the frequency band in MHz). The acoustic numbers are typical values
/// for such probes; they drive resolution (pulse length, beam width) and penetration (attenuation
/// grows with frequency, so the noise floor reaches shallower depths).
public enum Transducer: String, CaseIterable, Sendable, Codable {
    case sc6_1 = "SC6-1"
    case sl10_2 = "SL10-2"
    case sl15_4 = "SL15-4"

    public var geometry: ProbeGeometry { self == .sc6_1 ? .curvilinear : .linear }

    /// Centre frequency used for imaging, MHz.
    public var centreFrequencyMHz: Double {
        switch self {
        case .sc6_1: return 3.5
        case .sl10_2: return 6.5
        case .sl15_4: return 10.0
        }
    }

    /// Pulse length in wavelengths: shorter pulses give finer axial resolution.
    var pulseCycles: Double { self == .sc6_1 ? 2.2 : 1.8 }

    /// Wavelength in mm (c = 1540 m/s).
    public var wavelengthMM: Double { 1.540 / centreFrequencyMHz }

    /// Axial point-spread function: Gaussian envelope, standard deviation in mm.
    public var axialSigmaMM: Double { wavelengthMM * pulseCycles / 2 / 2.355 }

    /// Lateral beam width at the focus (Gaussian sigma, mm): λ · F-number.
    public var lateralSigmaAtFocusMM: Double { wavelengthMM * fNumber / 2.355 }

    var fNumber: Double { self == .sc6_1 ? 3.5 : 2.5 }

    /// Depth-of-field half length (mm) of the Gaussian beam: the beam is √2 wider this far from focus.
    var rayleighRangeMM: Double {
        let w = lateralSigmaAtFocusMM * 2.355
        return max(4, 2 * wavelengthMM * fNumber * fNumber * 1.6 + w * 2)
    }

    /// Width of a linear array's field of view (mm); for the convex array, its radius of curvature.
    public var apertureMM: Double {
        switch self {
        case .sc6_1: return 60
        case .sl10_2: return 38
        case .sl15_4: return 38
        }
    }

    /// Opening angle of the curvilinear sector, degrees (0 for linear arrays).
    public var fanAngleDegrees: Double { self == .sc6_1 ? 70 : 0 }

    /// Range of display depths a sonographer would pick, mm.
    public var depthRangeMM: ClosedRange<Double> {
        switch self {
        case .sc6_1: return 90...200
        case .sl10_2: return 30...80
        case .sl15_4: return 20...50
        }
    }

    public var transducerType: String { geometry == .curvilinear ? "CURVED LINEAR" : "LINEAR" }
}
