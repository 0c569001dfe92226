// SonoTag's declaration-only stand-in for Gloo's context (see shim/compat/README.md).
#pragma once

namespace gloo {
class Context;
}  // namespace gloo
