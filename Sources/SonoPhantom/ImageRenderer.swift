import Foundation
import SeededRandom

/// Everything that determines one simulated acquisition (one image or one cine loop).
public struct ImageSpec: Sendable, Codable, Equatable {
    public var kind: SceneKind
    public var settings: AcquisitionSettings
    public var rows: Int, columns: Int
    public var layout: FrameLayout = .scanner
    public var frames: Int = 1
    /// Peak breathing displacement over the loop, mm.
    public var motionMM: Double = 0
    public var needle = false
    public var lesion = false
    public var morison: MorisonView? = nil
    /// Seed of this image's own random stream.
    public var seed: UInt64

    public init(kind: SceneKind, settings: AcquisitionSettings, rows: Int, columns: Int, seed: UInt64) {
        self.kind = kind
        self.settings = settings
        self.rows = rows
        self.columns = columns
        self.seed = seed
    }
}

/// A rendered acquisition: grey frames, the ground-truth tissue map of the first frame and the
/// imaging region (for the Sequence of Ultrasound Regions).
public struct RenderedImage: Sendable {
    public var spec: ImageSpec
    public var frames: [BModeFrame]
    /// `TissueLabel` raw values per frame pixel (first frame), 0 outside the field of view;
    /// empty when rendered without labels.
    public var labels: [UInt8]
    public var region: ImagingRegion

    /// 0/255 mask of an organ in the first frame.
    public func mask(of organ: Organ) -> [UInt8] {
        labels.map { TissueLabel(rawValue: $0)?.organ == organ ? 255 : 0 }
    }
}

public enum ImageRenderer {
    /// Renders `spec`: the same spec always gives the same pixels.
    /// `withLabels: false` skips the ground-truth map (archive images need none).
    public static func render(_ spec: ImageSpec, withLabels: Bool = true) -> RenderedImage {
        var rng = SplitMix64(seed: spec.seed)
        let geometry = ScanGeometry(
            transducer: spec.settings.transducer, depthMM: spec.settings.depthMM,
            frameRows: spec.rows, frameColumns: spec.columns, layout: spec.layout)
        let features = SceneFeatures(needle: spec.needle, lesion: spec.lesion, morison: spec.morison)
        let scene = Anatomy.scene(
            kind: spec.kind, transducer: spec.settings.transducer, depthMM: spec.settings.depthMM, features: features, rng: &rng)
        let amplitude = spec.motionMM / geometry.sampleSpacingMM
        let shifts = (0..<max(1, spec.frames)).map { k in
            Int((amplitude * sin(2 * Double.pi * Double(k) / Double(max(spec.frames, 2)))).rounded())
        }
        let simulator = BModeSimulator(geometry: geometry, settings: spec.settings)
        let result = simulator.render(scene: scene, shifts: shifts, withLabels: withLabels, rng: &rng)
        return RenderedImage(spec: spec, frames: result.frames, labels: result.labels ?? [], region: geometry.region)
    }
}
