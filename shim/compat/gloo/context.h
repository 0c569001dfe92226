// SonoTag's declaration-only stand-in for Gloo's context (see shim/compat/README.md).
#pragma once

#include <chrono>

namespace gloo {

// torch 2.x's ProcessGroupGloo::setTimeout is inline and calls Context::setTimeout, so the class
// must be complete and name that member. It stays declared only: the inline body is emitted with
// ProcessGroupGloo's vtable, inside libtorch, never in the shim (SonoTag does not call it).
class Context {
  public:
    void setTimeout(std::chrono::milliseconds timeout);
};

}  // namespace gloo
