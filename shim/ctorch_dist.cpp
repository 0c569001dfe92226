// Data parallel and mixed precision for SonoTag (see include/ctorch_dist.h): c10d's TCPStore and
// ProcessGroupGloo for collectives, a custom autograd function for synchronised batch norm, and
// ATen's autocast for bf16 / fp16 regions. Same rules as ctorch.cpp: noexcept entry points, errors
// as values, only calls that exist in libtorch 1.13 and 2.x.
#include "ctorch_dist.h"

#include "ctorch_internal.hpp"

// c10d's Gloo header declares its classes only for builds with Gloo, which both Debian's
// libtorch and PyPI's wheels are (libtorch_cpu exports c10d::ProcessGroupGloo).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif

#include <ATen/autocast_mode.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>

// NCCL for groups of CUDA ranks, where the engine has it: Package.swift defines SONOTAG_WITH_NCCL
// (and c10d's USE_C10D_NCCL) only for a CUDA libtorch with the nvidia-* headers beside it.
#if defined(SONOTAG_WITH_NCCL)
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

using namespace ctorch_detail;

// The class every c10d backend derives from: ProcessGroup itself in 1.13, Backend since 2.0.
#if TORCH_VERSION_MAJOR >= 2
using GroupBackend = c10d::Backend;
#else
using GroupBackend = c10d::ProcessGroup;
#endif

struct ct_process_group_s {
    std::string address;
    uint16_t port = 0;
    int rank = 0;
    int world = 1;
    std::chrono::milliseconds timeout{0};
    c10::intrusive_ptr<c10d::TCPStore> store;
    c10::intrusive_ptr<GroupBackend> group;
    // NCCL's collectives take CUDA tensors only: host tensors (loss means, counters) go through
    // this device and back.
    bool nccl = false;
    int deviceIndex = -1;

    // The heartbeat ticks on its own store connection so that it never waits behind a collective.
    std::thread heartbeat;
    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;

    ~ct_process_group_s() {
        {
            std::lock_guard<std::mutex> lock(mutex);
            stopping = true;
        }
        wake.notify_all();
        if (heartbeat.joinable()) heartbeat.join();
    }
};

