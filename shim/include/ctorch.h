/*
 * ctorch: a small extern "C" layer over libtorch's ATen and autograd, consumed by Swift.
 *
 * Conventions (every entry point follows them):
 *  - Every function is noexcept and returns a `ct_error`: NULL on success, otherwise an owned
 *    error the caller frees with ct_error_free. No thread-local "last error" exists.
 *  - Results come back through out-parameters. Tensor results are new owned handles that the
 *    caller frees with ct_tensor_free.
 *  - Optional tensor arguments may be NULL. Devices are encoded as int32: -1 = CPU, n >= 0 = cuda:n.
 *  - Scalars cross as double; exact 64-bit integers use the *_int64 variants where they matter.
 */
#ifndef CTORCH_H
#define CTORCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
#define CT_NOEXCEPT noexcept
#else
#define CT_NOEXCEPT
#endif

typedef struct ct_tensor_s *ct_tensor;
typedef struct ct_error_s *ct_error;

/* Stable dtype codes (independent of c10::ScalarType numbering). */
typedef enum {
    CT_FLOAT32 = 0,
    CT_FLOAT16 = 1,
    CT_BFLOAT16 = 2,
    CT_FLOAT64 = 3,
    CT_INT64 = 4,
    CT_INT32 = 5,
    CT_UINT8 = 6,
    CT_BOOL = 7,
    CT_INT8 = 8,
    CT_INT16 = 9,
} ct_dtype;

#define CT_CPU (-1)

/* ---- errors, strings, versions ---- */
const char *ct_error_message(ct_error error) CT_NOEXCEPT;
void ct_error_free(ct_error error) CT_NOEXCEPT;
void ct_string_free(char *string) CT_NOEXCEPT;
const char *ct_version(void) CT_NOEXCEPT;

/* ---- runtime ---- */
ct_error ct_manual_seed(uint64_t seed) CT_NOEXCEPT;
ct_error ct_set_num_threads(int32_t count) CT_NOEXCEPT;
ct_error ct_get_num_threads(int32_t *count) CT_NOEXCEPT;
ct_error ct_cuda_device_count(int32_t *count) CT_NOEXCEPT;
ct_error ct_set_grad_enabled(bool enabled) CT_NOEXCEPT;
ct_error ct_is_grad_enabled(bool *enabled) CT_NOEXCEPT;

