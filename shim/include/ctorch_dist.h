/*
 * ctorch_dist: data-parallel training and mixed precision over libtorch's c10d and autocast,
 * with the same conventions as ctorch.h (noexcept, errors as owned values, owned out-handles).
 */
#ifndef CTORCH_DIST_H
#define CTORCH_DIST_H

#include "ctorch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_process_group_s *ct_process_group;

/* ---- process groups (c10d TCPStore + ProcessGroupGloo or ProcessGroupNCCL) ---- */

/* Whether this build can make NCCL groups (a CUDA libtorch with NCCL's headers at build time). */
bool ct_dist_nccl_available(void) CT_NOEXCEPT;

/* Joins a group of `world_size` processes: rank 0 hosts the TCPStore at master_addr:master_port,
 * the others connect to it, then the backend connects every pair: "gloo" (CPU tensors, CUDA ones
 * through host copies) or "nccl" (this rank on CUDA device `cuda_device`; host tensors passed to
 * the collectives go through that device). `timeout_ms` bounds the rendezvous and every
 * collective. Each member also ticks a heartbeat in the store (see ct_dist_silent_ranks). */
ct_error ct_dist_init(const char *master_addr, int32_t master_port, int32_t rank, int32_t world_size,
                      int64_t timeout_ms, const char *backend, int32_t cuda_device, ct_process_group *out) CT_NOEXCEPT;
void ct_dist_free(ct_process_group group) CT_NOEXCEPT;
ct_error ct_dist_rank(ct_process_group group, int32_t *rank, int32_t *world_size) CT_NOEXCEPT;

/* Sums `tensors` in place across the group (divided by the world size when `average`). Tensors are
 * packed into flat buckets per dtype and device, one collective per bucket. */
ct_error ct_dist_all_reduce(ct_process_group group, const ct_tensor *tensors, int64_t count, bool average) CT_NOEXCEPT;
/* Overwrites `tensors` in place with rank `root`'s values (autograd is not recorded). */
ct_error ct_dist_broadcast(ct_process_group group, const ct_tensor *tensors, int64_t count, int32_t root) CT_NOEXCEPT;
ct_error ct_dist_barrier(ct_process_group group) CT_NOEXCEPT;

/* A gradient reducer over `params` (leaf tensors that require grad): c10d's Reducer idea for
 * backward passes that overlap communication. The parameters are packed, in reverse order (about
 * the order backward produces their gradients), into flat buckets of at most `bucket_bytes`
 * (`first_bucket_bytes` for the first, so that communication starts early). While armed, a hook on
 * each parameter copies its gradient into its bucket, and a bucket whose gradients are all there
 * starts its all-reduce at once, in bucket order (the same order on every rank, whatever the
 * hooks' order). ct_grad_reducer_finish starts the buckets backward left (a gradient it did not
 * produce counts as zero and is not written back), waits for all, writes the sum (the mean when
 * `average`) into each produced gradient and disarms; `started_early` receives how many buckets
 * had started before it was called. The group must outlive the reducer. */
typedef struct ct_grad_reducer_s *ct_grad_reducer;
ct_error ct_grad_reducer_new(ct_process_group group, const ct_tensor *params, int64_t count, int64_t first_bucket_bytes,
                             int64_t bucket_bytes, ct_grad_reducer *out) CT_NOEXCEPT;
void ct_grad_reducer_free(ct_grad_reducer reducer) CT_NOEXCEPT;
ct_error ct_grad_reducer_arm(ct_grad_reducer reducer) CT_NOEXCEPT;
ct_error ct_grad_reducer_finish(ct_grad_reducer reducer, bool average, int32_t *started_early) CT_NOEXCEPT;
/* How many buckets the reducer packed its parameters into. */
ct_error ct_grad_reducer_bucket_count(ct_grad_reducer reducer, int32_t *count) CT_NOEXCEPT;

/* After a failed collective: the ranks whose heartbeat did not advance during `wait_ms` (rank 0
 * when the store it hosts is unreachable). Writes at most `capacity` ranks, ascending. */
ct_error ct_dist_silent_ranks(ct_process_group group, int64_t wait_ms, int32_t *ranks, int32_t capacity,
                              int32_t *count) CT_NOEXCEPT;

/* Batch norm (training mode, N×C×… input) over the whole group's batch: per-rank means and
 * variances are all-gathered and combined exactly, and the backward pass all-reduces the
 * statistics' gradients, as torch.nn.SyncBatchNorm does. Running statistics (may be NULL) are
 * updated with the global mean and unbiased variance. */
ct_error ct_sync_batch_norm(ct_process_group group, ct_tensor input, ct_tensor weight, ct_tensor bias,
                            ct_tensor running_mean, ct_tensor running_var, double momentum, double eps,
                            ct_tensor *out) CT_NOEXCEPT;

/* ---- mixed precision (ATen autocast) ---- */

/* Enters an autocast region on `device` (CT_CPU or a CUDA index) computing in `dtype`
 * (CT_BFLOAT16 or CT_FLOAT16); regions nest. ct_autocast_exit restores the enclosing state. */
ct_error ct_autocast_enter(int32_t device, int32_t dtype) CT_NOEXCEPT;
ct_error ct_autocast_exit(int32_t device) CT_NOEXCEPT;

#ifdef __cplusplus
}
#endif
#endif
