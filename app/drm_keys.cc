#include "app/drm_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>

#include "adapters/cpix_key_generator.h"
#include "adapters/curl_http_client.h"
#include "adapters/static_key_source.h"
#include "pipeline/drm_options.h"

namespace vtp::app {
namespace {

// Keys from the user's file; the HLS AES-128 key, which CPIX has no track
// type for and which players fetch in clear anyway, from the CSPRNG when
// the file (or the key server) does not provide one.
class RoutedGenerator final : public adapters::KeyGenerator {
 public:
  RoutedGenerator(std::unique_ptr<adapters::KeyGenerator> content, std::unique_ptr<ports::KeySource> file)
      : content_(std::move(content)), file_(std::move(file)) {}

  StatusOr<std::vector<ports::ContentKey>> Generate(const std::string& video_id,
                                                    const std::vector<std::string>& labels) override {
    std::vector<std::string> main, local;
    for (const auto& l : labels) (Local(video_id, l) ? local : main).push_back(l);
    std::vector<ports::ContentKey> made;
    if (!main.empty()) {
      ASSIGN_OR_RETURN(made, Make(video_id, main));
    }
    if (!local.empty()) {
      ASSIGN_OR_RETURN(std::vector<ports::ContentKey> more, random_.Generate(video_id, local));
      made.insert(made.end(), more.begin(), more.end());
    }
    std::vector<ports::ContentKey> ordered;
    for (const auto& l : labels) {
      for (const auto& k : made) {
        if (k.label == l) ordered.push_back(k);
      }
    }
    return ordered;
  }

 private:
  bool Local(const std::string& video_id, const std::string& label) const {
    if (label != pipeline::kAes128Label) return false;
    return !file_ || !file_->KeysFor(video_id, {label}).ok();
  }
  StatusOr<std::vector<ports::ContentKey>> Make(const std::string& video_id, const std::vector<std::string>& labels) {
    if (file_) return file_->KeysFor(video_id, labels);
    return content_->Generate(video_id, labels);
  }

  std::unique_ptr<adapters::KeyGenerator> content_;
  std::unique_ptr<ports::KeySource> file_;
  adapters::RandomKeyGenerator random_;
};

class OwningKeySource final : public ports::KeySource {
 public:
  OwningKeySource(std::unique_ptr<adapters::CurlHttpClient> http, std::unique_ptr<adapters::KeyGenerator> generator,
                  ports::KeyVault& vault, adapters::MasterKey master)
      : http_(std::move(http)), generator_(std::move(generator)), source_(vault, std::move(master), *generator_) {}

  StatusOr<std::vector<ports::ContentKey>> KeysFor(const std::string& video_id,
                                                   const std::vector<std::string>& labels) override {
    return source_.KeysFor(video_id, labels);
  }
  StatusOr<ports::ContentKey> Lookup(const std::string& video_id, const cenc::Kid& kid) override {
    return source_.Lookup(video_id, kid);
  }

 private:
  std::unique_ptr<adapters::CurlHttpClient> http_;
  std::unique_ptr<adapters::KeyGenerator> generator_;
  adapters::EnvelopeKeySource source_;
};

Status CreateMasterKeyFile(const std::string& path) {
  if (::access(path.c_str(), F_OK) == 0) return Status::Ok();
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return Internal("no random bytes for a master key");
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : bytes) {
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 15]);
  }
  hex.push_back('\n');
  // Written whole under a private name, then link()ed into place: link
  // fails if the file exists, so of two racing processes one wins and no
  // reader ever sees a half-written key.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create " + tmp);
  bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  OPENSSL_cleanse(bytes, sizeof bytes);
  OPENSSL_cleanse(hex.data(), hex.size());
  if (ok && ::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) ok = false;
  ::unlink(tmp.c_str());
  // The link must survive a power loss: a master key lost after keys were
  // wrapped under it loses every key.
  if (ok) {
    const std::string dir = std::filesystem::path(path).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = dfd >= 0 && ::fsync(dfd) == 0;
    if (dfd >= 0) ::close(dfd);
  }
  return ok ? Status::Ok() : IoError("cannot write " + path);
}

