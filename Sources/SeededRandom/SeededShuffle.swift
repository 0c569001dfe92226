extension MutableCollection where Self: RandomAccessCollection, Index == Int {
    /// Fisher–Yates, from the last position down, swapping position `i` with `next() % (i + 1)`.
    ///
    /// Written here rather than using `shuffle(using:)`, whose use of the generator the standard
    /// library does not promise to keep across versions: splits, epoch orders and the phantom's
    /// downstream sets are stored or checkpointed, so their order must depend on this file alone.
    /// The modulo draw is biased by less than `count / 2⁶⁴`, nothing at these sizes.
    public mutating func seededShuffle<Generator: RandomNumberGenerator>(_ generator: inout Generator) {
        guard count > 1 else { return }
        for i in stride(from: endIndex - 1, to: startIndex, by: -1) {
            let j = startIndex + Int(generator.next() % UInt64(i - startIndex + 1))
            if i != j { swapAt(i, j) }
        }
    }
}

extension Array {
    /// `count` elements drawn without replacement by a seeded shuffle, kept in their original
    /// order; all of them when `count` is not smaller.
    ///
    /// Any cap or share of a data set goes through here: a plain `prefix` of a table sorted by
    /// class (BUSI's CSV lists every benign image first) would silently train on one class.
    public func seededSubset<Generator: RandomNumberGenerator>(count wanted: Int, using generator: inout Generator) -> [Element] {
        guard wanted < count else { return self }
        var order = [Int](indices)
        order.seededShuffle(&generator)
        return order.prefix(Swift.max(0, wanted)).sorted().map { self[$0] }
    }
}
