import Foundation

/// What a pixel of the ground truth is: the classes the downstream masks are drawn from.
public enum TissueLabel: UInt8, Sendable, Codable, CaseIterable {
    case background = 0
    case skin, fat, muscle, fascia
    case liver, vessel, diaphragm
    case kidneyCortex, kidneyMedulla, kidneySinus, kidneyCapsule
    case thyroid, trachea, nodule, calcification
    case fluid, bowel, bone, pleura, lung
    case needle, lymphNode

    /// The organ a mask pixel belongs to (capsule and sinus are part of the kidney; a thyroid
    /// nodule's calcifications are part of the nodule).
    public var organ: Organ? {
        switch self {
        case .liver, .vessel: return .liver
        case .kidneyCortex, .kidneyMedulla, .kidneySinus, .kidneyCapsule: return .kidney
        case .nodule, .calcification: return .nodule
        case .thyroid: return .thyroid
        default: return nil
        }
    }
}

/// Organs that downstream masks outline.
public enum Organ: String, Sendable, Codable { case liver, kidney, thyroid, nodule }

/// How a strong interface rings.
enum Reverberation: Sendable { case none, aLines, cometTail }

/// Acoustic description of a tissue, in the terms the simulator needs.
struct Tissue: Sendable {
    /// RMS backscatter amplitude relative to liver parenchyma (0 dB).
    var echo: Float
    /// Expected scatterers per resolution cell: ≥ 1 gives fully developed (Rayleigh) speckle, fewer
    /// gives a sparse, spotty texture.
    var density: Float
    /// Attenuation, dB/(cm·MHz). Far above soft tissue for bone, gas, needles → shadows; near zero
    /// for fluid → enhancement once the scanner's TGC compensates soft-tissue attenuation.
    var attenuation: Float
    /// Coherent (specular) reflection amplitude relative to liver speckle: smooth bright lines.
    var specular: Float = 0
    var reverberation: Reverberation = .none
    var label: TissueLabel

    static func db(_ value: Float) -> Float { pow(10, value / 20) }

    static let liver = Tissue(echo: db(0), density: 6, attenuation: 0.5, label: .liver)
    static let fat = Tissue(echo: db(-7), density: 1.5, attenuation: 0.6, label: .fat)
    static let skin = Tissue(echo: db(6), density: 8, attenuation: 0.8, specular: db(4), label: .skin)
    static let muscle = Tissue(echo: db(-10), density: 3, attenuation: 1.0, label: .muscle)
    static let fascia = Tissue(echo: db(6), density: 6, attenuation: 0.8, specular: db(8), label: .fascia)
    static let fluid = Tissue(echo: db(-45), density: 0.2, attenuation: 0.002, label: .fluid)
    static let debrisFluid = Tissue(echo: db(-22), density: 0.15, attenuation: 0.05, label: .fluid)
    static let vessel = Tissue(echo: db(-42), density: 0.2, attenuation: 0.15, label: .vessel)
    static let portalWall = Tissue(echo: db(9), density: 6, attenuation: 0.6, specular: db(6), label: .liver)
    static let diaphragm = Tissue(echo: db(10), density: 8, attenuation: 1.2, specular: db(16), label: .diaphragm)
    static let kidneyCortex = Tissue(echo: db(-4), density: 5, attenuation: 0.6, label: .kidneyCortex)
    static let kidneyMedulla = Tissue(echo: db(-15), density: 2, attenuation: 0.5, label: .kidneyMedulla)
    static let kidneySinus = Tissue(echo: db(8), density: 4, attenuation: 0.9, label: .kidneySinus)
    static let kidneyCapsule = Tissue(echo: db(9), density: 8, attenuation: 0.8, specular: db(8), label: .kidneyCapsule)
    static let thyroid = Tissue(echo: db(3), density: 10, attenuation: 0.6, label: .thyroid)
    static let solidNodule = Tissue(echo: db(-9), density: 3, attenuation: 0.7, label: .nodule)
    static let isoNodule = Tissue(echo: db(-2), density: 4, attenuation: 0.6, label: .nodule)
    static let cysticNodule = Tissue(echo: db(-40), density: 0.2, attenuation: 0.01, label: .nodule)
    static let noduleHalo = Tissue(echo: db(-16), density: 2, attenuation: 0.6, label: .nodule)
    static let calcification = Tissue(echo: db(14), density: 8, attenuation: 10, specular: db(18), label: .calcification)
    static let trachea = Tissue(echo: db(10), density: 4, attenuation: 40, specular: db(20), reverberation: .aLines, label: .trachea)
    static let bone = Tissue(echo: db(12), density: 6, attenuation: 30, specular: db(22), label: .bone)
    static let pleura = Tissue(echo: db(12), density: 6, attenuation: 12, specular: db(16), reverberation: .aLines, label: .pleura)
    // Aerated lung: no real image behind the pleura, only a dim haze of reverberation.
    static let lung = Tissue(echo: db(-14), density: 1, attenuation: 2.5, label: .lung)
    static let bowelGas = Tissue(echo: db(12), density: 6, attenuation: 25, specular: db(16), reverberation: .cometTail, label: .bowel)
    static let bowelWall = Tissue(echo: db(-6), density: 3, attenuation: 0.8, label: .bowel)
    static let needle = Tissue(echo: db(10), density: 8, attenuation: 12, specular: db(15), reverberation: .cometTail, label: .needle)
    static let lymphNode = Tissue(echo: db(-12), density: 2, attenuation: 0.6, label: .lymphNode)
    static let lymphHilum = Tissue(echo: db(5), density: 6, attenuation: 0.7, label: .lymphNode)
    static let mesentery = Tissue(echo: db(3), density: 4, attenuation: 0.7, label: .fat)
}