namespace {

constexpr auto kHeartbeatInterval = std::chrono::milliseconds(250);
// DDP's default bucket size: large enough to amortise a collective, small enough to bound the copy.
constexpr int64_t kBucketBytes = 25 * 1024 * 1024;

std::string heartbeat_key(int rank) { return "sonotag/heartbeat/" + std::to_string(rank); }

c10::intrusive_ptr<c10d::TCPStore> connect_store(const std::string &address, uint16_t port,
                                                 std::chrono::milliseconds timeout) {
    c10d::TCPStoreOptions options;
    options.port = port;
    options.isServer = false;
    options.waitWorkers = false;  // not one of the group's members: the server does not count it
    options.timeout = timeout;
    return c10::make_intrusive<c10d::TCPStore>(address, options);
}

bool is_loopback(const std::string &address) {
    return address.rfind("127.", 0) == 0 || address == "localhost" || address == "::1";
}

std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string &master) {
    // torch.distributed's own choice: an explicit interface wins; a loopback master means a
    // single-machine group, which must not depend on the host name resolving.
    if (const char *name = std::getenv("GLOO_SOCKET_IFNAME"); name != nullptr && *name != '\0') {
        return c10d::ProcessGroupGloo::createDeviceForInterface(name);
    }
    if (is_loopback(master)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    return c10d::ProcessGroupGloo::createDefaultDevice();
}

ct_process_group_s &G(ct_process_group group) {
    if (group == nullptr || !group->group) throw std::invalid_argument("null process group handle");
    return *group;
}

// The positions of `tensors`, taken in `order`, packed into buckets of one dtype and device each:
// up to `firstBytes` for the first bucket made, `bytes` for the others (a larger tensor gets one
// of its own). Buckets come kind by kind, in the order each kind first appears.
std::vector<std::vector<size_t>> pack(const std::vector<at::Tensor> &tensors, const std::vector<size_t> &order,
                                      int64_t firstBytes, int64_t bytes) {
    struct Bucket {
        std::vector<size_t> members;
        int64_t filled = 0, cap = 0;
    };
    std::map<std::tuple<int, int, int>, std::vector<Bucket>> byKind;
    std::vector<std::tuple<int, int, int>> kinds;
    bool first = true;
    for (size_t i : order) {
        const at::Tensor &t = tensors[i];
        if (!t.defined()) throw std::invalid_argument("undefined tensor in a collective");
        auto key = std::make_tuple(static_cast<int>(t.scalar_type()), static_cast<int>(t.device().type()),
                                   static_cast<int>(t.device().index()));
        auto &list = byKind[key];
        if (list.empty()) kinds.push_back(key);
        const int64_t size = t.numel() * static_cast<int64_t>(t.element_size());
        if (list.empty() || list.back().filled + size > list.back().cap) {
            list.push_back({{}, 0, first ? firstBytes : bytes});
            first = false;
        }
        list.back().members.push_back(i);
        list.back().filled += size;
    }
    std::vector<std::vector<size_t>> result;
    for (const auto &key : kinds) {
        for (auto &b : byKind[key]) result.push_back(std::move(b.members));
    }
    return result;
}

// The tensors themselves, in their order, in buckets of up to kBucketBytes.
std::vector<std::vector<at::Tensor>> buckets(const std::vector<at::Tensor> &tensors) {
    std::vector<size_t> order(tensors.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::vector<std::vector<at::Tensor>> result;
    for (const auto &members : pack(tensors, order, kBucketBytes, kBucketBytes)) {
        auto &bucket = result.emplace_back();
        for (size_t i : members) bucket.push_back(tensors[i]);
    }
    return result;
}

at::Tensor flatten(const std::vector<at::Tensor> &bucket) {
    std::vector<at::Tensor> flat;
    flat.reserve(bucket.size());
    for (const auto &t : bucket) flat.push_back(t.reshape({-1}));
    return at::cat(flat);
}

void unflatten_into(const at::Tensor &flat, const std::vector<at::Tensor> &bucket) {
    int64_t offset = 0;
    for (const auto &t : bucket) {
        t.copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
        offset += t.numel();
    }
}

// Runs one collective and waits for it; Gloo reports a lost peer or a timeout by throwing here.
void finish(const c10::intrusive_ptr<c10d::Work> &work) { work->wait(); }

// `flat` as the group's backend can take it: itself, or for NCCL a copy on the group's GPU when it
// lives on the host (copy the result back with `settle`).
at::Tensor on_group_device(const ct_process_group_s &g, const at::Tensor &flat) {
    if (!g.nccl || flat.is_cuda()) return flat;
    return flat.to(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(g.deviceIndex)));
}

void settle(const at::Tensor &used, const at::Tensor &flat) {
    if (!used.is_same(flat)) flat.copy_(used);
}

// The group's per-rank statistics, all-gathered into a W×K tensor. Every rank's loss depends on
// every rank's statistics, so the backward pass sums the statistics' gradients over the group and
// keeps this rank's row.
struct GatherStatistics : public torch::autograd::Function<GatherStatistics> {
    static at::Tensor forward(torch::autograd::AutogradContext *ctx, at::Tensor statistics, int64_t handle) {
        auto &g = *reinterpret_cast<ct_process_group_s *>(handle);
        ctx->saved_data["group"] = handle;
        at::Tensor local = statistics.contiguous();
        std::vector<std::vector<at::Tensor>> outputs(1);
        for (int r = 0; r < g.world; ++r) outputs[0].push_back(at::empty_like(local));
        std::vector<at::Tensor> inputs{local};
        finish(g.group->allgather(outputs, inputs));
        return at::stack(outputs[0]);
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads) {
        auto &g = *reinterpret_cast<ct_process_group_s *>(ctx->saved_data["group"].toInt());
        at::Tensor total = grads[0].contiguous().clone();
        std::vector<at::Tensor> tensors{total};
        finish(g.group->allreduce(tensors));
        return {total.select(0, g.rank), at::Tensor()};
    }
};

at::Tensor sync_batch_norm(ct_process_group_s &g, const at::Tensor &input, const c10::optional<at::Tensor> &weight,
                           const c10::optional<at::Tensor> &bias, const c10::optional<at::Tensor> &runningMean,
                           const c10::optional<at::Tensor> &runningVar, double momentum, double eps) {
    if (input.dim() < 2) throw std::invalid_argument("sync batch norm needs an N×C×… input");
    const int64_t channels = input.size(1);
    std::vector<int64_t> reduced{0};
    for (int64_t d = 2; d < input.dim(); ++d) reduced.push_back(d);
    std::vector<int64_t> broadcastShape(static_cast<size_t>(input.dim()), 1);
    broadcastShape[1] = channels;

    // Statistics in fp32 even inside a bf16/fp16 autocast region, as PyTorch's batch norm keeps them.
    const bool low = input.scalar_type() == at::kHalf || input.scalar_type() == at::kBFloat16;
    at::Tensor x = low ? input.to(at::kFloat) : input;
    const int64_t localCount = channels > 0 ? x.numel() / channels : 0;
    auto varMean = at::var_mean(x, reduced, /*unbiased=*/false, /*keepdim=*/false);
    at::Tensor localVar = std::get<0>(varMean), localMean = std::get<1>(varMean);
    at::Tensor count = at::full({1}, static_cast<double>(localCount), x.options());
    at::Tensor gathered = GatherStatistics::apply(at::cat({localMean, localVar, count}),
                                                  static_cast<int64_t>(reinterpret_cast<intptr_t>(&g)));
    at::Tensor means = gathered.narrow(1, 0, channels), vars = gathered.narrow(1, channels, channels);
    at::Tensor counts = gathered.narrow(1, 2 * channels, 1).detach();
    at::Tensor total = counts.sum();
    if (total.item<double>() < 2) throw std::invalid_argument("sync batch norm needs more than one value per channel over the group");
    // Chan et al.'s pairwise combination: exact, no E[x²] − E[x]² cancellation.
    at::Tensor mean = (means * counts).sum(0) / total;
    at::Tensor var = ((vars + (means - mean).pow(2)) * counts).sum(0) / total;
    at::Tensor invstd = at::rsqrt(var + eps);

    at::Tensor scale = weight.has_value() ? invstd * weight->to(x.scalar_type()) : invstd;
    at::Tensor y = (x - mean.view(broadcastShape)) * scale.view(broadcastShape);
    if (bias.has_value()) y = y + bias->to(x.scalar_type()).view(broadcastShape);

    if (runningMean.has_value() && runningVar.has_value()) {
        c10::AutoGradMode noGrad(false);
        at::Tensor unbiased = var.detach() * (total / (total - 1));
        runningMean->mul_(1 - momentum).add_(mean.detach().to(runningMean->scalar_type()) * momentum);
        runningVar->mul_(1 - momentum).add_(unbiased.to(runningVar->scalar_type()) * momentum);
    }
    return low ? y.to(input.scalar_type()) : y;
}

// ---- autocast ----

struct AutocastState {
    int32_t device;
    bool enabled;
    at::ScalarType dtype;
};
thread_local std::vector<AutocastState> autocastStack;

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
// torch 2.4 made autocast per device type; the 1.13 names below are deprecated there.
at::DeviceType autocast_type(int32_t device) { return device < 0 ? at::kCPU : at::kCUDA; }
bool autocast_enabled(int32_t device) { return at::autocast::is_autocast_enabled(autocast_type(device)); }
at::ScalarType autocast_dtype(int32_t device) { return at::autocast::get_autocast_dtype(autocast_type(device)); }
void set_autocast(int32_t device, bool enabled, at::ScalarType dtype) {
    at::autocast::set_autocast_enabled(autocast_type(device), enabled);
    at::autocast::set_autocast_dtype(autocast_type(device), dtype);
}
#else
bool autocast_enabled(int32_t device) { return device < 0 ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled(); }
at::ScalarType autocast_dtype(int32_t device) {
    return device < 0 ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
void set_autocast(int32_t device, bool enabled, at::ScalarType dtype) {
    if (device < 0) {
        at::autocast::set_cpu_enabled(enabled);
        at::autocast::set_autocast_cpu_dtype(dtype);
    } else {
        at::autocast::set_enabled(enabled);
        at::autocast::set_autocast_gpu_dtype(dtype);
    }
}
#endif

// The reducer's per-step state. Hooks hold it weakly, so a hook that outlives the reducer
// (autograd keeps hooks until the parameter dies) finds nothing instead of freed memory.
//
// Which parameters get a gradient is learnt from the previous step, as DDP's static-graph mode
// does: a bucket waits only for those, so a parameter the graph does not use (say, a head that
// is not in the loss) does not hold back every bucket after it. A gradient that turns up in a
// bucket already started, or skipped, marks the bucket late: finish() reduces it again from the
// parameters' gradients. Every member sees the same graph, so all make the same collectives.
struct ReducerState {
    struct Bucket {
        std::vector<size_t> members;    // indices into params
        std::vector<int64_t> offsets;   // of each member in `flat`
        at::Tensor flat;
        size_t pending = 0;             // expected members whose gradient has not arrived
        bool started = false, late = false;
        c10::intrusive_ptr<c10d::Work> work;
    };
    ct_process_group_s *group = nullptr;
    std::vector<at::Tensor> params;
    std::vector<size_t> bucketOf, slotOf;
    std::vector<bool> expected, produced;
    std::vector<Bucket> buckets;
    size_t nextToStart = 0;
    int32_t startedEarly = 0;
    bool armed = false;
    std::mutex mutex;

    size_t expectedCount(const Bucket &b) const {
        size_t n = 0;
        for (size_t i : b.members) n += expected[i] ? 1 : 0;
        return n;
    }

    void arm() {
        std::lock_guard<std::mutex> lock(mutex);
        // A backward pass that threw leaves the reducer armed: its started collectives are
        // waited for (their errors are the failed step's, already reported) before the next step.
        for (auto &b : buckets) {
            try {
                wait(b.work);
            } catch (...) {
            }
        }
        for (auto &b : buckets) {
            b.pending = expectedCount(b);
            b.started = b.late = false;
            b.work.reset();
            b.flat.zero_();
        }
        std::fill(produced.begin(), produced.end(), false);
        nextToStart = 0;
        startedEarly = 0;
        armed = true;
        advance(false);
    }

    // Starts, in order, the buckets whose expected gradients are all in; passes over buckets
    // that expect none (finish() starts them if a gradient came after all).
    void advance(bool counting) {
        while (nextToStart < buckets.size() && buckets[nextToStart].pending == 0) {
            Bucket &b = buckets[nextToStart];
            if (expectedCount(b) > 0) {
                start(b);
                if (counting) startedEarly += 1;
            }
            nextToStart += 1;
        }
    }

    // Called from the autograd engine with parameter i's whole gradient for this backward pass.
    void arrived(size_t i, const at::Tensor &grad) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!armed || produced[i]) return;  // other passes (autograd.grad diagnostics) are not ours
        produced[i] = true;
        Bucket &b = buckets[bucketOf[i]];
        if (b.started || bucketOf[i] < nextToStart) {
            b.late = true;
            return;
        }
        const at::Tensor &p = params[i];
        c10::AutoGradMode noGrad(false);
        b.flat.narrow(0, b.offsets[slotOf[i]], p.numel()).view(p.sizes()).copy_(grad);
        if (expected[i]) b.pending -= 1;
        advance(true);
    }

    void start(Bucket &b) {
        std::vector<at::Tensor> tensors{b.flat};
        b.work = group->group->allreduce(tensors);
        b.started = true;
    }

    bool anyProduced(const Bucket &b) const {
        for (size_t i : b.members) {
            if (produced[i]) return true;
        }
        return false;
    }

    int32_t finish(bool average) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!armed) throw std::logic_error("gradient reducer finished without arm");
        armed = false;
        for (; nextToStart < buckets.size(); ++nextToStart) {
            if (anyProduced(buckets[nextToStart])) start(buckets[nextToStart]);
        }
        c10::AutoGradMode noGrad(false);
        for (auto &b : buckets) {
            if (b.late) {
                // The parameters' gradients are still this member's own: reduce them again.
                wait(b.work);
                b.flat.zero_();
                for (size_t k = 0; k < b.members.size(); ++k) {
                    const at::Tensor &p = params[b.members[k]];
                    if (produced[b.members[k]] && p.grad().defined()) {
                        b.flat.narrow(0, b.offsets[k], p.numel()).view(p.sizes()).copy_(p.grad());
                    }
                }
                start(b);
            }
        }
        for (auto &b : buckets) {
            if (!b.started) continue;
            wait(b.work);
            if (average) b.flat.div_(static_cast<double>(group->world));
            for (size_t k = 0; k < b.members.size(); ++k) {
                const size_t i = b.members[k];
                if (!produced[i]) continue;
                at::Tensor grad = params[i].grad();
                if (grad.defined()) grad.copy_(b.flat.narrow(0, b.offsets[k], params[i].numel()).view(params[i].sizes()));
            }
        }
        expected = produced;
        return startedEarly;
    }

    static void wait(const c10::intrusive_ptr<c10d::Work> &work) {
        if (work) work->wait();
    }
};

}  // namespace

