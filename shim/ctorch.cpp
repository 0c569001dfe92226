// The only C++ in SonoTag: extern "C" entry points over ATen and autograd (see include/ctorch.h).
//
// Every entry point is noexcept and funnels through `guarded`, which turns any C++ exception into
// an owned ct_error carrying the message without libtorch's C++ backtrace. Only ATen calls that
// are stable between libtorch 1.13 and 2.x are used.
#include "ctorch.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/version.h>

#include <cmath>
#include <cstring>
#include <dlfcn.h>
#include <sstream>
#include <string>
#include <vector>

#include "ctorch_internal.hpp"

using namespace ctorch_detail;

namespace {

int32_t dtype_code(at::ScalarType type) {
    switch (type) {
        case at::kFloat: return CT_FLOAT32;
        case at::kHalf: return CT_FLOAT16;
        case at::kBFloat16: return CT_BFLOAT16;
        case at::kDouble: return CT_FLOAT64;
        case at::kLong: return CT_INT64;
        case at::kInt: return CT_INT32;
        case at::kByte: return CT_UINT8;
        case at::kBool: return CT_BOOL;
        case at::kChar: return CT_INT8;
        case at::kShort: return CT_INT16;
        default: break;
    }
    throw std::invalid_argument(std::string("unsupported dtype ") + c10::toString(type));
}

at::Device device(int32_t code) {
    if (code < 0) return at::Device(at::kCPU);
    if (!at::hasCUDA()) {
        throw std::runtime_error("CUDA device cuda:" + std::to_string(code) +
                                 " requested, but this libtorch has no CUDA support or no GPU is visible");
    }
    return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(code));
}

at::TensorOptions options(int32_t dtype, int32_t dev) {
    return at::TensorOptions().dtype(scalar_type(dtype)).device(device(dev));
}

at::IntArrayRef dims(const int64_t *values, int64_t count) {
    if (count < 0) throw std::invalid_argument("negative dimension count");
    if (count > 0 && values == nullptr) throw std::invalid_argument("null dimension array");
    return at::IntArrayRef(values, static_cast<size_t>(count));
}

std::vector<at::Tensor> tensor_list(const ct_tensor *tensors, int64_t count) {
    if (count < 0 || (count > 0 && tensors == nullptr)) throw std::invalid_argument("bad tensor list");
    std::vector<at::Tensor> list;
    list.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) list.push_back(T(tensors[i]));
    return list;
}

void check_out(const void *out) {
    if (out == nullptr) throw std::invalid_argument("null output pointer");
}

// In-place ops on integer tensors (e.g. BatchNorm's num_batches_tracked += 1) need an integer
// scalar: ATen refuses to cast a double result into an int64 tensor.
at::Scalar scalar_for(const at::Tensor &t, double value) {
    if (at::isIntegralType(t.scalar_type(), /*includeBool=*/false) && value == static_cast<double>(static_cast<int64_t>(value))) {
        return at::Scalar(static_cast<int64_t>(value));
    }
    return at::Scalar(value);
}

char *copy_string(const std::string &s) {
    char *result = static_cast<char *>(std::malloc(s.size() + 1));
    if (result == nullptr) throw std::bad_alloc();
    std::memcpy(result, s.c_str(), s.size() + 1);
    return result;
}

}  // namespace

namespace {
void set_blas_threads(int32_t count);  // in the "Fast by default" block below
}

#define CT_RESULT(expr) guarded([&] { check_out(out); *out = wrap(expr); })

