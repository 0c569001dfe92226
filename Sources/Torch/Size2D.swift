/// A (height, width) pair for kernel sizes, strides and paddings. Write `3` for (3, 3) or `[3, 5]`.
public struct Size2D: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, CustomStringConvertible {
    public var height: Int
    public var width: Int

    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }

    public init(_ both: Int) { self.init(both, both) }

    public init(integerLiteral value: Int) { self.init(value, value) }

    /// One element means a square; two mean (height, width). Other counts are a programming error
    /// caught by `validated`, which every op calls.
    public init(arrayLiteral elements: Int...) {
        switch elements.count {
        case 1: self.init(elements[0], elements[0])
        case 2: self.init(elements[0], elements[1])
        default: self.init(-1, -1)
        }
    }

    var int64: [Int64] { [Int64(height), Int64(width)] }

    public var description: String { "(\(height), \(width))" }
}
