import Foundation

/// The knobs a sonographer (or the phantom's quality model) turns for one acquisition.
public struct AcquisitionSettings: Sendable, Codable, Equatable {
    public var transducer: Transducer
    /// Display depth, mm.
    public var depthMM: Double
    /// Overall receive gain added on top of the TGC, dB.
    public var gainDB: Double = 0
    /// Log-compression window, dB: what maps to the full grey range.
    public var dynamicRangeDB: Double = 60
    /// Electronic noise relative to liver speckle at the skin, dB. Because TGC boosts noise with
    /// the signal, this sets the penetration depth together with the frequency.
    public var noiseFloorDB: Double = -62
    /// Transmit focus, mm below the probe surface.
    public var focusDepthMM: Double
    /// Soft-tissue attenuation the TGC compensates, dB/(cm·MHz): the scanner's assumption.
    public var tgcAttenuation: Double = 0.5
    /// Slider-by-slider TGC deviations (dB) at evenly spaced depths: operators never leave them flat.
    public var tgcSlidersDB: [Double] = Array(repeating: 0, count: 8)

    public init(transducer: Transducer, depthMM: Double, focusDepthMM: Double? = nil) {
        self.transducer = transducer
        self.depthMM = depthMM
        self.focusDepthMM = focusDepthMM ?? depthMM * 0.55
    }

    /// Total receive gain applied at depth `r` (mm), dB.
    func receiveGainDB(atDepth r: Double) -> Double {
        let compensation = tgcAttenuation * transducer.centreFrequencyMHz * 2 * r / 10
        guard tgcSlidersDB.count > 1 else { return gainDB + compensation + (tgcSlidersDB.first ?? 0) }
        let position = min(max(r / depthMM, 0), 1) * Double(tgcSlidersDB.count - 1)
        let k = min(Int(position), tgcSlidersDB.count - 2)
        let t = position - Double(k)
        let slider = tgcSlidersDB[k] * (1 - t) + tgcSlidersDB[k + 1] * t
        return gainDB + compensation + slider
    }
}