extern "C" {

/* ---- errors, strings, versions ---- */

const char *ct_error_message(ct_error error) noexcept {
    return error ? error->message.c_str() : "";
}
void ct_error_free(ct_error error) noexcept { delete error; }
void ct_string_free(char *string) noexcept { std::free(string); }
const char *ct_version(void) noexcept { return TORCH_VERSION; }

/* ---- runtime ---- */

ct_error ct_manual_seed(uint64_t seed) noexcept { return guarded([&] { at::manual_seed(seed); }); }
ct_error ct_set_num_threads(int32_t count) noexcept {
    return guarded([&] {
        if (count < 1) throw std::invalid_argument("thread count must be >= 1, got " + std::to_string(count));
        at::set_num_threads(count);
        set_blas_threads(count);
    });
}
ct_error ct_get_num_threads(int32_t *count) noexcept {
    return guarded([&] { check_out(count); *count = at::get_num_threads(); });
}
ct_error ct_cuda_device_count(int32_t *count) noexcept {
    return guarded([&] {
        check_out(count);
        *count = at::hasCUDA() ? static_cast<int32_t>(at::detail::getCUDAHooks().getNumGPUs()) : 0;
    });
}
ct_error ct_set_grad_enabled(bool enabled) noexcept { return guarded([&] { c10::GradMode::set_enabled(enabled); }); }
ct_error ct_is_grad_enabled(bool *enabled) noexcept {
    return guarded([&] { check_out(enabled); *enabled = c10::GradMode::is_enabled(); });
}

/* ---- lifetime and metadata ---- */

void ct_tensor_free(ct_tensor tensor) noexcept { delete tensor; }
ct_error ct_shallow_clone(ct_tensor t, ct_tensor *out) noexcept { return CT_RESULT(T(t)); }
ct_error ct_ndim(ct_tensor t, int64_t *out) noexcept {
    return guarded([&] { check_out(out); *out = T(t).dim(); });
}
ct_error ct_sizes(ct_tensor t, int64_t *sizes, int64_t capacity) noexcept {
    return guarded([&] {
        auto s = T(t).sizes();
        int64_t n = std::min<int64_t>(capacity, static_cast<int64_t>(s.size()));
        if (n > 0) check_out(sizes);
        for (int64_t i = 0; i < n; ++i) sizes[i] = s[static_cast<size_t>(i)];
    });
}
ct_error ct_numel(ct_tensor t, int64_t *out) noexcept {
    return guarded([&] { check_out(out); *out = T(t).numel(); });
}
ct_error ct_dtype_of(ct_tensor t, int32_t *out) noexcept {
    return guarded([&] { check_out(out); *out = dtype_code(T(t).scalar_type()); });
}
ct_error ct_device_of(ct_tensor t, int32_t *out) noexcept {
    return guarded([&] {
        check_out(out);
        auto d = T(t).device();
        *out = d.is_cpu() ? CT_CPU : static_cast<int32_t>(d.index());
    });
}
ct_error ct_is_contiguous(ct_tensor t, bool *out) noexcept {
    return guarded([&] { check_out(out); *out = T(t).is_contiguous(); });
}
ct_error ct_is_defined(ct_tensor t, bool *out) noexcept {
    return guarded([&] { check_out(out); *out = T(t).defined(); });
}
ct_error ct_to_string(ct_tensor t, char **out) noexcept {
    return guarded([&] {
        check_out(out);
        std::ostringstream stream;
        stream << T(t);
        *out = copy_string(stream.str());
    });
}

/* ---- creation ---- */

ct_error ct_empty(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t dev, ct_tensor *out) noexcept {
    return CT_RESULT(at::empty(dims(shape, ndim), options(dtype, dev)));
}
ct_error ct_zeros(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t dev, ct_tensor *out) noexcept {
    return CT_RESULT(at::zeros(dims(shape, ndim), options(dtype, dev)));
}
ct_error ct_ones(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t dev, ct_tensor *out) noexcept {
    return CT_RESULT(at::ones(dims(shape, ndim), options(dtype, dev)));
}
ct_error ct_full(const int64_t *shape, int64_t ndim, double value, int32_t dtype, int32_t dev, ct_tensor *out) noexcept {
    return CT_RESULT(at::full(dims(shape, ndim), value, options(dtype, dev)));
}
ct_error ct_full_int64(const int64_t *shape, int64_t ndim, int64_t value, int32_t dtype, int32_t dev,
                       ct_tensor *out) noexcept {
    return CT_RESULT(at::full(dims(shape, ndim), at::Scalar(value), options(dtype, dev)));
}
ct_error ct_arange(double start, double end, double step, int32_t dtype, int32_t dev, ct_tensor *out) noexcept {
    return CT_RESULT(at::arange(start, end, step, options(dtype, dev)));
}
ct_error ct_rand(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t dev, ct_tensor *out) noexcept {
    return CT_RESULT(at::rand(dims(shape, ndim), options(dtype, dev)));
}
ct_error ct_randn(const int64_t *shape, int64_t ndim, int32_t dtype, int32_t dev, ct_tensor *out) noexcept {
    return CT_RESULT(at::randn(dims(shape, ndim), options(dtype, dev)));
}
ct_error ct_randint(int64_t low, int64_t high, const int64_t *shape, int64_t ndim, int32_t dtype, int32_t dev,
                    ct_tensor *out) noexcept {
    return CT_RESULT(at::randint(low, high, dims(shape, ndim), options(dtype, dev)));
}
ct_error ct_randperm(int64_t n, int32_t dtype, int32_t dev, ct_tensor *out) noexcept {
    return CT_RESULT(at::randperm(n, options(dtype, dev)));
}
ct_error ct_eye(int64_t n, int32_t dtype, int32_t dev, ct_tensor *out) noexcept {
    return CT_RESULT(at::eye(n, options(dtype, dev)));
}
ct_error ct_from_data(const void *data, size_t nbytes, const int64_t *shape, int64_t ndim, int32_t dtype,
                      ct_tensor *out) noexcept {
    return guarded([&] {
        check_out(out);
        at::Tensor t = at::empty(dims(shape, ndim), at::TensorOptions().dtype(scalar_type(dtype)));
        size_t expected = static_cast<size_t>(t.numel()) * t.element_size();
        if (expected != nbytes) {
            throw std::invalid_argument("buffer holds " + std::to_string(nbytes) + " bytes but shape " +
                                        c10::str(t.sizes()) + " needs " + std::to_string(expected));
        }
        if (nbytes > 0) {
            if (data == nullptr) throw std::invalid_argument("null data pointer");
            std::memcpy(t.data_ptr(), data, nbytes);
        }
        *out = wrap(std::move(t));
    });
}
ct_error ct_from_blob(void *data, const int64_t *shape, int64_t ndim, int32_t dtype, void (*deleter)(void *),
                      void *context, ct_tensor *out) noexcept {
    return guarded([&] {
        check_out(out);
        if (data == nullptr) throw std::invalid_argument("null data pointer");
        auto release = [deleter, context](void *) {
            if (deleter) deleter(context);
        };
        *out = wrap(at::from_blob(data, dims(shape, ndim), release, at::TensorOptions().dtype(scalar_type(dtype))));
    });
}
ct_error ct_copy_to_buffer(ct_tensor t, void *dst, size_t nbytes) noexcept {
    return guarded([&] {
        at::Tensor cpu = T(t).detach().to(at::kCPU).contiguous();
        size_t available = static_cast<size_t>(cpu.numel()) * cpu.element_size();
        if (available != nbytes) {
            throw std::invalid_argument("tensor holds " + std::to_string(available) + " bytes but the buffer has " +
                                        std::to_string(nbytes));
        }
        if (nbytes > 0) {
            check_out(dst);
            std::memcpy(dst, cpu.data_ptr(), nbytes);
        }
    });
}
ct_error ct_data_ptr(ct_tensor t, void **out) noexcept {
    return guarded([&] {
        check_out(out);
        const at::Tensor &x = T(t);
        *out = (x.is_cpu() && x.is_contiguous()) ? x.data_ptr() : nullptr;
    });
}
ct_error ct_item_double(ct_tensor t, double *out) noexcept {
    return guarded([&] { check_out(out); *out = T(t).item<double>(); });
}
ct_error ct_item_int64(ct_tensor t, int64_t *out) noexcept {
    return guarded([&] { check_out(out); *out = T(t).item<int64_t>(); });
}

/* ---- conversion ---- */

ct_error ct_to(ct_tensor t, int32_t dev, int32_t dtype, bool copy, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).to(device(dev), scalar_type(dtype), /*non_blocking=*/false, copy));
}
ct_error ct_clone(ct_tensor t, ct_tensor *out) noexcept { return CT_RESULT(T(t).clone()); }
ct_error ct_contiguous(ct_tensor t, ct_tensor *out) noexcept { return CT_RESULT(T(t).contiguous()); }
ct_error ct_contiguous_channels_last(ct_tensor t, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).contiguous(at::MemoryFormat::ChannelsLast));
}
ct_error ct_is_channels_last(ct_tensor t, bool *out) noexcept {
    return guarded([&] {
        check_out(out);
        *out = T(t).dim() == 4 && T(t).is_contiguous(at::MemoryFormat::ChannelsLast);
    });
}

