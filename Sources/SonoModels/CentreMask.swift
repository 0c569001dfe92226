/// The context encoder's hole: a centre rectangle of half the image height and width.
///
/// The network predicts the whole `centre`; the input is blanked only inside `hole`, which is the
/// centre shrunk by `overlap` pixels on each side, so that (as in Pathak et al.'s reference code)
/// the generator sees a thin border of the region it must reproduce. `overlap == 0` is the paper's
/// setting: the hole is the centre.
public struct CentreMask: Equatable, Sendable {
    public struct Rect: Equatable, Sendable {
        public var top: Int
        public var left: Int
        public var height: Int
        public var width: Int
        public init(top: Int, left: Int, height: Int, width: Int) {
            self.top = top
            self.left = left
            self.height = height
            self.width = width
        }
    }

    public let imageHeight: Int
    public let imageWidth: Int
    public let centre: Rect
    public let hole: Rect

    public enum GeometryError: Error, Equatable, CustomStringConvertible {
        case imageTooSmall(height: Int, width: Int)
        case overlapTooLarge(overlap: Int, centreHeight: Int, centreWidth: Int)

        public var description: String {
            switch self {
            case .imageTooSmall(let h, let w):
                return "image size \(h)x\(w) is too small for a centre mask (need at least 2x2)"
            case .overlapTooLarge(let o, let h, let w):
                return "mask overlap \(o) leaves no hole inside the \(h)x\(w) centre"
            }
        }
    }

    public init(height: Int, width: Int, overlap: Int = 0) throws {
        guard height >= 2, width >= 2 else { throw GeometryError.imageTooSmall(height: height, width: width) }
        let ch = height / 2, cw = width / 2
        guard overlap >= 0, 2 * overlap < ch, 2 * overlap < cw else {
            throw GeometryError.overlapTooLarge(overlap: overlap, centreHeight: ch, centreWidth: cw)
        }
        imageHeight = height
        imageWidth = width
        centre = Rect(top: (height - ch) / 2, left: (width - cw) / 2, height: ch, width: cw)
        hole = Rect(
            top: centre.top + overlap, left: centre.left + overlap,
            height: ch - 2 * overlap, width: cw - 2 * overlap)
    }
}
