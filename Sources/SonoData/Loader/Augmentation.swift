/// Random training augmentations (the paper: random flip, horizontal and vertical shift), for
/// pretraining (`BatchLoader`) and fine-tuning (`DownstreamBatcher`) alike. Each sample's
/// parameters come from a generator seeded by (seed, epoch, position), so batches are identical
/// whichever thread builds them.
public struct AugmentationSettings: Sendable, Equatable {
    /// Probability of a left–right flip.
    public var horizontalFlip: Double
    /// Probability of an up–down flip (off by default: ultrasound has a fixed top, the probe).
    public var verticalFlip: Double
    /// Largest shift as a fraction of the width / height, uniform in ±this.
    public var maxShiftX: Double
    public var maxShiftY: Double
    /// Intensity jitter on the normalised image: `x · (1 + u) + v`, u, v uniform in ±this
    /// (0 disables).
    public var intensityJitter: Double

    public init(
        horizontalFlip: Double = 0.5, verticalFlip: Double = 0, maxShiftX: Double = 0.1, maxShiftY: Double = 0.1,
        intensityJitter: Double = 0
    ) {
        self.horizontalFlip = horizontalFlip
        self.verticalFlip = verticalFlip
        self.maxShiftX = maxShiftX
        self.maxShiftY = maxShiftY
        self.intensityJitter = intensityJitter
    }

    /// Flip and shift as in the paper, no jitter.
    public static let paper = AugmentationSettings()

    /// One sample's draw.
    struct Draw: Equatable {
        var flipX: Bool
        var flipY: Bool
        var shiftX: Int
        var shiftY: Int
        var gain: Float
        var offset: Float
    }

    func draw(width: Int, height: Int, using generator: inout SeededGenerator) -> Draw {
        let flipX = generator.nextUnit() < horizontalFlip
        let flipY = generator.nextUnit() < verticalFlip
        let limitX = Int((maxShiftX * Double(width)).rounded(.down)), limitY = Int((maxShiftY * Double(height)).rounded(.down))
        let shiftX = limitX > 0 ? generator.nextInt(below: 2 * limitX + 1) - limitX : 0
        let shiftY = limitY > 0 ? generator.nextInt(below: 2 * limitY + 1) - limitY : 0
        var gain: Float = 1, offset: Float = 0
        if intensityJitter > 0 {
            gain = Float(1 + (generator.nextUnit() * 2 - 1) * intensityJitter)
            offset = Float((generator.nextUnit() * 2 - 1) * intensityJitter)
        }
        return Draw(flipX: flipX, flipY: flipY, shiftX: shiftX, shiftY: shiftY, gain: gain, offset: offset)
    }
}

extension AugmentationSettings.Draw {
    /// The same flips and shifts without the intensity change, for masks that move with their
    /// image.
    var geometryOnly: Self {
        var draw = self
        draw.gain = 1
        draw.offset = 0
        return draw
    }

    /// Writes the augmented `source` into `output` (both `height × width`). Pixels shifted in
    /// from outside are 0, the mean after z-scoring.
    func apply(_ source: UnsafePointer<Float>, to output: UnsafeMutablePointer<Float>, width: Int, height: Int) {
        for y in 0..<height {
            // Output (x, y) shows input (x − shiftX, y − shiftY) of the flipped image.
            let sy = y - shiftY
            let outRow = output + y * width
            guard sy >= 0, sy < height else {
                outRow.update(repeating: 0, count: width)
                continue
            }
            let inRow = source + (flipY ? height - 1 - sy : sy) * width
            for x in 0..<width {
                let sx = x - shiftX
                if sx < 0 || sx >= width {
                    outRow[x] = 0
                } else {
                    outRow[x] = inRow[flipX ? width - 1 - sx : sx] * gain + offset
                }
            }
        }
    }
}
