/// An opaque 8-bit RGB colour.
public struct RGB: Equatable, Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public init(gray: UInt8) { self.init(gray, gray, gray) }

    public static let black = RGB(0, 0, 0)
    public static let white = RGB(255, 255, 255)
    public static let red = RGB(230, 40, 40)
    public static let green = RGB(40, 200, 70)
    public static let blue = RGB(50, 100, 230)
    public static let yellow = RGB(245, 210, 40)
    public static let cyan = RGB(40, 200, 220)
    public static let magenta = RGB(210, 60, 200)
    public static let orange = RGB(245, 140, 30)
    public static let gray = RGB(128, 128, 128)
    public static let lightGray = RGB(210, 210, 210)

    /// A qualitative palette for series and classes (distinguishable, colour-blind friendly order).
    public static let palette: [RGB] = [
        RGB(31, 119, 180), RGB(255, 127, 14), RGB(44, 160, 44), RGB(214, 39, 40),
        RGB(148, 103, 189), RGB(140, 86, 75), RGB(227, 119, 194), RGB(127, 127, 127),
        RGB(188, 189, 34), RGB(23, 190, 207)
    ]

    /// `self` blended towards `other` by `t` (0 keeps self, 1 gives other).
    public func mixed(with other: RGB, _ t: Float) -> RGB {
        let a = max(0, min(1, t))
        func mix(_ x: UInt8, _ y: UInt8) -> UInt8 {
            UInt8(clamping: Int((Float(x) * (1 - a) + Float(y) * a).rounded()))
        }
        return RGB(mix(r, other.r), mix(g, other.g), mix(b, other.b))
    }

    /// "#rrggbb", for HTML and SVG.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        return "#" + [r, g, b].map { String([digits[Int($0 >> 4)], digits[Int($0 & 15)]]) }.joined()
    }
}

/// Maps a value in 0…1 to a colour, by linear interpolation between evenly spaced stops.
public struct ColorMap: Sendable, Equatable {
    public let stops: [RGB]

    public init(stops: [RGB]) {
        self.stops = stops.isEmpty ? [.black, .white] : stops
    }

    public func color(at t: Float) -> RGB {
        guard stops.count > 1 else { return stops[0] }
        let x = (t.isNaN ? 0 : max(0, min(1, t))) * Float(stops.count - 1)
        let i = min(Int(x), stops.count - 2)
        return stops[i].mixed(with: stops[i + 1], x - Float(i))
    }

    public static let gray = ColorMap(stops: [.black, .white])
    /// Black → red → yellow → white.
    public static let hot = ColorMap(stops: [RGB(0, 0, 0), RGB(200, 0, 0), RGB(255, 200, 0), RGB(255, 255, 255)])
    /// A perceptually ordered dark-blue → green → yellow ramp (viridis-like, hand-picked stops).
    public static let viridis = ColorMap(stops: [
        RGB(68, 1, 84), RGB(59, 82, 139), RGB(33, 145, 140), RGB(94, 201, 98), RGB(253, 231, 37)
    ])
    /// Diverging blue → white → red, for signed maps such as errors.
    public static let coolWarm = ColorMap(stops: [RGB(59, 76, 192), RGB(221, 221, 221), RGB(180, 4, 38)])
}