class Lazy final : public ports::KeySource {
 public:
  Lazy(ports::KeyVault& vault, std::string data_dir, KeyOrigin origin)
      : vault_(vault), data_dir_(std::move(data_dir)), origin_(std::move(origin)) {}

  StatusOr<std::vector<ports::ContentKey>> KeysFor(const std::string& video_id,
                                                   const std::vector<std::string>& labels) override {
    ASSIGN_OR_RETURN(ports::KeySource * source, Open());
    return source->KeysFor(video_id, labels);
  }
  StatusOr<ports::ContentKey> Lookup(const std::string& video_id, const cenc::Kid& kid) override {
    ASSIGN_OR_RETURN(ports::KeySource * source, Open());
    return source->Lookup(video_id, kid);
  }

 private:
  StatusOr<ports::KeySource*> Open() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!source_) {
      ASSIGN_OR_RETURN(source_, OpenKeySource(vault_, data_dir_, origin_));
    }
    return source_.get();
  }

  ports::KeyVault& vault_;
  const std::string data_dir_;
  const KeyOrigin origin_;
  std::mutex mu_;
  std::unique_ptr<ports::KeySource> source_;  // guarded by mu_
};

}  // namespace

std::unique_ptr<ports::KeySource> LazyKeySource(ports::KeyVault& vault, std::string data_dir, KeyOrigin origin) {
  return std::make_unique<Lazy>(vault, std::move(data_dir), std::move(origin));
}

StatusOr<adapters::MasterKey> LoadMasterKey(const std::string& data_dir) {
  if (const char* env = std::getenv(kMasterKeyEnv); env && *env) {
    StatusOr<adapters::MasterKey> key = adapters::ParseMasterKey(env);
    if (!key.ok()) return InvalidArgument(std::string(kMasterKeyEnv) + " is not 64 hex digits");
    return key;
  }
  const std::string path = data_dir + "/master.key";
  RETURN_IF_ERROR(CreateMasterKeyFile(path));
  std::ifstream in(path);
  if (!in) return IoError("cannot read " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  StatusOr<adapters::MasterKey> key = adapters::ParseMasterKey(text);
  if (!key.ok()) return InvalidArgument(path + " does not hold a master key (64 hex digits)");
  return key;
}

StatusOr<std::unique_ptr<ports::KeySource>> OpenKeySource(ports::KeyVault& vault, const std::string& data_dir,
                                                          const KeyOrigin& origin) {
  ASSIGN_OR_RETURN(adapters::MasterKey master, LoadMasterKey(data_dir));
  std::unique_ptr<adapters::CurlHttpClient> http;
  std::unique_ptr<adapters::KeyGenerator> content;
  std::unique_ptr<ports::KeySource> file;
  if (!origin.file.empty()) {
    ASSIGN_OR_RETURN(std::vector<ports::ContentKey> keys, adapters::LoadStaticKeys(origin.file));
    file = std::make_unique<adapters::StaticKeySource>(std::move(keys));
  } else if (!origin.server.empty()) {
    http = std::make_unique<adapters::CurlHttpClient>();
    adapters::CpixOptions o;
    o.url = origin.server;
    o.scheme = origin.scheme;
    if (const char* token = std::getenv(kKeyServerTokenEnv)) o.bearer_token = token;
    content = std::make_unique<adapters::CpixKeyGenerator>(*http, std::move(o));
  } else {
    content = std::make_unique<adapters::RandomKeyGenerator>();
  }
  auto routed = std::make_unique<RoutedGenerator>(std::move(content), std::move(file));
  return std::unique_ptr<ports::KeySource>(
      std::make_unique<OwningKeySource>(std::move(http), std::move(routed), vault, std::move(master)));
}

}  // namespace vtp::app
