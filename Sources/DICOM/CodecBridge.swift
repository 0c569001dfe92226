import DICOMCodecs

/// Adapter between encapsulated frames and the DICOMCodecs module: checks the codestream
/// against the header, decides the colour handling, and shapes the output as pydicom does.
enum CodecBridge {
    /// Decodes one compressed frame; returns a warning when the stream's colour space
    /// contradicts the declared Photometric Interpretation (the stream is followed).
    static func decode(_ stream: [UInt8], codec: TransferSyntax.Codec, desc: PixelDescription, transferSyntax: TransferSyntax) throws -> (
        PixelFrame, String?
    ) {
        do {
            switch codec {
            case .jpeg: return try decodeJPEG(stream, desc: desc)
            case .jpegLS:
                return (try shape(JPEGLS.decode(stream), desc: desc, photometric: desc.photometricInterpretation, convertYBR: true), nil)
            case .jpeg2000: return try decodeJPEG2000(stream, desc: desc)
            case .jpegXL: return (try decodeJPEGXL(stream, desc: desc, transferSyntax: transferSyntax), nil)
            default: throw DICOMError.unsupported("codec for \(transferSyntax.uid)")
            }
        } catch let e as CodecError {
            throw DICOMError.codec("\(transferSyntax.uid): \(e)")
        }
    }

    private static func isYBR(_ photometric: String) -> Bool { photometric.hasPrefix("YBR") }

    static func decodeJPEG(_ stream: [UInt8], desc: PixelDescription) throws -> (PixelFrame, String?) {
        let info = try JPEG.info(stream)
        var warning: String?
        if info.process == .lossless {
            return (
                try shape(
                    JPEG.decode(stream, colorTransform: .native), desc: desc, photometric: desc.photometricInterpretation, convertYBR: true),
                nil
            )
        }
        guard info.components == 3 else {
            return (
                try shape(
                    JPEG.decode(stream, colorTransform: .native), desc: desc, photometric: desc.photometricInterpretation, convertYBR: false
                ), nil
            )
        }
        // What the stream says wins; only when it says nothing does the header decide.
        let declaredYCbCr = isYBR(desc.photometricInterpretation)
        let streamYCbCr: Bool
        if let stated = info.statedColorModel {
            streamYCbCr = stated == .ycbcr
            if streamYCbCr != declaredYCbCr {
                warning =
                    "JPEG stream is \(streamYCbCr ? "YCbCr" : "RGB") (JFIF/Adobe/component ids) but Photometric Interpretation is \(desc.photometricInterpretation); following the stream"
            }
        } else {
            streamYCbCr = declaredYCbCr
        }
        let image: CodecImage
        var frame: PixelFrame
        if streamYCbCr && info.isYCbCrPerLibjpeg {
            image = try JPEG.decode(stream, colorTransform: .rgb)
            frame = try shape(image, desc: desc, photometric: "RGB", convertYBR: false)
        } else {
            image = try JPEG.decode(stream, colorTransform: .native)
            frame = try shape(image, desc: desc, photometric: streamYCbCr ? "YBR_FULL" : "RGB", convertYBR: streamYCbCr)
        }
        frame.photometricInterpretation = "RGB"
        return (frame, warning)
    }

    static func decodeJPEG2000(_ stream: [UInt8], desc: PixelDescription) throws -> (PixelFrame, String?) {
        let info = try JPEG2000.info(stream)
        let image = try JPEG2000.decode(stream)
        // openjpeg inverts RCT/ICT itself; a YBR_FULL header without an MCT still needs converting.
        let transformed = info.componentTransform != .none
        var photometric = desc.photometricInterpretation
        if transformed && image.components == 3 { photometric = "RGB" }
        var warning: String?
        if image.components == 3 && transformed && !isYBR(desc.photometricInterpretation) {
            warning =
                "JPEG 2000 stream applies a colour transform but Photometric Interpretation is \(desc.photometricInterpretation); output is RGB"
        }
        return (try shape(image, desc: desc, photometric: photometric, convertYBR: !transformed), warning)
    }

    static func decodeJPEGXL(_ stream: [UInt8], desc: PixelDescription, transferSyntax: TransferSyntax) throws -> PixelFrame {
        let image = try JPEGXL.decode(stream)
        // A recompressed JPEG keeps its YCbCr coefficients (hence the YBR_FULL_422 header), and
        // libjxl turns them into RGB pixels itself. The other two syntaxes code the samples the
        // writer had: like JPEG-LS, the header says what they are, YBR_FULL converted as pydicom does.
        if transferSyntax == .jpegXLJPEGRecompression {
            return try shape(
                image, desc: desc, photometric: image.components == 3 ? "RGB" : desc.photometricInterpretation, convertYBR: false)
        }
        return try shape(image, desc: desc, photometric: desc.photometricInterpretation, convertYBR: true)
    }

    /// Checks geometry, fits samples to the header's type (widening, sign extension from
    /// Bits Stored), and converts YBR_FULL to RGB as pydicom does.
    static func shape(_ img: CodecImage, desc: PixelDescription, photometric: String, convertYBR: Bool) throws -> PixelFrame {
        guard img.width == desc.columns, img.height == desc.rows else {
            throw DICOMError.pixelData("codestream is \(img.width)×\(img.height), header says \(desc.columns)×\(desc.rows)")
        }
        guard img.components == desc.samplesPerPixel else {
            throw DICOMError.pixelData("codestream has \(img.components) components, Samples per Pixel is \(desc.samplesPerPixel)")
        }
        let outWidth = desc.bytesPerSample
        guard outWidth >= img.bytesPerSample, outWidth <= 4 else {
            throw DICOMError.pixelData("codestream has \(img.bitsPerSample)-bit samples, Bits Allocated is \(desc.bitsAllocated)")
        }
        let count = img.width * img.height * img.components
        var data: [UInt8]
        if outWidth == img.bytesPerSample && !(desc.isSigned && !img.isSigned && desc.bitsStored < 8 * outWidth) {
            data = img.data
        } else {
            data = [UInt8](repeating: 0, count: count * outWidth)
            let bits = desc.bitsStored
            for i in 0..<count {
                var v: Int
                if img.bytesPerSample == 1 {
                    v = img.isSigned ? Int(Int8(bitPattern: img.data[i])) : Int(img.data[i])
                } else {
                    let u = UInt16(img.data[2 * i]) | UInt16(img.data[2 * i + 1]) << 8
                    v = img.isSigned ? Int(Int16(bitPattern: u)) : Int(u)
                }
                // An unsigned stream under a signed header holds Bits Stored two's-complement bits.
                if desc.isSigned && !img.isSigned && bits < 64 && v >= 1 << (bits - 1) { v -= 1 << bits }
                for k in 0..<outWidth { data[i * outWidth + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
            }
        }
        var photometric = photometric
        if convertYBR && desc.samplesPerPixel == 3 && outWidth == 1 && photometric.hasPrefix("YBR_FULL") {
            ColorConversion.ybrFullToRGB(&data)
            photometric = "RGB"
        }
        return PixelFrame(
            rows: desc.rows, columns: desc.columns, samplesPerPixel: desc.samplesPerPixel,
            sampleType: desc.sampleType, photometricInterpretation: photometric, data: data)
    }
}
