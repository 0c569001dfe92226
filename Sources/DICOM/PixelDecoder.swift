/// Frame-by-frame pixel decoding with pydicom 3's conventions: stored values, YBR converted to
/// RGB, palette colour left as indices, samples interleaved, little-endian.
extension DICOMFile {
    /// The Image Pixel description (throws a typed error naming the bad attribute).
    public func pixelDescription() throws -> PixelDescription {
        try PixelDescription(dataSet, transferSyntax: transferSyntax)
    }

    /// Number of frames the pixel data actually holds (after checking fragments or length).
    public func frameCount() throws -> Int { try frameLocations().count }

    /// The bytes of frame `index` as stored: native samples, or the frame's compressed codestream.
    public func frameBytes(_ index: Int) throws -> [UInt8] {
        let frames = try frameLocations()
        guard index >= 0, index < frames.count else { throw DICOMError.frameOutOfRange(index: index, count: frames.count) }
        let ranges = frames[index].ranges
        if ranges.count == 1, let r = ranges.first {
            // One fragment or a native frame: the read is already the frame, no second copy.
            let b = try stream.read(at: r.offset, length: r.length)
            guard b.count == r.length else { throw DICOMError.pixelData("frame \(index) truncated at byte \(r.offset + b.count)") }
            return b
        }
        var out: [UInt8] = []
        out.reserveCapacity(frames[index].byteCount)
        for r in ranges {
            let b = try stream.read(at: r.offset, length: r.length)
            guard b.count == r.length else { throw DICOMError.pixelData("frame \(index) truncated at byte \(r.offset + b.count)") }
            out += b
        }
        return out
    }

    /// Decodes frame `index` to stored values.
    public func decodeFrame(_ index: Int) throws -> PixelFrame {
        try decodeFrame(index, desc: pixelDescription())
    }

    /// `decodeFrame(_:)` with the description already parsed (callers that need it anyway).
    func decodeFrame(_ index: Int, desc: PixelDescription) throws -> PixelFrame {
        var frame = try decodeFrameUnchecked(index, desc: desc)
        if desc.isSigned, desc.bitsAllocated >= 8, desc.bitsStored < 8 * frame.sampleType.byteCount {
            Self.signExtend(&frame.data, bytesPerSample: frame.sampleType.byteCount, bitsStored: desc.bitsStored)
        }
        // Every path must produce exactly rows × columns × samples values; anything else is a bug or a lie in the file.
        guard frame.data.count == desc.frameByteCount, frame.sampleType.byteCount == desc.bytesPerSample || desc.bitsAllocated == 1 else {
            throw DICOMError.pixelData("frame \(index) decoded to \(frame.data.count) bytes, expected \(desc.frameByteCount)")
        }
        return frame
    }

    private func decodeFrameUnchecked(_ index: Int, desc: PixelDescription) throws -> PixelFrame {
        let raw = try frameBytes(index)
        if transferSyntax.isNative || transferSyntax.codec == .uncompressed {
            return try decodeNative(raw, desc: desc, frameIndex: index)
        }
        switch transferSyntax.codec {
        case .rle:
            guard desc.bitsAllocated >= 8 else { throw DICOMError.unsupported("RLE with \(desc.bitsAllocated)-bit samples") }
            var data = try RLE.decode(
                raw, rows: desc.rows, columns: desc.columns, samplesPerPixel: desc.samplesPerPixel, bitsAllocated: desc.bitsAllocated)
            var photometric = desc.photometricInterpretation
            if desc.samplesPerPixel == 3, desc.bitsAllocated == 8, photometric.hasPrefix("YBR_FULL") {
                ColorConversion.ybrFullToRGB(&data)
                photometric = "RGB"
            }
            return PixelFrame(
                rows: desc.rows, columns: desc.columns, samplesPerPixel: desc.samplesPerPixel,
                sampleType: desc.sampleType, photometricInterpretation: photometric, data: data)
        case .jpeg, .jpegLS, .jpeg2000, .jpegXL:
            let (frame, warning) = try CodecBridge.decode(raw, codec: transferSyntax.codec, desc: desc, transferSyntax: transferSyntax)
            if let warning { addWarning(warning) }
            return frame
        case .none, .uncompressed:
            throw DICOMError.unsupported("pixel data in transfer syntax \(transferSyntax.uid)")
        }
    }