/* ---- shape ---- */

ct_error ct_reshape(ct_tensor t, const int64_t *shape, int64_t ndim, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).reshape(dims(shape, ndim)));
}
ct_error ct_view(ct_tensor t, const int64_t *shape, int64_t ndim, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).view(dims(shape, ndim)));
}
ct_error ct_permute(ct_tensor t, const int64_t *d, int64_t ndim, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).permute(dims(d, ndim)));
}
ct_error ct_transpose(ct_tensor t, int64_t dim0, int64_t dim1, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).transpose(dim0, dim1));
}
ct_error ct_narrow(ct_tensor t, int64_t dim, int64_t start, int64_t length, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).narrow(dim, start, length));
}
ct_error ct_slice(ct_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).slice(dim, start, end, step));
}
ct_error ct_select(ct_tensor t, int64_t dim, int64_t index, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).select(dim, index));
}
ct_error ct_index_select(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).index_select(dim, T(index)));
}
ct_error ct_gather(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).gather(dim, T(index)));
}
ct_error ct_masked_fill(ct_tensor t, ct_tensor mask, double value, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).masked_fill(T(mask), value));
}
ct_error ct_cat(const ct_tensor *tensors, int64_t count, int64_t dim, ct_tensor *out) noexcept {
    return CT_RESULT(at::cat(tensor_list(tensors, count), dim));
}
ct_error ct_stack(const ct_tensor *tensors, int64_t count, int64_t dim, ct_tensor *out) noexcept {
    return CT_RESULT(at::stack(tensor_list(tensors, count), dim));
}
ct_error ct_expand(ct_tensor t, const int64_t *shape, int64_t ndim, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).expand(dims(shape, ndim)));
}
ct_error ct_repeat(ct_tensor t, const int64_t *repeats, int64_t ndim, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).repeat(dims(repeats, ndim)));
}
ct_error ct_flip(ct_tensor t, const int64_t *d, int64_t ndim, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).flip(dims(d, ndim)));
}
ct_error ct_roll(ct_tensor t, const int64_t *shifts, const int64_t *d, int64_t count, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).roll(dims(shifts, count), dims(d, count)));
}
ct_error ct_squeeze(ct_tensor t, int64_t dim, ct_tensor *out) noexcept { return CT_RESULT(T(t).squeeze(dim)); }
ct_error ct_squeeze_all(ct_tensor t, ct_tensor *out) noexcept { return CT_RESULT(T(t).squeeze()); }
ct_error ct_unsqueeze(ct_tensor t, int64_t dim, ct_tensor *out) noexcept { return CT_RESULT(T(t).unsqueeze(dim)); }
ct_error ct_flatten(ct_tensor t, int64_t start_dim, int64_t end_dim, ct_tensor *out) noexcept {
    return CT_RESULT(T(t).flatten(start_dim, end_dim));
}

/* ---- elementwise ---- */

ct_error ct_unary(int32_t op, ct_tensor t, ct_tensor *out) noexcept {
    return guarded([&] {
        check_out(out);
        const at::Tensor &x = T(t);
        at::Tensor r;
        switch (op) {
            case CT_NEG: r = at::neg(x); break;
            case CT_ABS: r = at::abs(x); break;
            case CT_EXP: r = at::exp(x); break;
            case CT_LOG: r = at::log(x); break;
            case CT_SQRT: r = at::sqrt(x); break;
            case CT_RSQRT: r = at::rsqrt(x); break;
            case CT_SIN: r = at::sin(x); break;
            case CT_COS: r = at::cos(x); break;
            case CT_TANH: r = at::tanh(x); break;
            case CT_SIGMOID: r = at::sigmoid(x); break;
            case CT_RELU: r = at::relu(x); break;
            case CT_FLOOR: r = at::floor(x); break;
            case CT_CEIL: r = at::ceil(x); break;
            case CT_ROUND: r = at::round(x); break;
            case CT_SIGN: r = at::sign(x); break;
            case CT_SQUARE: r = at::square(x); break;
            case CT_RECIPROCAL: r = at::reciprocal(x); break;
            case CT_LOGICAL_NOT: r = at::logical_not(x); break;
            case CT_LOG1P: r = at::log1p(x); break;
            case CT_EXPM1: r = at::expm1(x); break;
            case CT_SOFTPLUS: r = at::softplus(x); break;
            case CT_LOG_SIGMOID: r = at::log_sigmoid(x); break;
            case CT_GELU: r = at::gelu(x); break;
            case CT_ISNAN: r = at::isnan(x); break;
            case CT_ISFINITE: r = at::isfinite(x); break;
            default: throw std::invalid_argument("unknown unary op code " + std::to_string(op));
        }
        *out = wrap(std::move(r));
    });
}

