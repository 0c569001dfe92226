// JPEG-LS (ITU-T T.87) through CharLS. Interim: the CharLS binding lands in the next commit.
public enum JPEGLS {
    public static func decode(_ stream: [UInt8]) throws -> CodecImage {
        throw CodecError.unsupported("JPEG-LS: decoder not yet wired to CharLS")
    }
}
