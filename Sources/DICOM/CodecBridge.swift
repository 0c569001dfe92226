/// Adapter between encapsulated frames and the DICOMCodecs module.
enum CodecBridge {
    /// Decodes one compressed frame; returns a warning when the stream's colour space
    /// contradicts the declared Photometric Interpretation (the stream is followed).
    static func decode(_ stream: [UInt8], codec: TransferSyntax.Codec, desc: PixelDescription, transferSyntax: TransferSyntax) throws -> (PixelFrame, String?) {
        throw DICOMError.unsupported("\(codec) decoding (DICOMCodecs not yet merged)")
    }
}