ct_error ct_binary(int32_t op, ct_tensor ta, ct_tensor tb, ct_tensor *out) noexcept {
    return guarded([&] {
        check_out(out);
        const at::Tensor &a = T(ta);
        const at::Tensor &b = T(tb);
        at::Tensor r;
        switch (op) {
            case CT_ADD: r = at::add(a, b); break;
            case CT_SUB: r = at::sub(a, b); break;
            case CT_MUL: r = at::mul(a, b); break;
            case CT_DIV: r = at::div(a, b); break;
            case CT_POW: r = at::pow(a, b); break;
            case CT_MAXIMUM: r = at::maximum(a, b); break;
            case CT_MINIMUM: r = at::minimum(a, b); break;
            case CT_EQ: r = at::eq(a, b); break;
            case CT_NE: r = at::ne(a, b); break;
            case CT_LT: r = at::lt(a, b); break;
            case CT_LE: r = at::le(a, b); break;
            case CT_GT: r = at::gt(a, b); break;
            case CT_GE: r = at::ge(a, b); break;
            case CT_LOGICAL_AND: r = at::logical_and(a, b); break;
            case CT_LOGICAL_OR: r = at::logical_or(a, b); break;
            case CT_REMAINDER: r = at::remainder(a, b); break;
            case CT_ATAN2: r = at::atan2(a, b); break;
            default: throw std::invalid_argument("unknown binary op code " + std::to_string(op));
        }
        *out = wrap(std::move(r));
    });
}

ct_error ct_binary_scalar(int32_t op, ct_tensor ta, double scalar, bool scalar_first, ct_tensor *out) noexcept {
    return guarded([&] {
        check_out(out);
        const at::Tensor &a = T(ta);
        at::Scalar s(scalar);
        at::Tensor r;
        if (scalar_first) {
            // Only the non-commutative ops need a scalar on the left; the rest reuse the right form.
            switch (op) {
                case CT_SUB: r = at::add(at::neg(a), s); break;
                case CT_DIV: r = at::mul(at::reciprocal(a), s); break;
                case CT_POW: r = at::pow(s, a); break;
                case CT_LT: op = CT_GT; break;
                case CT_LE: op = CT_GE; break;
                case CT_GT: op = CT_LT; break;
                case CT_GE: op = CT_LE; break;
                case CT_REMAINDER: r = at::remainder(s, a); break;
                default: break;
            }
            if (r.defined()) {
                *out = wrap(std::move(r));
                return;
            }
        }
        switch (op) {
            case CT_ADD: r = at::add(a, s); break;
            case CT_SUB: r = at::sub(a, s); break;
            case CT_MUL: r = at::mul(a, s); break;
            case CT_DIV: r = at::div(a, s); break;
            case CT_POW: r = at::pow(a, s); break;
            case CT_MAXIMUM: r = at::clamp_min(a, s); break;
            case CT_MINIMUM: r = at::clamp_max(a, s); break;
            case CT_EQ: r = at::eq(a, s); break;
            case CT_NE: r = at::ne(a, s); break;
            case CT_LT: r = at::lt(a, s); break;
            case CT_LE: r = at::le(a, s); break;
            case CT_GT: r = at::gt(a, s); break;
            case CT_GE: r = at::ge(a, s); break;
            case CT_REMAINDER: r = at::remainder(a, s); break;
            default: throw std::invalid_argument("binary op code " + std::to_string(op) + " has no scalar form");
        }
        *out = wrap(std::move(r));
    });
}

ct_error ct_clamp(ct_tensor t, double min, bool has_min, double max, bool has_max, ct_tensor *out) noexcept {
    return guarded([&] {
        check_out(out);
        c10::optional<at::Scalar> lo = has_min ? c10::optional<at::Scalar>(min) : c10::nullopt;
        c10::optional<at::Scalar> hi = has_max ? c10::optional<at::Scalar>(max) : c10::nullopt;
        *out = wrap(at::clamp(T(t), lo, hi));
    });
}
ct_error ct_where(ct_tensor condition, ct_tensor a, ct_tensor b, ct_tensor *out) noexcept {
    return CT_RESULT(at::where(T(condition), T(a), T(b)));
}
ct_error ct_leaky_relu(ct_tensor t, double negative_slope, ct_tensor *out) noexcept {
    return CT_RESULT(at::leaky_relu(T(t), negative_slope));
}
ct_error ct_elu(ct_tensor t, double alpha, ct_tensor *out) noexcept { return CT_RESULT(at::elu(T(t), alpha)); }
ct_error ct_softmax(ct_tensor t, int64_t dim, ct_tensor *out) noexcept {
    return CT_RESULT(at::softmax(T(t), dim, c10::nullopt));
}
ct_error ct_log_softmax(ct_tensor t, int64_t dim, ct_tensor *out) noexcept {
    return CT_RESULT(at::log_softmax(T(t), dim, c10::nullopt));
}
ct_error ct_dropout(ct_tensor t, double p, bool training, ct_tensor *out) noexcept {
    return CT_RESULT(at::dropout(T(t), p, training));
}
ct_error ct_lerp(ct_tensor a, ct_tensor b, double weight, ct_tensor *out) noexcept {
    return CT_RESULT(at::lerp(T(a), T(b), weight));
}

