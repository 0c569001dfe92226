// 12-bit sequential DCT decoding in Swift (libjpeg-turbo 2.1's TurboJPEG API is 8-bit only).
enum JPEGDCTDecoder {
    static func decode(_ stream: [UInt8], colorTransform: JPEGColorOutput) throws -> CodecImage {
        throw CodecError.unsupported("JPEG: 12-bit DCT streams are not supported by this build")
    }
}
