import DICOM

/// How the crawl reads ultrasound regions as scanners really write them: boxes that touch or
/// exceed the image (clamped), regions of zero width or height (ignored, with a warning), and
/// negative Physical Delta X/Y (some vendors sign the direction; the spacing is the magnitude).
enum RegionGeometry {
    /// Corners that coincide in x or y: such a region holds no image, whatever its type says.
    static func isZeroArea(_ region: UltrasoundRegion) -> Bool {
        region.minX0 == region.maxX1 || region.minY0 == region.maxY1
    }

    /// The crop box: the largest 2D tissue region clamped to the image, else the largest 2D
    /// region of any data type; zero-area regions never count. Ties keep the first in file order.
    static func tissueBox(_ regions: [UltrasoundRegion], rows: Int, columns: Int) -> PixelBox? {
        let boxed = regions.filter { !isZeroArea($0) }.compactMap { r in r.clampedBox(rows: rows, columns: columns).map { (r, $0) } }
        func largest(_ candidates: [(UltrasoundRegion, PixelBox)]) -> PixelBox? {
            var best: PixelBox?
            for (_, box) in candidates where box.area > (best?.area ?? 0) { best = box }
            return best
        }
        return largest(boxed.filter { $0.0.isTissue2D }) ?? largest(boxed.filter { $0.0.spatialFormat == 1 })
    }
}
