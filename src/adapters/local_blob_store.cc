#include "adapters/local_blob_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "adapters/blob_checksum.h"

namespace vtp::adapters {
namespace {

constexpr size_t kCopyBuffer = 1 << 20;
constexpr char kLockName[] = ".lock";

// errno → Status, the one conversion point of this adapter.
Status Errno(const std::string& what, int err) {
  return IoError(what + ": " + std::strerror(err));
}

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct KeyPath {
  std::vector<std::string> dirs;
  std::string name;
};

// Precondition: `key` passed ValidateBlobKey.
KeyPath SplitKey(const std::string& key) {
  KeyPath p;
  size_t start = 0;
  for (size_t slash; (slash = key.find('/', start)) != std::string::npos; start = slash + 1) {
    p.dirs.push_back(key.substr(start, slash - start));
  }
  p.name = key.substr(start);
  return p;
}

std::string RecordName(const std::string& name) { return "." + name + ".sha256"; }

Status WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write", errno);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

StatusOr<std::string> ReadAll(int fd, size_t size_hint) {
  std::string out;
  out.reserve(size_hint);
  std::vector<char> buf(kCopyBuffer);
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("read", errno);
    if (n == 0) return out;
    out.append(buf.data(), static_cast<size_t>(n));
  }
}

// Why opening `seg` below `dir_fd` failed, as the port's error classes.
Status ClassifyOpenError(int dir_fd, const std::string& seg, int err, bool creating) {
  struct stat st {};
  bool is_link = fstatat(dir_fd, seg.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
  if (err == ELOOP || is_link) return InvalidArgument("refusing to follow a symlink at '" + seg + "'");
  if (err == ENOENT) return NotFound("no blob below '" + seg + "'");
  if (err == ENOTDIR) {
    if (creating) return Status(ErrorCode::kAlreadyExists, "'" + seg + "' is a blob, not a prefix");
    return NotFound("'" + seg + "' is a blob, not a prefix");
  }
  return Errno("open '" + seg + "'", err);
}

// Opens the directory holding `dirs` below the root, one O_NOFOLLOW step at a
// time; with `create`, makes missing directories and fsyncs each parent so
// the new entry survives a crash.
StatusOr<UniqueFd> OpenDir(int root_fd, const std::vector<std::string>& dirs, bool create) {
  UniqueFd dir(openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return Errno("open blob root", errno);
  for (const auto& seg : dirs) {
    if (create) {
      if (mkdirat(dir.get(), seg.c_str(), 0755) == 0) {
        if (fsync(dir.get()) != 0) return Errno("fsync directory", errno);
      } else if (errno != EEXIST) {
        return Errno("mkdir '" + seg + "'", errno);
      }
    }
    int fd = openat(dir.get(), seg.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ClassifyOpenError(dir.get(), seg, errno, create);
    dir = UniqueFd(fd);
  }
  return dir;
}

// flock(2) on <root>/.lock, released on destruction.
class RootLock {
 public:
  static StatusOr<RootLock> Acquire(int root_fd, bool exclusive) {
    UniqueFd fd(openat(root_fd, kLockName, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (fd.get() < 0) return Errno("open blob store lock", errno);
    while (flock(fd.get(), exclusive ? LOCK_EX : LOCK_SH) != 0) {
      if (errno != EINTR) return Errno("flock", errno);
    }
    return RootLock(std::move(fd));
  }

 private:
  explicit RootLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // closing the descriptor releases the lock
};

// A uniquely named file in `dir_fd`, unlinked on destruction unless Keep().
class TempFile {
 public:
  static StatusOr<TempFile> Create(int dir_fd) {
    static std::atomic<uint64_t> counter{0};
    for (int tries = 0; tries < 100; ++tries) {
      std::string name = ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
      int fd = openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd >= 0) return TempFile(dir_fd, std::move(name), UniqueFd(fd));
      if (errno != EEXIST) return Errno("create temporary blob", errno);
    }
    return IoError("could not pick a free temporary name");
  }
  TempFile(TempFile&& o) noexcept
      : dir_fd_(o.dir_fd_), name_(std::move(o.name_)), fd_(std::move(o.fd_)), keep_(std::exchange(o.keep_, true)) {}
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (!keep_) unlinkat(dir_fd_, name_.c_str(), 0);
  }
  int fd() const { return fd_.get(); }
  const std::string& name() const { return name_; }
  void Keep() { keep_ = true; }

 private:
  TempFile(int dir_fd, std::string name, UniqueFd fd) : dir_fd_(dir_fd), name_(std::move(name)), fd_(std::move(fd)) {}
  int dir_fd_;
  std::string name_;
  UniqueFd fd_;
  bool keep_ = false;
};

// What a checksum record says about the blob it was written with.
struct Record {
  std::string sha256;
  uint64_t size = 0;
  uint64_t inode = 0;
};

std::string FormatRecord(const Record& r) {
  return "sha256 " + r.sha256 + "\nsize " + std::to_string(r.size) + "\ninode " + std::to_string(r.inode) + "\n";
}

StatusOr<Record> ReadRecord(int dir_fd, const std::string& name) {
  UniqueFd fd(openat(dir_fd, RecordName(name).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0 && errno == ENOENT) return Status(ErrorCode::kCorruptInput, "no checksum record for '" + name + "'");
  if (fd.get() < 0) return Errno("open checksum record", errno);
  ASSIGN_OR_RETURN(std::string text, ReadAll(fd.get(), 128));
  char hex[65] = {};
  unsigned long long size = 0, inode = 0;
  if (text.size() > 256 ||
      std::sscanf(text.c_str(), "sha256 %64[0-9a-f]\nsize %llu\ninode %llu\n", hex, &size, &inode) != 3 ||
      !IsSha256Hex(hex)) {
    return Status(ErrorCode::kCorruptInput, "malformed checksum record for '" + name + "'");
  }
  return Record{hex, static_cast<uint64_t>(size), static_cast<uint64_t>(inode)};
}

// The recorded checksum, if the record describes exactly the file `st`.
StatusOr<std::string> MatchRecord(const Record& r, const struct stat& st, const std::string& name) {
  if (r.inode != static_cast<uint64_t>(st.st_ino) || r.size != static_cast<uint64_t>(st.st_size)) {
    return Status(ErrorCode::kCorruptInput,
                  "checksum record of '" + name + "' does not describe the stored file "
                  "(replaced outside the store, or a write was interrupted)");
  }
  return r.sha256;
}

// Opens the blob itself for reading; kNotFound unless it is a regular file.
StatusOr<UniqueFd> OpenBlob(int dir_fd, const std::string& name, struct stat* st) {
  UniqueFd fd(openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ELOOP) return NotFound("no blob '" + name + "'");
    return Errno("open blob '" + name + "'", errno);
  }
  if (fstat(fd.get(), st) != 0) return Errno("fstat blob", errno);
  if (!S_ISREG(st->st_mode)) return NotFound("'" + name + "' is a prefix, not a blob");
  return fd;
}

// Stat of the final component without following it; nullopt when absent.
StatusOr<std::optional<struct stat>> StatEntry(int dir_fd, const std::string& name) {
  struct stat st {};
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return std::optional<struct stat>(st);
  if (errno == ENOENT) return std::optional<struct stat>();
  return Errno("stat '" + name + "'", errno);
}

using Filler = std::function<Status(int fd, Sha256Hasher& hasher)>;

// Makes a fully written, fsynced temporary blob plus its record.
struct Staged {
  TempFile blob;
  TempFile record;
  std::string sha256;
};

StatusOr<Staged> Stage(int dir_fd, const Filler& fill) {
  ASSIGN_OR_RETURN(TempFile blob, TempFile::Create(dir_fd));
  ASSIGN_OR_RETURN(Sha256Hasher hasher, Sha256Hasher::Create());
  RETURN_IF_ERROR(fill(blob.fd(), hasher));
  if (fsync(blob.fd()) != 0) return Errno("fsync blob", errno);
  struct stat st {};
  if (fstat(blob.fd(), &st) != 0) return Errno("fstat blob", errno);
  ASSIGN_OR_RETURN(std::string sha, hasher.FinishHex());
  ASSIGN_OR_RETURN(TempFile record, TempFile::Create(dir_fd));
  std::string text = FormatRecord({sha, static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_ino)});
  RETURN_IF_ERROR(WriteAll(record.fd(), text.data(), text.size()));
  if (fsync(record.fd()) != 0) return Errno("fsync checksum record", errno);
  return Staged{std::move(blob), std::move(record), std::move(sha)};
}

// For kCreateOnly: what to do about an existing entry. OK(sha) means "already
// stored with these bytes"; nullopt means "absent, go ahead".
StatusOr<std::optional<std::string>> CheckExisting(int dir_fd, const std::string& name, const std::string& sha,
                                                   bool create_only) {
  ASSIGN_OR_RETURN(std::optional<struct stat> st, StatEntry(dir_fd, name));
  if (!st) return std::optional<std::string>();
  if (S_ISDIR(st->st_mode)) return Status(ErrorCode::kAlreadyExists, "'" + name + "' is a prefix of other blobs");
  if (!create_only) return std::optional<std::string>();
  if (!S_ISREG(st->st_mode)) return Status(ErrorCode::kAlreadyExists, "'" + name + "' exists and is not a blob");
  ASSIGN_OR_RETURN(Record r, ReadRecord(dir_fd, name));
  ASSIGN_OR_RETURN(std::string existing, MatchRecord(r, *st, name));
  if (existing != sha) {
    return Status(ErrorCode::kAlreadyExists, "'" + name + "' is write-once and holds different content");
  }
  return std::optional<std::string>(existing);
}

// Record first, then blob: a crash in between leaves a record that names an
// inode the key does not hold, which readers detect (see the header).
StatusOr<std::string> Commit(int root_fd, int dir_fd, const std::string& name, Staged& staged, bool create_only) {
  ASSIGN_OR_RETURN(RootLock lock, RootLock::Acquire(root_fd, /*exclusive=*/true));
  ASSIGN_OR_RETURN(std::optional<std::string> same, CheckExisting(dir_fd, name, staged.sha256, create_only));
  if (same) return *same;
  if (renameat(dir_fd, staged.record.name().c_str(), dir_fd, RecordName(name).c_str()) != 0) {
    return Errno("rename checksum record", errno);
  }
  staged.record.Keep();
  if (create_only) {
    if (linkat(dir_fd, staged.blob.name().c_str(), dir_fd, name.c_str(), 0) != 0) {
      if (errno == EEXIST) return Status(ErrorCode::kAlreadyExists, "'" + name + "' appeared concurrently");
      return Errno("link blob", errno);
    }
  } else {
    if (renameat(dir_fd, staged.blob.name().c_str(), dir_fd, name.c_str()) != 0) {
      if (errno == EISDIR || errno == ENOTEMPTY) {
        return Status(ErrorCode::kAlreadyExists, "'" + name + "' is a prefix of other blobs");
      }
      return Errno("rename blob", errno);
    }
    staged.blob.Keep();
  }
  if (fsync(dir_fd) != 0) return Errno("fsync directory", errno);
  return staged.sha256;
}

StatusOr<std::string> WriteBlob(int root_fd, const std::string& key, bool create_only, const Filler& fill) {
  KeyPath kp = SplitKey(key);
  ASSIGN_OR_RETURN(UniqueFd dir, OpenDir(root_fd, kp.dirs, /*create=*/true));
  ASSIGN_OR_RETURN(Staged staged, Stage(dir.get(), fill));
  return Commit(root_fd, dir.get(), kp.name, staged, create_only);
}

// Collects the keys below `dir_fd` (whose key prefix is `rel`) that start
// with `prefix`, skipping hidden names, symlinks and anything that is not a
// valid key segment (files put there by hand).
Status Walk(int dir_fd, const std::string& rel, const std::string& prefix, std::vector<ports::BlobInfo>& out) {
  int dup_fd = dup(dir_fd);
  if (dup_fd < 0) return Errno("dup", errno);
  std::unique_ptr<DIR, int (*)(DIR*)> d(fdopendir(dup_fd), &closedir);
  if (!d) {
    ::close(dup_fd);
    return Errno("opendir", errno);
  }
  while (dirent* e = readdir(d.get())) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.' || !ports::ValidateBlobKey(name).ok()) continue;
    std::string key = rel + name;
    struct stat st {};
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // raced with a delete
    if (S_ISREG(st.st_mode)) {
      if (key.starts_with(prefix)) {
        out.push_back({key, static_cast<uint64_t>(st.st_size),
                       static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000});
      }
    } else if (S_ISDIR(st.st_mode)) {
      std::string sub = key + "/";
      if (!sub.starts_with(prefix) && !prefix.starts_with(sub)) continue;
      UniqueFd child(openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (child.get() < 0) continue;
      RETURN_IF_ERROR(Walk(child.get(), sub, prefix, out));
    }
  }
  return Status::Ok();
}

StatusOr<std::string> CopyToLocal(int src_fd, const std::string& local_path) {
  static std::atomic<uint64_t> counter{0};
  std::string tmp = local_path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
  UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (out.get() < 0) return Errno("create '" + tmp + "'", errno);
  std::vector<char> buf(kCopyBuffer);
  Status st;
  while (st.ok()) {
    ssize_t n = ::read(src_fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) st = Errno("read blob", errno);
    if (n <= 0) break;
    st = WriteAll(out.get(), buf.data(), static_cast<size_t>(n));
  }
  if (st.ok() && ::close(out.Release()) != 0) st = Errno("close '" + tmp + "'", errno);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return tmp;
}

}  // namespace

StatusOr<std::unique_ptr<LocalBlobStore>> LocalBlobStore::Open(const std::string& root) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return IoError("create blob root '" + root + "': " + ec.message());
  std::string abs = std::filesystem::absolute(root, ec).lexically_normal().string();
  if (ec) return IoError("resolve blob root '" + root + "': " + ec.message());
  if (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  int fd = ::open(abs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open blob root '" + abs + "'", errno);
  return std::unique_ptr<LocalBlobStore>(new LocalBlobStore(std::move(abs), fd));
}

LocalBlobStore::~LocalBlobStore() { ::close(root_fd_); }

StatusOr<std::string> LocalBlobStore::DoPut(const std::string& key, std::string_view bytes, WriteMode mode) {
  return WriteBlob(root_fd_, key, mode == WriteMode::kCreateOnly, [&](int fd, Sha256Hasher& h) {
    RETURN_IF_ERROR(h.Update(bytes.data(), bytes.size()));
    return WriteAll(fd, bytes.data(), bytes.size());
  });
}

StatusOr<std::string> LocalBlobStore::DoPutFile(const std::string& key, const std::string& local_path,
                                                WriteMode mode) {
  UniqueFd src(::open(local_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (src.get() < 0) {
    if (errno == ENOENT) return NotFound("no local file '" + local_path + "'");
    return Errno("open '" + local_path + "'", errno);
  }
  return WriteBlob(root_fd_, key, mode == WriteMode::kCreateOnly, [&](int fd, Sha256Hasher& h) -> Status {
    std::vector<char> buf(kCopyBuffer);
    while (true) {
      ssize_t n = ::read(src.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno("read '" + local_path + "'", errno);
      if (n == 0) return Status::Ok();
      RETURN_IF_ERROR(h.Update(buf.data(), static_cast<size_t>(n)));
      RETURN_IF_ERROR(WriteAll(fd, buf.data(), static_cast<size_t>(n)));
    }
  });
}

StatusOr<std::string> LocalBlobStore::DoGet(const std::string& key) const {
  KeyPath kp = SplitKey(key);
  ASSIGN_OR_RETURN(UniqueFd dir, OpenDir(root_fd_, kp.dirs, false));
  struct stat st {};
  ASSIGN_OR_RETURN(UniqueFd fd, OpenBlob(dir.get(), kp.name, &st));
  return ReadAll(fd.get(), static_cast<size_t>(st.st_size));
}

Status LocalBlobStore::DoGetToFile(const std::string& key, const std::string& local_path) const {
  KeyPath kp = SplitKey(key);
  ASSIGN_OR_RETURN(UniqueFd dir, OpenDir(root_fd_, kp.dirs, false));
  struct stat st {};
  ASSIGN_OR_RETURN(UniqueFd fd, OpenBlob(dir.get(), kp.name, &st));
  ASSIGN_OR_RETURN(std::string tmp, CopyToLocal(fd.get(), local_path));
  if (::rename(tmp.c_str(), local_path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Errno("rename to '" + local_path + "'", err);
  }
  return Status::Ok();
}

StatusOr<bool> LocalBlobStore::DoExists(const std::string& key) const {
  StatusOr<uint64_t> size = DoSize(key);
  if (size.ok()) return true;
  if (size.status().code() == ErrorCode::kNotFound) return false;
  return size.status();
}

StatusOr<uint64_t> LocalBlobStore::DoSize(const std::string& key) const {
  KeyPath kp = SplitKey(key);
  ASSIGN_OR_RETURN(UniqueFd dir, OpenDir(root_fd_, kp.dirs, false));
  ASSIGN_OR_RETURN(std::optional<struct stat> st, StatEntry(dir.get(), kp.name));
  if (!st || !S_ISREG(st->st_mode)) return NotFound("no blob '" + key + "'");
  return static_cast<uint64_t>(st->st_size);
}

StatusOr<std::string> LocalBlobStore::DoChecksum(const std::string& key) const {
  KeyPath kp = SplitKey(key);
  ASSIGN_OR_RETURN(UniqueFd dir, OpenDir(root_fd_, kp.dirs, false));
  ASSIGN_OR_RETURN(RootLock lock, RootLock::Acquire(root_fd_, /*exclusive=*/false));
  ASSIGN_OR_RETURN(std::optional<struct stat> st, StatEntry(dir.get(), kp.name));
  if (!st || !S_ISREG(st->st_mode)) return NotFound("no blob '" + key + "'");
  ASSIGN_OR_RETURN(Record r, ReadRecord(dir.get(), kp.name));
  return MatchRecord(r, *st, key);
}

Status LocalBlobStore::DoVerify(const std::string& key) const {
  KeyPath kp = SplitKey(key);
  ASSIGN_OR_RETURN(UniqueFd dir, OpenDir(root_fd_, kp.dirs, false));
  UniqueFd fd;
  std::string recorded;
  {
    // The lock pins the (record, inode) pair; hashing runs unlocked on the
    // open descriptor, which keeps reading this inode even if it is replaced.
    ASSIGN_OR_RETURN(RootLock lock, RootLock::Acquire(root_fd_, /*exclusive=*/false));
    struct stat st {};
    ASSIGN_OR_RETURN(fd, OpenBlob(dir.get(), kp.name, &st));
    ASSIGN_OR_RETURN(Record r, ReadRecord(dir.get(), kp.name));
    ASSIGN_OR_RETURN(recorded, MatchRecord(r, st, key));
  }
  ASSIGN_OR_RETURN(std::string actual, Sha256OfFd(fd.get()));
  if (actual != recorded) {
    return Status(ErrorCode::kCorruptInput, "content of '" + key + "' no longer matches its checksum (recorded " +
                                                recorded + ", found " + actual + ")");
  }
  return Status::Ok();
}

StatusOr<std::vector<std::string>> LocalBlobStore::DoList(const std::string& prefix) const {
  ASSIGN_OR_RETURN(std::vector<ports::BlobInfo> infos, DoListInfo(prefix));
  std::vector<std::string> keys;
  keys.reserve(infos.size());
  for (ports::BlobInfo& info : infos) keys.push_back(std::move(info.key));
  return keys;
}

StatusOr<std::vector<ports::BlobInfo>> LocalBlobStore::DoListInfo(const std::string& prefix) const {
  // Start at the deepest directory the prefix names completely.
  size_t slash = prefix.rfind('/');
  std::string rel = slash == std::string::npos ? "" : prefix.substr(0, slash + 1);
  KeyPath kp = SplitKey(rel + "x");
  std::vector<ports::BlobInfo> out;
  StatusOr<UniqueFd> dir = OpenDir(root_fd_, kp.dirs, false);
  if (!dir.ok()) {
    if (dir.status().code() == ErrorCode::kNotFound) return out;
    return dir.status();
  }
  RETURN_IF_ERROR(Walk(dir->get(), rel, prefix, out));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

StatusOr<std::string> LocalBlobStore::DoGetRange(const std::string& key, uint64_t offset, uint64_t length) const {
  KeyPath kp = SplitKey(key);
  ASSIGN_OR_RETURN(UniqueFd dir, OpenDir(root_fd_, kp.dirs, false));
  struct stat st {};
  ASSIGN_OR_RETURN(UniqueFd fd, OpenBlob(dir.get(), kp.name, &st));
  const auto size = static_cast<uint64_t>(st.st_size);
  if (offset > size) {
    return InvalidArgument("range starts at " + std::to_string(offset) + ", past the end of '" + key + "' (" +
                           std::to_string(size) + " bytes)");
  }
  std::string out(static_cast<size_t>(std::min(length, size - offset)), '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("read blob '" + key + "'", errno);
    if (n == 0) break;  // shrank under us: return what exists, as HTTP would
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

StatusOr<std::string> LocalBlobStore::DoCopy(const std::string& from, const std::string& to, WriteMode mode) {
  KeyPath kp = SplitKey(from);
  ASSIGN_OR_RETURN(UniqueFd dir, OpenDir(root_fd_, kp.dirs, false));
  UniqueFd src;
  std::string recorded;
  {
    // Same pinning as Verify: the record and the open inode belong together.
    ASSIGN_OR_RETURN(RootLock lock, RootLock::Acquire(root_fd_, /*exclusive=*/false));
    struct stat st {};
    ASSIGN_OR_RETURN(src, OpenBlob(dir.get(), kp.name, &st));
    ASSIGN_OR_RETURN(Record r, ReadRecord(dir.get(), kp.name));
    ASSIGN_OR_RETURN(recorded, MatchRecord(r, st, from));
  }
  return WriteBlob(root_fd_, to, mode == WriteMode::kCreateOnly, [&](int fd, Sha256Hasher& h) -> Status {
    ASSIGN_OR_RETURN(Sha256Hasher check, Sha256Hasher::Create());
    std::vector<char> buf(kCopyBuffer);
    while (true) {
      ssize_t n = ::read(src.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno("read blob '" + from + "'", errno);
      if (n == 0) break;
      RETURN_IF_ERROR(h.Update(buf.data(), static_cast<size_t>(n)));
      RETURN_IF_ERROR(check.Update(buf.data(), static_cast<size_t>(n)));
      RETURN_IF_ERROR(WriteAll(fd, buf.data(), static_cast<size_t>(n)));
    }
    ASSIGN_OR_RETURN(std::string actual, check.FinishHex());
    if (actual != recorded) {
      return Status(ErrorCode::kCorruptInput, "copy source '" + from + "' no longer matches its checksum");
    }
    return Status::Ok();
  });
}

Status LocalBlobStore::DoDelete(const std::string& key) {
  KeyPath kp = SplitKey(key);
  StatusOr<UniqueFd> dir = OpenDir(root_fd_, kp.dirs, false);
  if (!dir.ok()) return dir.status().code() == ErrorCode::kNotFound ? Status::Ok() : dir.status();
  ASSIGN_OR_RETURN(RootLock lock, RootLock::Acquire(root_fd_, /*exclusive=*/true));
  ASSIGN_OR_RETURN(std::optional<struct stat> st, StatEntry(dir->get(), kp.name));
  if (st && S_ISDIR(st->st_mode)) return Status::Ok();  // a prefix, not a blob
  // Blob first: a crash in between leaves only an orphan record, which is
  // harmless and overwritten by the next write of the key.
  if (st && unlinkat(dir->get(), kp.name.c_str(), 0) != 0 && errno != ENOENT) {
    return Errno("unlink '" + key + "'", errno);
  }
  if (unlinkat(dir->get(), RecordName(kp.name).c_str(), 0) != 0 && errno != ENOENT) {
    return Errno("unlink checksum record of '" + key + "'", errno);
  }
  if (fsync(dir->get()) != 0) return Errno("fsync directory", errno);
  return Status::Ok();
}

std::optional<std::string> LocalBlobStore::DoLocalPath(const std::string& key) const {
  StatusOr<bool> exists = DoExists(key);
  if (!exists.ok() || !*exists) return std::nullopt;
  return root_ + "/" + key;
}

}  // namespace vtp::adapters
