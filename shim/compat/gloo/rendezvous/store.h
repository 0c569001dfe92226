// SonoTag's declaration-only stand-in for Gloo's rendezvous store (see shim/compat/README.md).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace gloo {
namespace rendezvous {

// The interface c10d's GlooStore overrides; SonoTag never creates or calls one itself.
class Store {
  public:
    // libtorch 1.13's GlooStore names it (unqualified, so it finds this one).
    static constexpr std::chrono::milliseconds kDefaultTimeout = std::chrono::seconds(30);

    virtual ~Store() = default;
    virtual void set(const std::string &key, const std::vector<char> &data) = 0;
    virtual std::vector<char> get(const std::string &key) = 0;
    virtual void wait(const std::vector<std::string> &keys) = 0;
    virtual void wait(const std::vector<std::string> &keys, const std::chrono::milliseconds &timeout) = 0;
};

}  // namespace rendezvous
}  // namespace gloo
