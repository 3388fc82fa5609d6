// The uploads that have a live writer (or a finalization) in this process:
// one PATCH at a time per upload, and no termination under a writer.
// Internal to src/control.
//
// Thread-safe: one mutex guards the set; a Claim releases its id when
// destroyed, on any thread.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace vtp::control {

class BusyUploads {
 public:
  class Claim {
   public:
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;
    ~Claim() { owner_->Release(id_); }
    const std::string& id() const { return id_; }

   private:
    friend class BusyUploads;
    Claim(BusyUploads* owner, std::string id) : owner_(owner), id_(std::move(id)) {}
    BusyUploads* owner_;
    std::string id_;
  };

  // The claim on `id`, or nullptr when another holder has it. The claim
  // must not outlive this object.
  std::unique_ptr<Claim> TryClaim(std::string_view id) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ids_.emplace(id).second) return nullptr;
    return std::unique_ptr<Claim>(new Claim(this, std::string(id)));
  }

 private:
  void Release(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    ids_.erase(id);
  }

  std::mutex mu_;
  std::set<std::string, std::less<>> ids_;
};

}  // namespace vtp::control
