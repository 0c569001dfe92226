import Torch

// What torch.nn.parallel.DistributedDataParallel and torch.nn.SyncBatchNorm do, for modules:
// every process holds a full replica, gradients are averaged after each backward pass, and the
// replicas stay identical because every process then takes the same optimizer step.
extension ProcessGroup {
    /// Averages the gradients of `module`'s parameters over the group, in buckets. Parameters
    /// without a gradient are skipped; every process runs the same graph, so they skip the same.
    public func averageGradients(of module: any Module) throws {
        try allReduce(module.parameters().compactMap(\.grad), average: true)
    }

    /// Makes every replica start from rank `root`'s parameters and buffers.
    public func broadcastState(of module: any Module, from root: Int = 0) throws {
        try broadcast(module.stateDict().map(\.tensor), from: root)
    }
}

extension Module {
    /// Makes every `BatchNorm2d` inside compute its training statistics over `group`'s whole
    /// batch (nil: this process's batch alone, the default).
    public func synchronizeBatchNorm(over group: ProcessGroup?) {
        for (_, module) in namedModules() { (module as? BatchNorm2d)?.synchronization = group }
    }
}
