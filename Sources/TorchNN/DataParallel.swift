import Torch

// What torch.nn.parallel.DistributedDataParallel and torch.nn.SyncBatchNorm do, for modules:
// every process holds a full replica, gradients are averaged during each backward pass (Torch's
// GradientReducer), and the replicas stay identical because every process then takes the same
// optimizer step.
extension ProcessGroup {
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