    private func decodeNative(_ raw: [UInt8], desc: PixelDescription, frameIndex: Int) throws -> PixelFrame {
        var data: [UInt8]
        var photometric = desc.photometricInterpretation
        let values = desc.rows * desc.columns * desc.samplesPerPixel
        if desc.bitsAllocated == 1 {
            let bitOffset = (desc.nativeFrameBits * frameIndex) % 8
            data = [UInt8](repeating: 0, count: values)
            for i in 0..<values {
                let bit = bitOffset + i
                data[i] = (raw[bit >> 3] >> UInt8(bit & 7)) & 1
            }
        } else {
            if desc.isYBR422 && desc.samplesPerPixel == 3 && desc.bitsAllocated != 8 {
                throw DICOMError.unsupported("native YBR_FULL_422 with \(desc.bitsAllocated)-bit samples")
            }
            data = raw
            if transferSyntax.isBigEndian {
                let width = desc.bitsAllocated / 8
                if width > 1 {
                    DataSetParser.swap(&data, width: width)
                } else if pixelDataReference?.vr == .OW {
                    // 8-bit samples in an OW value were written as byte-swapped 16-bit words.
                    data = try swappedWordFrame(desc: desc, frameIndex: frameIndex)
                }
            }
            if desc.isYBR422 && desc.samplesPerPixel == 3 && desc.bitsAllocated == 8 {
                data = ColorConversion.expand422(data, rows: desc.rows, columns: desc.columns)
            } else if desc.samplesPerPixel > 1 && desc.planarConfiguration == 1 {
                data = ColorConversion.interleave(
                    data, pixels: desc.rows * desc.columns, samples: desc.samplesPerPixel, bytesPerSample: desc.bytesPerSample)
            }
        }
        if desc.samplesPerPixel == 3, desc.bitsAllocated == 8, photometric.hasPrefix("YBR_FULL") {
            ColorConversion.ybrFullToRGB(&data)
            photometric = "RGB"
        }
        return PixelFrame(
            rows: desc.rows, columns: desc.columns, samplesPerPixel: desc.samplesPerPixel,
            sampleType: desc.sampleType, photometricInterpretation: photometric, data: data)
    }

    /// Signed samples with Bits Stored below the sample width (12 of 16, 8 of 16): keep the low
    /// Bits Stored bits and sign-extend from the highest of them, as pydicom does, whatever the
    /// writer left in the unused high bits. Idempotent, so codecs that already extend are unharmed.
    static func signExtend(_ data: inout [UInt8], bytesPerSample width: Int, bitsStored bits: Int) {
        guard bits >= 1, bits < 8 * width, width <= 8 else { return }
        let mask: UInt64 = (1 << UInt64(bits)) - 1
        let sign: UInt64 = 1 << UInt64(bits - 1)
        var i = 0
        while i + width <= data.count {
            var v: UInt64 = 0
            for k in 0..<width { v |= UInt64(data[i + k]) << UInt64(8 * k) }
            v &= mask
            if v & sign != 0 { v |= ~mask }
            for k in 0..<width { data[i + k] = UInt8(truncatingIfNeeded: v >> UInt64(8 * k)) }
            i += width
        }
    }

    /// Big-endian OW with 8-bit samples: swap the whole value's words, then cut the frame.
    private func swappedWordFrame(desc: PixelDescription, frameIndex: Int) throws -> [UInt8] {
        guard let ref = pixelDataReference, let length = ref.length else { throw DICOMError.pixelData("no native pixel data") }
        let frameBytes = desc.nativeFrameBits / 8
        let start = frameBytes * frameIndex
        let alignedStart = start & ~1
        let alignedEnd = min(length, (start + frameBytes + 1) & ~1)
        var b = try stream.read(at: ref.offset + alignedStart, length: alignedEnd - alignedStart)
        if b.count % 2 == 1 { b.append(0) }
        DataSetParser.swap(&b, width: 2)
        let lo = start - alignedStart
        guard lo + frameBytes <= b.count else { throw DICOMError.pixelData("frame \(frameIndex) truncated") }
        return Array(b[lo..<(lo + frameBytes)])
    }

    /// Every frame, decoded in order.
    public func decodeAllFrames() throws -> [PixelFrame] {
        try (0..<frameCount()).map(decodeFrame)
    }
}