/* ---- reductions ---- */

ct_error ct_sum(ct_tensor t, const int64_t *d, int64_t ndims, bool keepdim, ct_tensor *out) noexcept {
    return CT_RESULT(ndims == 0 ? at::sum(T(t)) : at::sum(T(t), dims(d, ndims), keepdim));
}
ct_error ct_mean(ct_tensor t, const int64_t *d, int64_t ndims, bool keepdim, ct_tensor *out) noexcept {
    return CT_RESULT(ndims == 0 ? at::mean(T(t)) : at::mean(T(t), dims(d, ndims), keepdim));
}
ct_error ct_var(ct_tensor t, const int64_t *d, int64_t ndims, bool unbiased, bool keepdim, ct_tensor *out) noexcept {
    return CT_RESULT(ndims == 0 ? at::var(T(t), unbiased) : at::var(T(t), dims(d, ndims), unbiased, keepdim));
}
ct_error ct_std(ct_tensor t, const int64_t *d, int64_t ndims, bool unbiased, bool keepdim, ct_tensor *out) noexcept {
    return CT_RESULT(ndims == 0 ? at::std(T(t), unbiased) : at::std(T(t), dims(d, ndims), unbiased, keepdim));
}
ct_error ct_prod(ct_tensor t, ct_tensor *out) noexcept { return CT_RESULT(at::prod(T(t))); }
ct_error ct_max_all(ct_tensor t, ct_tensor *out) noexcept { return CT_RESULT(at::max(T(t))); }
ct_error ct_min_all(ct_tensor t, ct_tensor *out) noexcept { return CT_RESULT(at::min(T(t))); }
ct_error ct_max_dim(ct_tensor t, int64_t dim, bool keepdim, ct_tensor *values, ct_tensor *indices) noexcept {
    return guarded([&] {
        check_out(values);
        check_out(indices);
        auto result = at::max(T(t), dim, keepdim);
        *values = wrap(std::get<0>(result));
        *indices = wrap(std::get<1>(result));
    });
}
ct_error ct_min_dim(ct_tensor t, int64_t dim, bool keepdim, ct_tensor *values, ct_tensor *indices) noexcept {
    return guarded([&] {
        check_out(values);
        check_out(indices);
        auto result = at::min(T(t), dim, keepdim);
        *values = wrap(std::get<0>(result));
        *indices = wrap(std::get<1>(result));
    });
}
ct_error ct_argmax(ct_tensor t, int64_t dim, bool has_dim, bool keepdim, ct_tensor *out) noexcept {
    return CT_RESULT(at::argmax(T(t), has_dim ? c10::optional<int64_t>(dim) : c10::nullopt, keepdim));
}
ct_error ct_argmin(ct_tensor t, int64_t dim, bool has_dim, bool keepdim, ct_tensor *out) noexcept {
    return CT_RESULT(at::argmin(T(t), has_dim ? c10::optional<int64_t>(dim) : c10::nullopt, keepdim));
}
ct_error ct_logsumexp(ct_tensor t, const int64_t *d, int64_t ndims, bool keepdim, ct_tensor *out) noexcept {
    return CT_RESULT(at::logsumexp(T(t), dims(d, ndims), keepdim));
}
ct_error ct_norm(ct_tensor t, double p, ct_tensor *out) noexcept { return CT_RESULT(at::norm(T(t), p)); }
ct_error ct_all(ct_tensor t, ct_tensor *out) noexcept { return CT_RESULT(at::all(T(t))); }
ct_error ct_any(ct_tensor t, ct_tensor *out) noexcept { return CT_RESULT(at::any(T(t))); }

/* ---- linear algebra and neural-network ops ---- */

