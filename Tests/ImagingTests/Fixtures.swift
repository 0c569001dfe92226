import Foundation

/// PNGs written byte by byte by Python (zlib + struct only), so the reader is checked against
/// files SonoTag did not write. Generating script (run with any python3):
///
///     import base64, struct, zlib
///     def chunk(kind, data):
///         return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
///     def png(width, height, depth, colour, rows, extra=b""):
///         ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
///         return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra
///                 + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))
///     g16 = [0, 1000, 65535, 256, 32768, 12345]
///     gray16 = png(3, 2, 16, 0, [b"\0" + struct.pack(">3H", *g16[:3]), b"\0" + struct.pack(">3H", *g16[3:])])
///     plte = chunk(b"PLTE", bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]))
///     palette = png(4, 1, 8, 3, [b"\0" + bytes([0, 1, 2, 3])], plte + chunk(b"tRNS", bytes([255, 128])))
///     gray1 = png(8, 1, 1, 0, [b"\0" + bytes([0b10110010])])
///     grayAlpha = png(2, 1, 8, 4, [b"\0" + bytes([10, 255, 200, 0])])
///     r0, r1 = [1, 2, 3, 40, 50, 60], [100, 110, 120, 90, 200, 5]
///     sub = r1[:3] + [(r1[i] - r1[i - 3]) & 255 for i in range(3, 6)]      # "Sub" filter
///     rgbSub = png(2, 2, 8, 2, [b"\0" + bytes(r0), b"\1" + bytes(sub)])
///     rgba16 = png(1, 1, 16, 6, [b"\0" + struct.pack(">4H", 65535, 32768, 0, 32768)])
///     bomb = png(100000, 100000, 8, 0, [b"\0" * 10])
///     for name in ["gray16", "palette", "gray1", "grayAlpha", "rgbSub", "rgba16", "bomb"]:
///         print(name, base64.b64encode(globals()[name]).decode())
enum PNGFixtures {
    static let gray16 = "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACEAAAAADoj+WFAAAAFklEQVR4nGNgYGB+8f8/AyNDA4OBJQAczQPU4YNFsQAAAABJRU5ErkJggg=="
    static let palette =
        "iVBORw0KGgoAAAANSUhEUgAAAAQAAAABCAMAAADO4v//AAAADFBMVEX/AAAA/wAAAP8KFB4iiCkEAAAAAnRSTlP/gAgPs2oAAAANSURBVHicY2BgZGIGAAAPAAeEjpltAAAAAElFTkSuQmCC"
    static let gray1 = "iVBORw0KGgoAAAANSUhEUgAAAAgAAAABAQAAAADLe9LuAAAACklEQVR4nGPYBAAAtACzJBi3ogAAAABJRU5ErkJggg=="
    static let grayAlpha = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAQAAABeK7cBAAAADUlEQVR4nGPg+n+CAQAEugHSoRFfqAAAAABJRU5ErkJggg=="
    static let rgbSub = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGNgZGLWMLJhTMmr+BbVCwAQDgPFt0aAtwAAAABJRU5ErkJggg=="
    static let rgba16 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABEAYAAABPhRjKAAAAEUlEQVR4nGP4/7+BgYGhgQEAEvoC/8xR1SQAAAAASUVORK5CYII="
    static let bomb = "iVBORw0KGgoAAAANSUhEUgABhqAAAYagCAAAAACNOVQUAAAAC0lEQVR4nGNggAEAAAoAAX+AdF4AAAAASUVORK5CYII="
}

/// JPEGs written by Pillow 9.4 (quality 95) and the samples Pillow decodes from them:
///
///     gray = Image.frombytes("L", (8, 2), bytes([i * 16 for i in range(16)]))
///     rgb = Image.frombytes("RGB", (4, 2), bytes([200, 30, 30, 30, 200, 30, 30, 30, 200, 220, 220, 220,
///                                                 10, 10, 10, 120, 60, 0, 0, 120, 60, 60, 0, 120]))
///     for im in (gray, rgb):
///         buf = io.BytesIO(); im.save(buf, "JPEG", quality=95)
///         print(base64.b64encode(buf.getvalue()).decode(), list(Image.open(buf).tobytes()))
enum JPEGFixtures {
    static let gray =
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoKCgoKBggLDAsKDAkKCgr/wAALCAACAAgBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/APqD/gm3+yb+yx/oH/GNHw//AIf+ZNsf/jVf/9k="
    static let grayDecoded: [UInt8] = [0, 15, 32, 48, 64, 80, 96, 112, 128, 143, 160, 176, 192, 208, 224, 240]
    static let rgb =
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoKCgoKBggLDAsKDAkKCgr/2wBDAQICAgICAgUDAwUKBwYHCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgr/wAARCAACAAQDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD837X9rX9qr4V+EvDWm/DD9pn4g+G7bUfDFje6hb6D4zvrNLq5MQiM8ixSqHk8uKJN5y22JFzhQAUUV+l8Of8AJOYH/rzS/wDTcT3sH/Cl/in/AOlyP//Z"
    static let rgbDecoded: [UInt8] = [95, 83, 25, 145, 133, 75, 32, 47, 104, 202, 217, 255, 26, 14, 0, 83, 71, 13, 63, 78, 135, 14, 29, 86]
}

func bytes(base64 text: String) -> [UInt8] {
    [UInt8](Data(base64Encoded: text) ?? Data())
}
