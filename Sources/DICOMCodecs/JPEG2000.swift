// JPEG 2000 (ISO 15444-1, and HTJ2K part 15) through openjpeg. Interim: the openjpeg binding
// lands in the next commit.
public enum JPEG2000 {
    public static func decode(_ stream: [UInt8]) throws -> CodecImage {
        throw CodecError.unsupported("JPEG 2000: decoder not yet wired to openjpeg")
    }
}
