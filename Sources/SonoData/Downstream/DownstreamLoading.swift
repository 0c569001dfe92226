import Foundation
import Imaging

/// A downstream split decoded into memory at the training size: images z-scored per image
/// (the paper's normalisation), masks as 0/1 channels. Small sets by nature, so plain arrays.
public struct DownstreamArrays: Sendable {
    public var ids: [String]
    public var height: Int
    public var width: Int
    /// N×H×W, z-scored per image.
    public var images: [Float]
    /// N×C×H×W with C = `maskChannels`, values 0 or 1 (segmentation only).
    public var masks: [Float]
    public var maskChannels: Int
    /// Raw label texts (classification only).
    public var labels: [String]

    public var count: Int { ids.count }

    /// The rows at `indices`, in that order (used for bootstrap-free subsets such as low-data runs).
    public func subset(_ indices: [Int]) -> DownstreamArrays {
        let plane = height * width
        var out = DownstreamArrays(
            ids: [], height: height, width: width, images: [], masks: [],
            maskChannels: maskChannels, labels: [])
        out.images.reserveCapacity(indices.count * plane)
        for i in indices {
            out.ids.append(ids[i])
            out.images.append(contentsOf: images[(i * plane)..<((i + 1) * plane)])
            if maskChannels > 0, !masks.isEmpty {
                let m = plane * maskChannels
                out.masks.append(contentsOf: masks[(i * m)..<((i + 1) * m)])
            }
            if !labels.isEmpty { out.labels.append(labels[i]) }
        }
        return out
    }
}

extension DownstreamDataset {
    /// Decodes and resizes `samples` to height×width. Errors name the image or mask at fault.
    public func load(_ samples: [DownstreamSample], height: Int, width: Int, task: DownstreamTask) throws -> DownstreamArrays {
        let channels = task == .segmentation ? maskChannels.count : 0
        var out = DownstreamArrays(
            ids: [], height: height, width: width, images: [], masks: [],
            maskChannels: channels, labels: [])
        out.images.reserveCapacity(samples.count * height * width)
        for sample in samples {
            let raster = try DownstreamImageIO.read(sample.imagePath)
            // Area-averaging when shrinking, so speckle does not alias; then the paper's z-score.
            let image = GrayImage(raster).resized(width: width, height: height, method: .area).zScored()
            out.images.append(contentsOf: image.pixels)
            out.ids.append(sample.id)
            if let label = sample.label { out.labels.append(label) }
            if task == .segmentation {
                guard sample.maskPaths.count == channels else {
                    throw DownstreamDataError.missingMask(image: sample.imagePath.path, expected: "\(channels) mask channel(s)")
                }
                for files in sample.maskPaths {
                    var merged = GrayImage(width: raster.width, height: raster.height)
                    for file in files {
                        let mask = try DownstreamImageIO.read(file)
                        guard mask.width == raster.width, mask.height == raster.height else {
                            throw DownstreamDataError.sizeMismatch(
                                image: sample.imagePath.path, imageSize: "\(raster.width)×\(raster.height)",
                                mask: file.path, maskSize: "\(mask.width)×\(mask.height)")
                        }
                        DownstreamImageIO.unionForeground(mask, into: &merged.pixels)
                    }
                    // Area fraction then threshold at ½: a pixel is foreground when most of it was.
                    let small = merged.resized(width: width, height: height, method: .area).pixels
                    out.masks.append(contentsOf: small.map { $0 >= 0.5 ? 1 : 0 })
                }
            }
        }
        return out
    }
}

/// Pixel plumbing for downstream sets: reading through `Imaging` with errors that name the file, mask merging.
enum DownstreamImageIO {
    static func read(_ url: URL) throws -> Raster {
        do {
            let raster = try ImageFile.read(path: url.path)
            guard !raster.isEmpty else { throw DownstreamDataError.unreadableImage(url.path, reason: "empty image") }
            return raster
        } catch let error as DownstreamDataError {
            throw error
        } catch {
            throw DownstreamDataError.unreadableImage(url.path, reason: "\(error)")
        }
    }

    /// Foreground where any colour channel is above 127 (RGB or gray 0/255 masks alike).
    static func unionForeground(_ raster: Raster, into merged: inout [Float]) {
        let c = min(raster.channels, 3)
        let stride = raster.channels
        raster.pixels.withUnsafeBufferPointer { p in
            for i in 0..<merged.count {
                for k in 0..<c where p[i * stride + k] > 127 {
                    merged[i] = 1
                    break
                }
            }
        }
    }
}