ct_error ct_matmul(ct_tensor a, ct_tensor b, ct_tensor *out) noexcept { return CT_RESULT(at::matmul(T(a), T(b))); }
ct_error ct_linear(ct_tensor input, ct_tensor weight, ct_tensor bias, ct_tensor *out) noexcept {
    return CT_RESULT(at::linear(T(input), T(weight), opt(bias)));
}
ct_error ct_conv2d(ct_tensor input, ct_tensor weight, ct_tensor bias, const int64_t stride[2], const int64_t padding[2],
                   const int64_t dilation[2], int64_t groups, ct_tensor *out) noexcept {
    return CT_RESULT(at::conv2d(T(input), T(weight), opt(bias), dims(stride, 2), dims(padding, 2), dims(dilation, 2),
                                groups));
}
ct_error ct_conv_transpose2d(ct_tensor input, ct_tensor weight, ct_tensor bias, const int64_t stride[2],
                             const int64_t padding[2], const int64_t output_padding[2], int64_t groups,
                             const int64_t dilation[2], ct_tensor *out) noexcept {
    return CT_RESULT(at::conv_transpose2d(T(input), T(weight), opt(bias), dims(stride, 2), dims(padding, 2),
                                          dims(output_padding, 2), groups, dims(dilation, 2)));
}
ct_error ct_batch_norm(ct_tensor input, ct_tensor weight, ct_tensor bias, ct_tensor running_mean,
                       ct_tensor running_var, bool training, double momentum, double eps, ct_tensor *out) noexcept {
    return CT_RESULT(at::batch_norm(T(input), opt(weight), opt(bias), opt(running_mean), opt(running_var), training,
                                    momentum, eps, /*cudnn_enabled=*/true));
}
ct_error ct_max_pool2d(ct_tensor input, const int64_t kernel[2], const int64_t stride[2], const int64_t padding[2],
                       const int64_t dilation[2], bool ceil_mode, ct_tensor *out) noexcept {
    return CT_RESULT(
        at::max_pool2d(T(input), dims(kernel, 2), dims(stride, 2), dims(padding, 2), dims(dilation, 2), ceil_mode));
}
ct_error ct_avg_pool2d(ct_tensor input, const int64_t kernel[2], const int64_t stride[2], const int64_t padding[2],
                       bool ceil_mode, bool count_include_pad, ct_tensor *out) noexcept {
    return CT_RESULT(at::avg_pool2d(T(input), dims(kernel, 2), dims(stride, 2), dims(padding, 2), ceil_mode,
                                    count_include_pad, c10::nullopt));
}
ct_error ct_adaptive_avg_pool2d(ct_tensor input, const int64_t output_size[2], ct_tensor *out) noexcept {
    return CT_RESULT(at::adaptive_avg_pool2d(T(input), dims(output_size, 2)));
}
ct_error ct_upsample2d(ct_tensor input, int32_t mode, const int64_t output_size[2], bool align_corners,
                       double scale_h, double scale_w, ct_tensor *out) noexcept {
    return guarded([&] {
        check_out(out);
        const at::Tensor &x = T(input);
        if (x.dim() != 4) {
            throw std::invalid_argument("interpolate expects a 4-D (N, C, H, W) input, got " + c10::str(x.sizes()));
        }
        c10::optional<double> sh = scale_h > 0 ? c10::optional<double>(scale_h) : c10::nullopt;
        c10::optional<double> sw = scale_w > 0 ? c10::optional<double>(scale_w) : c10::nullopt;
        switch (mode) {
            case 0: *out = wrap(at::upsample_nearest2d(x, dims(output_size, 2), sh, sw)); break;
            case 1: *out = wrap(at::upsample_bilinear2d(x, dims(output_size, 2), align_corners, sh, sw)); break;
            default: throw std::invalid_argument("unknown interpolation mode " + std::to_string(mode));
        }
    });
}
ct_error ct_pad(ct_tensor input, const int64_t *pads, int64_t count, double value, ct_tensor *out) noexcept {
    return CT_RESULT(at::constant_pad_nd(T(input), dims(pads, count), value));
}

/* ---- losses ---- */

ct_error ct_mse_loss(ct_tensor input, ct_tensor target, int32_t reduction, ct_tensor *out) noexcept {
    return CT_RESULT(at::mse_loss(T(input), T(target), reduction));
}
ct_error ct_l1_loss(ct_tensor input, ct_tensor target, int32_t reduction, ct_tensor *out) noexcept {
    return CT_RESULT(at::l1_loss(T(input), T(target), reduction));
}
ct_error ct_bce_with_logits(ct_tensor input, ct_tensor target, ct_tensor weight, ct_tensor pos_weight,
                            int32_t reduction, ct_tensor *out) noexcept {
    return CT_RESULT(at::binary_cross_entropy_with_logits(T(input), T(target), opt(weight), opt(pos_weight), reduction));
}
ct_error ct_cross_entropy(ct_tensor input, ct_tensor target, ct_tensor weight, int32_t reduction,
                          int64_t ignore_index, double label_smoothing, ct_tensor *out) noexcept {
    return CT_RESULT(
        at::cross_entropy_loss(T(input), T(target), opt(weight), reduction, ignore_index, label_smoothing));
}

/* ---- in place ---- */

ct_error ct_copy_(ct_tensor dst, ct_tensor src) noexcept {
    return guarded([&] { const_cast<at::Tensor &>(T(dst)).copy_(T(src)); });
}
ct_error ct_set_data(ct_tensor t, ct_tensor src) noexcept {
    return guarded([&] { const_cast<at::Tensor &>(T(t)).set_data(T(src)); });
}
ct_error ct_zero_(ct_tensor t) noexcept { return guarded([&] { const_cast<at::Tensor &>(T(t)).zero_(); }); }
ct_error ct_fill_(ct_tensor t, double value) noexcept {
    return guarded([&] { const_cast<at::Tensor &>(T(t)).fill_(value); });
}
ct_error ct_add_(ct_tensor t, ct_tensor other, double alpha) noexcept {
    return guarded([&] { const_cast<at::Tensor &>(T(t)).add_(T(other), alpha); });
}
ct_error ct_add_scalar_(ct_tensor t, double value) noexcept {
    return guarded([&] { const_cast<at::Tensor &>(T(t)).add_(scalar_for(T(t), value)); });
}
ct_error ct_mul_(ct_tensor t, ct_tensor other) noexcept {
    return guarded([&] { const_cast<at::Tensor &>(T(t)).mul_(T(other)); });
}
ct_error ct_mul_scalar_(ct_tensor t, double value) noexcept {
    return guarded([&] { const_cast<at::Tensor &>(T(t)).mul_(scalar_for(T(t), value)); });
}
ct_error ct_div_(ct_tensor t, ct_tensor other) noexcept {
    return guarded([&] { const_cast<at::Tensor &>(T(t)).div_(T(other)); });
}
ct_error ct_addcmul_(ct_tensor t, ct_tensor a, ct_tensor b, double value) noexcept {
    return guarded([&] { const_cast<at::Tensor &>(T(t)).addcmul_(T(a), T(b), value); });
}
ct_error ct_addcdiv_(ct_tensor t, ct_tensor a, ct_tensor b, double value) noexcept {
    return guarded([&] { const_cast<at::Tensor &>(T(t)).addcdiv_(T(a), T(b), value); });
}
ct_error ct_sqrt_(ct_tensor t) noexcept { return guarded([&] { const_cast<at::Tensor &>(T(t)).sqrt_(); }); }
ct_error ct_clamp_(ct_tensor t, double min, bool has_min, double max, bool has_max) noexcept {
    return guarded([&] {
        c10::optional<at::Scalar> lo = has_min ? c10::optional<at::Scalar>(min) : c10::nullopt;
        c10::optional<at::Scalar> hi = has_max ? c10::optional<at::Scalar>(max) : c10::nullopt;
        const_cast<at::Tensor &>(T(t)).clamp_(lo, hi);
    });
}
ct_error ct_uniform_(ct_tensor t, double low, double high) noexcept {
    return guarded([&] { const_cast<at::Tensor &>(T(t)).uniform_(low, high); });
}
ct_error ct_normal_(ct_tensor t, double mean, double std) noexcept {
    return guarded([&] { const_cast<at::Tensor &>(T(t)).normal_(mean, std); });
}

