// What the shim's translation units share: the handle types behind ct_error and ct_tensor, and
// the guard that turns C++ exceptions into error values (see include/ctorch.h's conventions).
#ifndef CTORCH_INTERNAL_HPP
#define CTORCH_INTERNAL_HPP

#include "ctorch.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

struct ct_error_s {
    std::string message;
};

struct ct_tensor_s {
    at::Tensor tensor;
};

namespace ctorch_detail {

inline ct_error make_error(const char *message) noexcept {
    try {
        return new ct_error_s{message ? std::string(message) : std::string("unknown libtorch error")};
    } catch (...) {
        return nullptr;  // Out of memory while reporting: nothing better is possible.
    }
}

template <typename F>
inline ct_error guarded(F &&body) noexcept {
    try {
        body();
        return nullptr;
    } catch (const c10::Error &e) {
        return make_error(e.what_without_backtrace());
    } catch (const std::exception &e) {
        return make_error(e.what());
    } catch (...) {
        return make_error("unknown C++ exception in libtorch");
    }
}

inline const at::Tensor &T(ct_tensor t) {
    if (t == nullptr) throw std::invalid_argument("null tensor handle");
    return t->tensor;
}

inline c10::optional<at::Tensor> opt(ct_tensor t) {
    if (t == nullptr || !t->tensor.defined()) return c10::nullopt;
    return t->tensor;
}

inline ct_tensor wrap(at::Tensor t) { return new ct_tensor_s{std::move(t)}; }

inline at::ScalarType scalar_type(int32_t code) {
    switch (code) {
        case CT_FLOAT32: return at::kFloat;
        case CT_FLOAT16: return at::kHalf;
        case CT_BFLOAT16: return at::kBFloat16;
        case CT_FLOAT64: return at::kDouble;
        case CT_INT64: return at::kLong;
        case CT_INT32: return at::kInt;
        case CT_UINT8: return at::kByte;
        case CT_BOOL: return at::kBool;
        case CT_INT8: return at::kChar;
        case CT_INT16: return at::kShort;
    }
    throw std::invalid_argument("unknown dtype code " + std::to_string(code));
}

}  // namespace ctorch_detail

#endif