struct ct_grad_reducer_s {
    std::shared_ptr<ReducerState> state;
    std::vector<std::pair<at::Tensor, unsigned>> hooks;

    ct_grad_reducer_s(ct_process_group_s &g, const std::vector<at::Tensor> &params, int64_t firstBytes, int64_t bytes)
        : state(std::make_shared<ReducerState>()) {
        state->group = &g;
        state->params = params;
        state->bucketOf.assign(params.size(), 0);
        state->slotOf.assign(params.size(), 0);
        state->produced.assign(params.size(), false);
        state->expected.assign(params.size(), true);
        for (const at::Tensor &p : params) {
            if (!p.defined() || !p.requires_grad()) throw std::invalid_argument("gradient reducer: every parameter must require grad");
        }
        // Reverse order: backward reaches the last layers first, so their bucket fills first.
        std::vector<size_t> order(params.size());
        for (size_t k = 0; k < order.size(); ++k) order[k] = order.size() - 1 - k;
        for (const auto &members : pack(params, order, firstBytes, bytes)) {
            auto &b = state->buckets.emplace_back();
            for (size_t r : members) {
                state->bucketOf[r] = state->buckets.size() - 1;
                state->slotOf[r] = b.members.size();
                b.offsets.push_back(b.members.empty() ? 0 : b.offsets.back() + params[b.members.back()].numel());
                b.members.push_back(r);
            }
        }
        for (auto &b : state->buckets) {
            const at::Tensor &last = params[b.members.back()];
            const int64_t total = b.offsets.back() + last.numel();
            b.flat = at::zeros({total}, last.options().requires_grad(false));
        }
        std::weak_ptr<ReducerState> weak = state;
        for (size_t i = 0; i < params.size(); ++i) {
            unsigned handle = params[i].register_hook([weak, i](const at::Tensor &grad) {
                if (auto s = weak.lock()) s->arrived(i, grad);
            });
            hooks.emplace_back(params[i], handle);
        }
    }

