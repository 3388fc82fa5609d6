#include "control/upload_part_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "service/digest.h"
#include "service/encoding.h"

namespace vtp::control {
namespace {

constexpr size_t kHashBuffer = 256 << 10;

Status Errno(const std::string& what, const std::string& path, int err) {
  if (err == ENOENT) return NotFound(what + " " + path + ": " + std::strerror(err));
  if (err == EEXIST) return Status(ErrorCode::kAlreadyExists, what + " " + path + ": " + std::strerror(err));
  return IoError(what + " " + path + ": " + std::strerror(err));
}

// A new directory entry is durable only once its directory is fsync'd.
Status SyncParentDir(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("fsync directory", dir, err);
}

}  // namespace

StatusOr<PartFile> PartFile::Create(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("create part file", path, errno);
  PartFile file(path, fd);
  RETURN_IF_ERROR(file.Sync());
  RETURN_IF_ERROR(SyncParentDir(path));
  return file;
}

StatusOr<PartFile> PartFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Errno("open part file", path, errno);
  return PartFile(path, fd);
}

PartFile::PartFile(PartFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

PartFile& PartFile::operator=(PartFile&& other) noexcept {
  if (this != &other) {
    Close();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

PartFile::~PartFile() { Close(); }

void PartFile::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status PartFile::WriteAt(uint64_t offset, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write part file", path_, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status PartFile::Sync() {
  if (::fsync(fd_) != 0) return Errno("fsync part file", path_, errno);
  return Status::Ok();
}

Status PartFile::Truncate(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return Errno("truncate part file", path_, errno);
  return Sync();
}

StatusOr<uint64_t> PartFile::Size() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return Errno("stat part file", path_, errno);
  return static_cast<uint64_t>(st.st_size);
}

StatusOr<std::string> PartFile::Sha256Hex(uint64_t length) const {
  ASSIGN_OR_RETURN(service::Digest digest, service::Digest::Create(service::DigestAlgorithm::kSha256));
  std::vector<char> buffer(kHashBuffer);
  uint64_t done = 0;
  while (done < length) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), length - done));
    const ssize_t n = ::pread(fd_, buffer.data(), want, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("read part file", path_, errno);
    }
    if (n == 0) {
      return IoError("part file " + path_ + " holds " + std::to_string(done) + " of the " +
                     std::to_string(length) + " bytes the upload has received");
    }
    RETURN_IF_ERROR(digest.Update(std::string_view(buffer.data(), static_cast<size_t>(n))));
    done += static_cast<uint64_t>(n);
  }
  ASSIGN_OR_RETURN(std::string raw, digest.Final());
  return service::HexEncode(raw);
}

Status RemovePartFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("remove part file", path, errno);
  return Status::Ok();
}

}  // namespace vtp::control