/* ---- lifetime and metadata ---- */
void ct_tensor_free(ct_tensor tensor) CT_NOEXCEPT;
ct_error ct_shallow_clone(ct_tensor t, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_ndim(ct_tensor t, int64_t *out) CT_NOEXCEPT;
/* Writes min(ndim, capacity) sizes into `sizes`. */
ct_error ct_sizes(ct_tensor t, int64_t *sizes, int64_t capacity) CT_NOEXCEPT;
ct_error ct_numel(ct_tensor t, int64_t *out) CT_NOEXCEPT;
ct_error ct_dtype_of(ct_tensor t, int32_t *out) CT_NOEXCEPT;
ct_error ct_device_of(ct_tensor t, int32_t *out) CT_NOEXCEPT;
ct_error ct_is_contiguous(ct_tensor t, bool *out) CT_NOEXCEPT;
ct_error ct_is_defined(ct_tensor t, bool *out) CT_NOEXCEPT;
ct_error ct_to_string(ct_tensor t, char **out) CT_NOEXCEPT;

/* ---- creation ---- */
ct_error ct_empty(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_zeros(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_ones(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_full(const int64_t *shape, int64_t ndim, double value, int32_t dtype, int32_t device, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_full_int64(const int64_t *shape, int64_t ndim, int64_t value, int32_t dtype, int32_t device, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_arange(double start, double end, double step, int32_t dtype, int32_t device, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_rand(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_randn(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_randint(int64_t low, int64_t high, const int64_t *shape, int64_t ndim, int32_t dtype, int32_t device, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_randperm(int64_t n, int32_t dtype, int32_t device, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_eye(int64_t n, int32_t dtype, int32_t device, ct_tensor *out) CT_NOEXCEPT;
/* Copies `nbytes` from `data` (must equal numel * element size) into a new CPU tensor. */
ct_error ct_from_data(const void *data, size_t nbytes, const int64_t *shape, int64_t ndim, int32_t dtype, ct_tensor *out) CT_NOEXCEPT;
/* Wraps caller memory without copying; `deleter(context)` runs when libtorch releases it. */
ct_error ct_from_blob(void *data, const int64_t *shape, int64_t ndim, int32_t dtype,
                      void (*deleter)(void *context), void *context, ct_tensor *out) CT_NOEXCEPT;
/* Copies a tensor's elements (any device, any layout) in row-major order into `dst`. */
ct_error ct_copy_to_buffer(ct_tensor t, void *dst, size_t nbytes) CT_NOEXCEPT;
/* Pointer to the elements of a contiguous CPU tensor (NULL otherwise); valid while `t` lives. */
ct_error ct_data_ptr(ct_tensor t, void **out) CT_NOEXCEPT;
ct_error ct_item_double(ct_tensor t, double *out) CT_NOEXCEPT;
ct_error ct_item_int64(ct_tensor t, int64_t *out) CT_NOEXCEPT;

/* ---- conversion ---- */
ct_error ct_to(ct_tensor t, int32_t device, int32_t dtype, bool copy, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_clone(ct_tensor t, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_contiguous(ct_tensor t, ct_tensor *out) CT_NOEXCEPT;
/* NHWC storage order for a 4-D tensor (oneDNN's and cuDNN's preferred layout); self when already. */
ct_error ct_contiguous_channels_last(ct_tensor t, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_is_channels_last(ct_tensor t, bool *out) CT_NOEXCEPT;

/* ---- shape ---- */
ct_error ct_reshape(ct_tensor t, const int64_t *shape, int64_t ndim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_view(ct_tensor t, const int64_t *shape, int64_t ndim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_permute(ct_tensor t, const int64_t *dims, int64_t ndim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_transpose(ct_tensor t, int64_t dim0, int64_t dim1, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_narrow(ct_tensor t, int64_t dim, int64_t start, int64_t length, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_slice(ct_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_select(ct_tensor t, int64_t dim, int64_t index, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_index_select(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_gather(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_masked_fill(ct_tensor t, ct_tensor mask, double value, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_cat(const ct_tensor *tensors, int64_t count, int64_t dim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_stack(const ct_tensor *tensors, int64_t count, int64_t dim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_expand(ct_tensor t, const int64_t *shape, int64_t ndim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_repeat(ct_tensor t, const int64_t *repeats, int64_t ndim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_flip(ct_tensor t, const int64_t *dims, int64_t ndim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_roll(ct_tensor t, const int64_t *shifts, const int64_t *dims, int64_t count, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_squeeze(ct_tensor t, int64_t dim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_squeeze_all(ct_tensor t, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_unsqueeze(ct_tensor t, int64_t dim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_flatten(ct_tensor t, int64_t start_dim, int64_t end_dim, ct_tensor *out) CT_NOEXCEPT;

/* ---- elementwise ---- */
typedef enum {
    CT_NEG = 0, CT_ABS, CT_EXP, CT_LOG, CT_SQRT, CT_RSQRT, CT_SIN, CT_COS, CT_TANH, CT_SIGMOID,
    CT_RELU, CT_FLOOR, CT_CEIL, CT_ROUND, CT_SIGN, CT_SQUARE, CT_RECIPROCAL, CT_LOGICAL_NOT,
    CT_LOG1P, CT_EXPM1, CT_SOFTPLUS, CT_LOG_SIGMOID, CT_GELU, CT_ISNAN, CT_ISFINITE,
} ct_unary_op;

typedef enum {
    CT_ADD = 0, CT_SUB, CT_MUL, CT_DIV, CT_POW, CT_MAXIMUM, CT_MINIMUM, CT_EQ, CT_NE, CT_LT, CT_LE,
    CT_GT, CT_GE, CT_LOGICAL_AND, CT_LOGICAL_OR, CT_REMAINDER, CT_ATAN2,
} ct_binary_op;

ct_error ct_unary(int32_t op, ct_tensor t, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_binary(int32_t op, ct_tensor a, ct_tensor b, ct_tensor *out) CT_NOEXCEPT;
/* `scalar_first` computes `scalar op t` instead of `t op scalar`. */
ct_error ct_binary_scalar(int32_t op, ct_tensor t, double scalar, bool scalar_first, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_clamp(ct_tensor t, double min, bool has_min, double max, bool has_max, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_where(ct_tensor condition, ct_tensor a, ct_tensor b, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_leaky_relu(ct_tensor t, double negative_slope, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_elu(ct_tensor t, double alpha, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_softmax(ct_tensor t, int64_t dim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_log_softmax(ct_tensor t, int64_t dim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_dropout(ct_tensor t, double p, bool training, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_lerp(ct_tensor a, ct_tensor b, double weight, ct_tensor *out) CT_NOEXCEPT;

/* ---- reductions (dims == NULL / ndims == 0 reduces over all dims) ---- */
ct_error ct_sum(ct_tensor t, const int64_t *dims, int64_t ndims, bool keepdim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_mean(ct_tensor t, const int64_t *dims, int64_t ndims, bool keepdim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_var(ct_tensor t, const int64_t *dims, int64_t ndims, bool unbiased, bool keepdim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_std(ct_tensor t, const int64_t *dims, int64_t ndims, bool unbiased, bool keepdim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_prod(ct_tensor t, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_max_all(ct_tensor t, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_min_all(ct_tensor t, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_max_dim(ct_tensor t, int64_t dim, bool keepdim, ct_tensor *values, ct_tensor *indices) CT_NOEXCEPT;
ct_error ct_min_dim(ct_tensor t, int64_t dim, bool keepdim, ct_tensor *values, ct_tensor *indices) CT_NOEXCEPT;
ct_error ct_argmax(ct_tensor t, int64_t dim, bool has_dim, bool keepdim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_argmin(ct_tensor t, int64_t dim, bool has_dim, bool keepdim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_logsumexp(ct_tensor t, const int64_t *dims, int64_t ndims, bool keepdim, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_norm(ct_tensor t, double p, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_all(ct_tensor t, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_any(ct_tensor t, ct_tensor *out) CT_NOEXCEPT;

/* ---- linear algebra and neural-network ops ---- */
ct_error ct_matmul(ct_tensor a, ct_tensor b, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_linear(ct_tensor input, ct_tensor weight, ct_tensor bias, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_conv2d(ct_tensor input, ct_tensor weight, ct_tensor bias, const int64_t stride[2],
                   const int64_t padding[2], const int64_t dilation[2], int64_t groups, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_conv_transpose2d(ct_tensor input, ct_tensor weight, ct_tensor bias, const int64_t stride[2],
                             const int64_t padding[2], const int64_t output_padding[2], int64_t groups,
                             const int64_t dilation[2], ct_tensor *out) CT_NOEXCEPT;
/* Running statistics (may be NULL) are updated in place when `training` is true. */
ct_error ct_batch_norm(ct_tensor input, ct_tensor weight, ct_tensor bias, ct_tensor running_mean,
                       ct_tensor running_var, bool training, double momentum, double eps, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_max_pool2d(ct_tensor input, const int64_t kernel[2], const int64_t stride[2], const int64_t padding[2],
                       const int64_t dilation[2], bool ceil_mode, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_avg_pool2d(ct_tensor input, const int64_t kernel[2], const int64_t stride[2], const int64_t padding[2],
                       bool ceil_mode, bool count_include_pad, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_adaptive_avg_pool2d(ct_tensor input, const int64_t output_size[2], ct_tensor *out) CT_NOEXCEPT;
/* mode 0 = nearest, 1 = bilinear. Scales <= 0 mean "not given" (derived from sizes). */
ct_error ct_upsample2d(ct_tensor input, int32_t mode, const int64_t output_size[2], bool align_corners,
                       double scale_h, double scale_w, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_pad(ct_tensor input, const int64_t *pads, int64_t count, double value, ct_tensor *out) CT_NOEXCEPT;

/* ---- losses (reduction: 0 none, 1 mean, 2 sum) ---- */
ct_error ct_mse_loss(ct_tensor input, ct_tensor target, int32_t reduction, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_l1_loss(ct_tensor input, ct_tensor target, int32_t reduction, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_bce_with_logits(ct_tensor input, ct_tensor target, ct_tensor weight, ct_tensor pos_weight,
                            int32_t reduction, ct_tensor *out) CT_NOEXCEPT;
ct_error ct_cross_entropy(ct_tensor input, ct_tensor target, ct_tensor weight, int32_t reduction,
                          int64_t ignore_index, double label_smoothing, ct_tensor *out) CT_NOEXCEPT;

/* ---- in place (for optimizers and initialisers; callers disable grad where needed) ---- */
ct_error ct_copy_(ct_tensor dst, ct_tensor src) CT_NOEXCEPT;
/* Makes `t` use `src`'s storage, device and dtype while keeping its identity (PyTorch's `.data =`). */
ct_error ct_set_data(ct_tensor t, ct_tensor src) CT_NOEXCEPT;
ct_error ct_zero_(ct_tensor t) CT_NOEXCEPT;
ct_error ct_fill_(ct_tensor t, double value) CT_NOEXCEPT;
ct_error ct_add_(ct_tensor t, ct_tensor other, double alpha) CT_NOEXCEPT;
ct_error ct_add_scalar_(ct_tensor t, double value) CT_NOEXCEPT;
ct_error ct_mul_(ct_tensor t, ct_tensor other) CT_NOEXCEPT;
ct_error ct_mul_scalar_(ct_tensor t, double value) CT_NOEXCEPT;
ct_error ct_div_(ct_tensor t, ct_tensor other) CT_NOEXCEPT;
ct_error ct_addcmul_(ct_tensor t, ct_tensor a, ct_tensor b, double value) CT_NOEXCEPT;
ct_error ct_addcdiv_(ct_tensor t, ct_tensor a, ct_tensor b, double value) CT_NOEXCEPT;
ct_error ct_sqrt_(ct_tensor t) CT_NOEXCEPT;
ct_error ct_clamp_(ct_tensor t, double min, bool has_min, double max, bool has_max) CT_NOEXCEPT;
ct_error ct_uniform_(ct_tensor t, double low, double high) CT_NOEXCEPT;
ct_error ct_normal_(ct_tensor t, double mean, double std) CT_NOEXCEPT;

/* ---- autograd ---- */
ct_error ct_set_requires_grad(ct_tensor t, bool requires_grad) CT_NOEXCEPT;
ct_error ct_requires_grad(ct_tensor t, bool *out) CT_NOEXCEPT;
ct_error ct_is_leaf(ct_tensor t, bool *out) CT_NOEXCEPT;
ct_error ct_backward(ct_tensor t, ct_tensor gradient, bool retain_graph, bool create_graph) CT_NOEXCEPT;
/* *out is NULL when the tensor has no gradient yet. */
ct_error ct_grad(ct_tensor t, ct_tensor *out) CT_NOEXCEPT;
/* Sets the gradient to undefined (set_to_none) or zero. */
ct_error ct_zero_grad(ct_tensor t, bool set_to_none) CT_NOEXCEPT;
ct_error ct_detach(ct_tensor t, ct_tensor *out) CT_NOEXCEPT;
/* torch.autograd.grad: writes `input_count` handles (NULL where unused and allowed). */
ct_error ct_autograd_grad(const ct_tensor *outputs, const ct_tensor *grad_outputs, int64_t output_count,
                          const ct_tensor *inputs, int64_t input_count, bool retain_graph, bool create_graph,
                          bool allow_unused, ct_tensor *out) CT_NOEXCEPT;

/* ---- fast by default (issue 13): in-place activations, batched and fused optimizer calls ---- */
/* In place, for activations autograd allows to overwrite (a batch norm's output). */
ct_error ct_relu_(ct_tensor t) CT_NOEXCEPT;
ct_error ct_leaky_relu_(ct_tensor t, double negative_slope) CT_NOEXCEPT;
/* Sets every tensor's gradient to undefined (zero_grad(set_to_none=True)) in one call. */
ct_error ct_zero_grads(const ct_tensor *tensors, int64_t count) CT_NOEXCEPT;
ct_error ct_set_requires_grads(const ct_tensor *tensors, int64_t count, bool requires_grad) CT_NOEXCEPT;
/* One Adam step (torch.optim.Adam, amsgrad off) of `count` parameters; steps[k] is parameter k's
 * step count after this update (>= 1). Parameters without a gradient are skipped. Contiguous
 * float32 CPU tensors are updated in one fused pass; others with the equivalent ATen ops. */
ct_error ct_adam_step(const ct_tensor *params, const ct_tensor *exp_avgs, const ct_tensor *exp_avg_sqs,
                      const int64_t *steps, int64_t count, double lr, double beta1, double beta2, double eps,
                      double weight_decay) CT_NOEXCEPT;

#ifdef __cplusplus
}
#endif
#endif