    ~ct_grad_reducer_s() {
        for (auto &[tensor, handle] : hooks) {
            try {
                tensor.remove_hook(handle);
            } catch (...) {
            }
        }
    }
};

extern "C" {

bool ct_dist_nccl_available(void) noexcept {
#if defined(SONOTAG_WITH_NCCL)
    return true;
#else
    return false;
#endif
}

ct_error ct_dist_init(const char *master_addr, int32_t master_port, int32_t rank, int32_t world_size,
                      int64_t timeout_ms, const char *backend, int32_t cuda_device, ct_process_group *out) noexcept {
    return guarded([&] {
        if (out == nullptr) throw std::invalid_argument("null output pointer");
        const std::string backendName = backend == nullptr ? "gloo" : backend;
        if (backendName != "gloo" && backendName != "nccl") {
            throw std::invalid_argument("backend '" + backendName + "' is not one of gloo, nccl");
        }
        if (backendName == "nccl") {
            if (!ct_dist_nccl_available()) {
                throw std::invalid_argument("backend nccl: this libtorch was built without NCCL (a CUDA pip torch has it)");
            }
            if (cuda_device < 0) throw std::invalid_argument("backend nccl needs a CUDA device for this rank");
        }
        if (master_addr == nullptr || *master_addr == '\0') throw std::invalid_argument("empty master address");
        if (master_port < 1 || master_port > 65535) throw std::invalid_argument("master port " + std::to_string(master_port) + " is not in 1...65535");
        if (world_size < 1 || rank < 0 || rank >= world_size) {
            throw std::invalid_argument("rank " + std::to_string(rank) + " is outside a world of " + std::to_string(world_size));
        }
        if (timeout_ms < 1) throw std::invalid_argument("timeout must be positive");
        auto g = std::make_unique<ct_process_group_s>();
        g->address = master_addr;
        g->port = static_cast<uint16_t>(master_port);
        g->rank = rank;
        g->world = world_size;
        g->timeout = std::chrono::milliseconds(timeout_ms);

        c10d::TCPStoreOptions options;
        options.port = g->port;
        options.isServer = rank == 0;
        options.numWorkers = static_cast<size_t>(world_size);
        options.waitWorkers = true;
        options.timeout = g->timeout;
        const std::string where = std::string(rank == 0 ? "cannot host" : "cannot reach") + " the rendezvous store at " +
                                  g->address + ":" + std::to_string(master_port) + ": ";
        try {
            g->store = c10::make_intrusive<c10d::TCPStore>(g->address, options);
        } catch (const c10::Error &e) {
            throw std::runtime_error(where + e.what_without_backtrace());
        } catch (const std::exception &e) {
            throw std::runtime_error(where + e.what());
        }
        if (backendName == "nccl") {
#if defined(SONOTAG_WITH_NCCL)
            // The rank's own GPU is current before NCCL makes its communicator, as
            // torch.distributed asks of its users (torch.cuda.set_device(local_rank)).
            c10::cuda::set_device(static_cast<c10::DeviceIndex>(cuda_device));
            auto ncclOptions = c10d::ProcessGroupNCCL::Options::create();
            ncclOptions->timeout = g->timeout;
            g->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(g->store, rank, world_size, ncclOptions);
            g->nccl = true;
            g->deviceIndex = cuda_device;
#endif
        } else {
            auto groupOptions = c10d::ProcessGroupGloo::Options::create(g->timeout);
            groupOptions->devices.push_back(gloo_device(g->address));
            g->group = c10::make_intrusive<c10d::ProcessGroupGloo>(g->store, rank, world_size, groupOptions);
        }

        g->store->add(heartbeat_key(rank), 1);
        auto beatStore = connect_store(g->address, g->port, g->timeout);
        ct_process_group_s *raw = g.get();
        g->heartbeat = std::thread([raw, beatStore] {
            for (;;) {
                try {
                    beatStore->add(heartbeat_key(raw->rank), 1);
                } catch (...) {
                    return;  // the store is gone; a collective will report it
                }
                std::unique_lock<std::mutex> lock(raw->mutex);
                if (raw->wake.wait_for(lock, kHeartbeatInterval, [raw] { return raw->stopping; })) return;
            }
        });
        *out = g.release();
    });
}

void ct_dist_free(ct_process_group group) noexcept {
    try {
        delete group;
    } catch (...) {
    }
}

ct_error ct_dist_rank(ct_process_group group, int32_t *rank, int32_t *world_size) noexcept {
    return guarded([&] {
        auto &g = G(group);
        if (rank == nullptr || world_size == nullptr) throw std::invalid_argument("null output pointer");
        *rank = g.rank;
        *world_size = g.world;
    });
}

ct_error ct_dist_all_reduce(ct_process_group group, const ct_tensor *tensors, int64_t count, bool average) noexcept {
    return guarded([&] {
        auto &g = G(group);
        if (count < 0 || (count > 0 && tensors == nullptr)) throw std::invalid_argument("bad tensor list");
        std::vector<at::Tensor> list;
        for (int64_t i = 0; i < count; ++i) list.push_back(T(tensors[i]));
        c10::AutoGradMode noGrad(false);
        for (const auto &bucket : buckets(list)) {
            at::Tensor host = flatten(bucket);
            std::vector<at::Tensor> flat{on_group_device(g, host)};
            finish(g.group->allreduce(flat));
            if (average) flat[0].div_(static_cast<double>(g.world));
            settle(flat[0], host);
            unflatten_into(host, bucket);
        }
    });
}

ct_error ct_dist_broadcast(ct_process_group group, const ct_tensor *tensors, int64_t count, int32_t root) noexcept {
    return guarded([&] {
        auto &g = G(group);
        if (root < 0 || root >= g.world) throw std::invalid_argument("broadcast root " + std::to_string(root) + " is outside the group");
        if (count < 0 || (count > 0 && tensors == nullptr)) throw std::invalid_argument("bad tensor list");
        std::vector<at::Tensor> list;
        for (int64_t i = 0; i < count; ++i) list.push_back(T(tensors[i]));
        c10::AutoGradMode noGrad(false);
        c10d::BroadcastOptions options;
        options.rootRank = root;
        for (const auto &bucket : buckets(list)) {
            at::Tensor host = flatten(bucket);
            std::vector<at::Tensor> flat{on_group_device(g, host)};
            finish(g.group->broadcast(flat, options));
            settle(flat[0], host);
            unflatten_into(host, bucket);
        }
    });
}

ct_error ct_grad_reducer_new(ct_process_group group, const ct_tensor *params, int64_t count, int64_t first_bucket_bytes,
                             int64_t bucket_bytes, ct_grad_reducer *out) noexcept {
    return guarded([&] {
        auto &g = G(group);
        if (out == nullptr) throw std::invalid_argument("null output pointer");
        if (count < 0 || (count > 0 && params == nullptr)) throw std::invalid_argument("bad tensor list");
        if (first_bucket_bytes < 1 || bucket_bytes < 1) throw std::invalid_argument("bucket sizes must be positive");
        std::vector<at::Tensor> list;
        for (int64_t i = 0; i < count; ++i) list.push_back(T(params[i]));
        auto reducer = std::make_unique<ct_grad_reducer_s>(g, list, first_bucket_bytes, bucket_bytes);
        *out = reducer.release();
    });
}

void ct_grad_reducer_free(ct_grad_reducer reducer) noexcept {
    try {
        delete reducer;
    } catch (...) {
    }
}

ct_error ct_grad_reducer_arm(ct_grad_reducer reducer) noexcept {
    return guarded([&] {
        if (reducer == nullptr) throw std::invalid_argument("null reducer handle");
        reducer->state->arm();
    });
}

ct_error ct_grad_reducer_finish(ct_grad_reducer reducer, bool average, int32_t *started_early) noexcept {
    return guarded([&] {
        if (reducer == nullptr) throw std::invalid_argument("null reducer handle");
        const int32_t early = reducer->state->finish(average);
        if (started_early != nullptr) *started_early = early;
    });
}

ct_error ct_grad_reducer_bucket_count(ct_grad_reducer reducer, int32_t *count) noexcept {
    return guarded([&] {
        if (reducer == nullptr || count == nullptr) throw std::invalid_argument("null handle");
        *count = static_cast<int32_t>(reducer->state->buckets.size());
    });
}

ct_error ct_dist_barrier(ct_process_group group) noexcept {
    return guarded([&] { finish(G(group).group->barrier()); });
}

ct_error ct_dist_silent_ranks(ct_process_group group, int64_t wait_ms, int32_t *ranks, int32_t capacity,
                              int32_t *count) noexcept {
    return guarded([&] {
        auto &g = G(group);
        if (count == nullptr || (capacity > 0 && ranks == nullptr)) throw std::invalid_argument("null output pointer");
        std::vector<int32_t> silent;
        try {
            auto probe = connect_store(g.address, g.port, std::chrono::milliseconds(std::max<int64_t>(wait_ms, 500)));
            std::vector<int64_t> before;
            for (int r = 0; r < g.world; ++r) before.push_back(probe->add(heartbeat_key(r), 0));
            std::this_thread::sleep_for(std::chrono::milliseconds(std::max<int64_t>(wait_ms, 0)));
            for (int r = 0; r < g.world; ++r) {
                if (r != g.rank && probe->add(heartbeat_key(r), 0) == before[static_cast<size_t>(r)]) silent.push_back(r);
            }
        } catch (...) {
            // The store lives in rank 0's process: unreachable means rank 0 is gone.
            if (g.rank != 0) silent.push_back(0);
        }
        *count = static_cast<int32_t>(silent.size());
        for (int32_t i = 0; i < std::min<int32_t>(capacity, *count); ++i) ranks[i] = silent[static_cast<size_t>(i)];
    });
}

ct_error ct_sync_batch_norm(ct_process_group group, ct_tensor input, ct_tensor weight, ct_tensor bias,
                            ct_tensor running_mean, ct_tensor running_var, double momentum, double eps,
                            ct_tensor *out) noexcept {
    return guarded([&] {
        if (out == nullptr) throw std::invalid_argument("null output pointer");
        *out = wrap(sync_batch_norm(G(group), T(input), opt(weight), opt(bias), opt(running_mean), opt(running_var),
                                    momentum, eps));
    });
}

ct_error ct_autocast_enter(int32_t device, int32_t dtype) noexcept {
    return guarded([&] {
        at::ScalarType type = scalar_type(dtype);
        if (type != at::kBFloat16 && type != at::kHalf) throw std::invalid_argument("autocast computes in bfloat16 or float16 only");
        if (device < 0 && type != at::kBFloat16) {
            throw std::invalid_argument("CPU autocast supports bfloat16 only (float16 needs a CUDA device)");
        }
        if (device >= 0 && !at::hasCUDA()) throw std::runtime_error("CUDA autocast requested, but this libtorch has no CUDA support or no GPU is visible");
        autocastStack.push_back({device, autocast_enabled(device), autocast_dtype(device)});
        set_autocast(device, true, type);
        at::autocast::increment_nesting();
    });
}

ct_error ct_autocast_exit(int32_t device) noexcept {
    return guarded([&] {
        if (autocastStack.empty() || autocastStack.back().device != device) {
            throw std::logic_error("autocast exit without a matching enter on this thread");
        }
        AutocastState previous = autocastStack.back();
        autocastStack.pop_back();
        // Casted weights are cached for the outermost region only, as torch.autocast does.
        if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
        set_autocast(device, previous.enabled, previous.dtype);
    });
}

}  // extern "C"
