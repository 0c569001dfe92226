// SonoTag's declaration-only stand-in for Gloo's transport types (see shim/compat/README.md).
#pragma once

namespace gloo {
namespace transport {

// Only ever held through shared_ptr / unique_ptr that libtorch creates and destroys.
class Device;
class UnboundBuffer {
  public:
    virtual ~UnboundBuffer() = default;
};

}  // namespace transport
}  // namespace gloo