/* ---- autograd ---- */

ct_error ct_set_requires_grad(ct_tensor t, bool requires_grad) noexcept {
    return guarded([&] { const_cast<at::Tensor &>(T(t)).requires_grad_(requires_grad); });
}
ct_error ct_requires_grad(ct_tensor t, bool *out) noexcept {
    return guarded([&] { check_out(out); *out = T(t).requires_grad(); });
}
ct_error ct_is_leaf(ct_tensor t, bool *out) noexcept {
    return guarded([&] { check_out(out); *out = T(t).is_leaf(); });
}
ct_error ct_backward(ct_tensor t, ct_tensor gradient, bool retain_graph, bool create_graph) noexcept {
    return guarded([&] {
        at::Tensor g = gradient ? T(gradient) : at::Tensor();
        T(t).backward(g, retain_graph, create_graph);
    });
}
ct_error ct_grad(ct_tensor t, ct_tensor *out) noexcept {
    return guarded([&] {
        check_out(out);
        const at::Tensor &g = T(t).grad();
        *out = g.defined() ? wrap(g) : nullptr;
    });
}
ct_error ct_zero_grad(ct_tensor t, bool set_to_none) noexcept {
    return guarded([&] {
        at::Tensor &g = const_cast<at::Tensor &>(T(t)).mutable_grad();
        if (!g.defined()) return;
        if (set_to_none) {
            g.reset();
        } else {
            g = g.detach();
            g.zero_();
        }
    });
}
ct_error ct_detach(ct_tensor t, ct_tensor *out) noexcept { return CT_RESULT(T(t).detach()); }
ct_error ct_autograd_grad(const ct_tensor *outputs, const ct_tensor *grad_outputs, int64_t output_count,
                          const ct_tensor *inputs, int64_t input_count, bool retain_graph, bool create_graph,
                          bool allow_unused, ct_tensor *out) noexcept {
    return guarded([&] {
        if (input_count > 0) check_out(out);
        auto outs = tensor_list(outputs, output_count);
        std::vector<at::Tensor> grads;
        if (grad_outputs != nullptr) {
            for (int64_t i = 0; i < output_count; ++i) {
                grads.push_back(grad_outputs[i] ? T(grad_outputs[i]) : at::Tensor());
            }
        }
        auto ins = tensor_list(inputs, input_count);
        auto result = torch::autograd::grad(outs, ins, grads, retain_graph, create_graph, allow_unused);
        for (int64_t i = 0; i < input_count; ++i) {
            const at::Tensor &g = result[static_cast<size_t>(i)];
            out[i] = g.defined() ? wrap(g) : nullptr;
        }
    });
}

}  // extern "C"

/* ==== Fast by default (issue 13): in-place activations, batched and fused optimizer calls ==== */

namespace {

// The BLAS Debian's libtorch calls (OpenBLAS, when libopenblas0-pthread is installed) keeps its
// own thread pool, which at::set_num_threads does not size. Looked up at run time: the symbol
// exists only when OpenBLAS is the BLAS actually loaded.
void set_blas_threads(int32_t count) {
    using setter = void (*)(int);
    static const setter openblas = reinterpret_cast<setter>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (openblas != nullptr) openblas(count);
}

// True when the four tensors are dense in one and the same storage order (standard, or
// channels-last for convolution weights), so one linear pass over their storage pairs the same
// elements.
bool same_dense_layout(const at::Tensor &p, const at::Tensor &g, const at::Tensor &m, const at::Tensor &v) {
    if (g.sizes() != p.sizes() || m.sizes() != p.sizes() || v.sizes() != p.sizes()) return false;
    for (auto format : {at::MemoryFormat::Contiguous, at::MemoryFormat::ChannelsLast}) {
        if (format == at::MemoryFormat::ChannelsLast && p.dim() != 4) continue;
        if (p.is_contiguous(format) && g.is_contiguous(format) && m.is_contiguous(format) && v.is_contiguous(format))
            return true;
    }
    return false;
}

// One Adam update of a contiguous float32 CPU parameter in a single pass over p, g, m and v,
// with torch.optim.Adam's arithmetic (amsgrad off, L2 weight decay folded into g).
// 1 - beta arrives computed in double: in float, 1 - 0.999f loses five digits to cancellation.
//
// The loop is compiled twice, for AVX2 and for the x86-64 baseline, and picked once per process:
// left to itself clang keeps it scalar (sqrt may set errno, and SSE's cost model declines), and
// on small images Adam was 15 % of a fine-tuning step. Contraction into FMA is off in both, so
// either version rounds each operation as the separate ATen ops do.
struct AdamScalars {
    float beta1, one_minus_beta1, beta2, one_minus_beta2, step_size, bias_correction2_sqrt, eps, weight_decay;
};

// Inlined into each wrapper below, so it is compiled once per instruction set.
__attribute__((always_inline)) inline void adam_range(float *__restrict p, const float *__restrict g, float *__restrict m,
                                                      float *__restrict v, int64_t begin, int64_t end, const AdamScalars &s) {
#pragma clang fp contract(off)
#pragma clang loop vectorize(enable) interleave(enable)
    for (int64_t i = begin; i < end; ++i) {
        const float grad = g[i] + s.weight_decay * p[i];
        const float mi = s.beta1 * m[i] + s.one_minus_beta1 * grad;
        const float vi = s.beta2 * v[i] + s.one_minus_beta2 * grad * grad;
        m[i] = mi;
        v[i] = vi;
        p[i] -= s.step_size * mi / (__builtin_elementwise_sqrt(vi) / s.bias_correction2_sqrt + s.eps);
    }
}

__attribute__((target("avx2"))) void adam_range_avx2(float *p, const float *g, float *m, float *v, int64_t begin, int64_t end,
                                                     AdamScalars s) {
    adam_range(p, g, m, v, begin, end, s);
}

void adam_range_baseline(float *p, const float *g, float *m, float *v, int64_t begin, int64_t end, AdamScalars s) {
    adam_range(p, g, m, v, begin, end, s);
}

void adam_kernel(float *p, const float *g, float *m, float *v, int64_t n, float beta1, float one_minus_beta1,
                 float beta2, float one_minus_beta2, float step_size, float bias_correction2_sqrt, float eps,
                 float weight_decay) {
    static const auto range = __builtin_cpu_supports("avx2") ? adam_range_avx2 : adam_range_baseline;
    const AdamScalars scalars{beta1, one_minus_beta1, beta2, one_minus_beta2, step_size, bias_correction2_sqrt, eps, weight_decay};
    at::parallel_for(0, n, 16384, [&](int64_t begin, int64_t end) { range(p, g, m, v, begin, end, scalars); });
}

}  // namespace

extern "C" {

ct_error ct_relu_(ct_tensor t) noexcept {
    return guarded([&] { at::relu_(const_cast<at::Tensor &>(T(t))); });
}
ct_error ct_leaky_relu_(ct_tensor t, double negative_slope) noexcept {
    return guarded([&] { at::leaky_relu_(const_cast<at::Tensor &>(T(t)), negative_slope); });
}

ct_error ct_zero_grads(const ct_tensor *tensors, int64_t count) noexcept {
    return guarded([&] {
        for (auto &t : tensor_list(tensors, count)) t.mutable_grad().reset();
    });
}
ct_error ct_set_requires_grads(const ct_tensor *tensors, int64_t count, bool requires_grad) noexcept {
    return guarded([&] {
        for (auto &t : tensor_list(tensors, count)) t.requires_grad_(requires_grad);
    });
}

ct_error ct_adam_step(const ct_tensor *params, const ct_tensor *exp_avgs, const ct_tensor *exp_avg_sqs,
                      const int64_t *steps, int64_t count, double lr, double beta1, double beta2, double eps,
                      double weight_decay) noexcept {
    return guarded([&] {
        if (count > 0 && steps == nullptr) throw std::invalid_argument("null step array");
        auto ps = tensor_list(params, count), ms = tensor_list(exp_avgs, count), vs = tensor_list(exp_avg_sqs, count);
        c10::NoGradGuard no_grad;
        for (int64_t k = 0; k < count; ++k) {
            at::Tensor &p = ps[k], &m = ms[k], &v = vs[k];
            const at::Tensor &g = p.grad();
            if (!g.defined()) continue;
            if (steps[k] < 1) throw std::invalid_argument("Adam step count must be >= 1");
            const double bias_correction1 = 1.0 - std::pow(beta1, static_cast<double>(steps[k]));
            const double bias_correction2_sqrt = std::sqrt(1.0 - std::pow(beta2, static_cast<double>(steps[k])));
            const double step_size = lr / bias_correction1;
            const bool fused = p.device().is_cpu() && p.scalar_type() == at::kFloat && g.scalar_type() == at::kFloat &&
                               m.scalar_type() == at::kFloat && v.scalar_type() == at::kFloat &&
                               same_dense_layout(p, g, m, v);
            if (fused) {
                adam_kernel(p.data_ptr<float>(), g.data_ptr<float>(), m.data_ptr<float>(), v.data_ptr<float>(), p.numel(),
                            static_cast<float>(beta1), static_cast<float>(1.0 - beta1), static_cast<float>(beta2),
                            static_cast<float>(1.0 - beta2), static_cast<float>(step_size),
                            static_cast<float>(bias_correction2_sqrt), static_cast<float>(eps), static_cast<float>(weight_decay));
            } else {
                // Other devices and dtypes: the same update as separate ATen ops.
                at::Tensor grad = weight_decay != 0.0 ? g.add(p, weight_decay) : g;
                m.mul_(beta1).add_(grad, 1.0 - beta1);
                v.mul_(beta2).addcmul_(grad, grad, 1.0 - beta2);
                p.addcdiv_(m, v.sqrt().div_(bias_correction2_sqrt).add_(eps), -step_size);
            }
        }
    });
}

}  // extern "C"
