#include "adapters/s3_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "adapters/blob_checksum.h"
#include "adapters/s3_presign.h"

namespace vtp::adapters {
namespace {

constexpr char kShaHeader[] = "x-amz-meta-sha256";

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Closes an fd on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// Streams a 2xx body into an open file, starting over on each attempt.
class FileSink final : public S3BodySink {
 public:
  explicit FileSink(int fd) : fd_(fd) {}
  Status Begin() override {
    if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) return IoError(Errno("truncate"));
    return Status::Ok();
  }
  bool Write(std::string_view chunk) override {
    while (!chunk.empty()) {
      ssize_t n = ::write(fd_, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      chunk.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

 private:
  int fd_;
};

// Hashes a 2xx body as it arrives.
class HashSink final : public S3BodySink {
 public:
  Status Begin() override {
    ASSIGN_OR_RETURN(Sha256Hasher h, Sha256Hasher::Create());
    hasher_.emplace(std::move(h));
    return Status::Ok();
  }
  bool Write(std::string_view chunk) override { return hasher_->Update(chunk.data(), chunk.size()).ok(); }
  StatusOr<std::string> Finish() { return hasher_->FinishHex(); }

 private:
  std::optional<Sha256Hasher> hasher_;
};

// Reads exactly `size` bytes at `offset`.
StatusOr<std::string> ReadAt(int fd, uint64_t offset, size_t size) {
  std::string buf(size, '\0');
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, buf.data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError(Errno("read"));
    if (n == 0) return IoError("the file shrank while it was being uploaded");
    done += static_cast<size_t>(n);
  }
  return buf;
}

std::string CompleteBody(const std::vector<std::string>& etags) {
  std::string xml = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] + "</ETag></Part>";
  }
  return xml + "</CompleteMultipartUpload>";
}

std::atomic<uint64_t> temp_counter{0};

}  // namespace

StatusOr<std::unique_ptr<S3BlobStore>> S3BlobStore::Create(S3BlobStoreConfig config) {
  const S3Endpoint& ep = config.endpoint;
  if (!ep.endpoint.starts_with("http://") && !ep.endpoint.starts_with("https://")) {
    return InvalidArgument("S3 endpoint must be an http:// or https:// URL");
  }
  if (ep.endpoint.back() == '/') return InvalidArgument("S3 endpoint must not end with '/'");
  if (ep.bucket.empty() || ep.region.empty()) return InvalidArgument("S3 bucket and region are required");
  if (ep.access_key.empty() || ep.secret_key.empty()) return InvalidArgument("S3 credentials are missing");
  if (!config.key_prefix.empty()) RETURN_IF_ERROR(ports::ValidateBlobPrefix(config.key_prefix));
  if (!config.key_prefix.empty() && config.key_prefix.back() != '/') {
    return InvalidArgument("S3 key prefix must end with '/'");
  }
  if (config.part_size == 0 || config.list_page_size < 1 || config.list_page_size > 1000) {
    return InvalidArgument("S3 part size must be > 0 and the list page size 1..1000");
  }
  return std::unique_ptr<S3BlobStore>(new S3BlobStore(std::move(config)));
}

S3BlobStore::S3BlobStore(S3BlobStoreConfig config)
    : config_(std::move(config)),
      clock_(config_.clock != nullptr ? config_.clock : &system_clock_),
      client_(config_.endpoint, config_.retry) {}

Status S3BlobStore::CheckBucket() const {
  S3Request req;
  req.method = "HEAD";
  return client_.Perform(req, "S3 HEAD bucket " + config_.endpoint.bucket).status();
}

StatusOr<std::optional<S3BlobStore::ObjectInfo>> S3BlobStore::Head(const std::string& key) const {
  S3Request req;
  req.method = "HEAD";
  req.object_key = ObjectKey(key);
  auto reply = client_.Perform(req, "S3 HEAD " + key);
  if (reply.status().code() == ErrorCode::kNotFound) return std::optional<ObjectInfo>();
  if (!reply.ok()) return reply.status();
  ObjectInfo info;
  info.size = std::strtoull(reply->Header("content-length").c_str(), nullptr, 10);
  info.sha256 = reply->Header(kShaHeader);
  info.etag = reply->Header("etag");
  return std::optional<ObjectInfo>(std::move(info));
}

StatusOr<std::vector<ports::BlobInfo>> S3BlobStore::ListPage(const std::string& object_prefix, int max_keys,
                                                             std::string* continuation) const {
  std::vector<std::pair<std::string, std::string>> params = {
      {"list-type", "2"}, {"max-keys", std::to_string(max_keys)}, {"prefix", object_prefix}};
  if (!continuation->empty()) params.emplace_back("continuation-token", *continuation);
  S3Request req;
  req.query = S3Query(std::move(params));
  ASSIGN_OR_RETURN(S3Reply reply, client_.Perform(req, "S3 LIST " + object_prefix));
  const std::vector<std::string> truncated = XmlValues(reply.body, "IsTruncated");
  const std::vector<std::string> next = XmlValues(reply.body, "NextContinuationToken");
  const bool more = !truncated.empty() && truncated.front() == "true";
  if (more && next.empty()) return IoError("S3 LIST " + object_prefix + ": truncated page without a token");
  *continuation = more ? next.front() : "";
  std::vector<ports::BlobInfo> page;
  for (const std::string& contents : XmlElements(reply.body, "Contents")) {
    const std::vector<std::string> key = XmlValues(contents, "Key"), size = XmlValues(contents, "Size"),
                                   modified = XmlValues(contents, "LastModified");
    if (key.empty() || size.empty() || modified.empty()) {
      return IoError("S3 LIST " + object_prefix + ": an entry lacks Key, Size or LastModified");
    }
    ASSIGN_OR_RETURN(int64_t modified_ms, ParseIso8601Millis(modified.front()));
    page.push_back({key.front(), std::strtoull(size.front().c_str(), nullptr, 10), modified_ms});
  }
  return page;
}

Status S3BlobStore::CheckPrefixConflict(const std::string& key) const {
  for (size_t slash = key.find('/'); slash != std::string::npos; slash = key.find('/', slash + 1)) {
    ASSIGN_OR_RETURN(std::optional<ObjectInfo> ancestor, Head(key.substr(0, slash)));
    if (ancestor) return Status(ErrorCode::kAlreadyExists, "a blob exists at a prefix of " + key);
  }
  std::string token;
  ASSIGN_OR_RETURN(std::vector<ports::BlobInfo> below, ListPage(ObjectKey(key) + "/", 1, &token));
  if (!below.empty()) return Status(ErrorCode::kAlreadyExists, "blobs exist below " + key);
  return Status::Ok();
}

Status S3BlobStore::PutObject(const std::string& key, std::string_view bytes, const std::string& sha,
                              bool if_none_match) const {
  S3Request req;
  req.method = "PUT";
  req.object_key = ObjectKey(key);
  req.body = bytes;
  req.headers = {{"Content-Type", "application/octet-stream"}, {kShaHeader, sha}};
  if (if_none_match) req.headers.emplace_back("If-None-Match", "*");
  return client_.Perform(req, "S3 PUT " + key).status();
}

StatusOr<std::string> S3BlobStore::SameOrExists(const std::string& key, const std::string& sha) const {
  ASSIGN_OR_RETURN(std::optional<ObjectInfo> info, Head(key));
  if (!info) return Status(ErrorCode::kInternal, "original vanished after a conflicting write: " + key);
  if (info->sha256.empty()) {
    return Status(ErrorCode::kCorruptInput, "original has no recorded checksum, cannot compare: " + key);
  }
  if (info->sha256 != sha) return Status(ErrorCode::kAlreadyExists, "original exists with other bytes: " + key);
  return sha;
}

template <typename Upload>
StatusOr<std::string> S3BlobStore::CreateOnce(const std::string& key, const std::string& sha, Upload upload) {
  std::lock_guard<std::mutex> lock(originals_mu_);
  ASSIGN_OR_RETURN(std::optional<ObjectInfo> info, Head(key));
  if (info) return SameOrExists(key, sha);
  RETURN_IF_ERROR(CheckPrefixConflict(key));
  Status put = upload(true);
  // 412: another writer got there between our HEAD and PUT.
  if (put.code() == ErrorCode::kAlreadyExists) return SameOrExists(key, sha);
  RETURN_IF_ERROR(put);
  return sha;
}

StatusOr<std::string> S3BlobStore::DoPut(const std::string& key, std::string_view bytes, WriteMode mode) {
  ASSIGN_OR_RETURN(std::string sha, Sha256Hex(bytes));
  auto upload = [&](bool if_none_match) { return PutObject(key, bytes, sha, if_none_match); };
  if (mode == WriteMode::kCreateOnly) return CreateOnce(key, sha, upload);
  RETURN_IF_ERROR(CheckPrefixConflict(key));
  RETURN_IF_ERROR(upload(false));
  return sha;
}

StatusOr<std::string> S3BlobStore::DoPutFile(const std::string& key, const std::string& local_path,
                                             WriteMode mode) {
  FdCloser file{::open(local_path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0 && errno == ENOENT) return NotFound("no such file: " + local_path);
  if (file.fd < 0) return IoError(Errno("open " + local_path));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) return IoError(Errno("stat " + local_path));
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size <= config_.multipart_threshold) {
    ASSIGN_OR_RETURN(std::string bytes, ReadAt(file.fd, 0, size));
    return DoPut(key, bytes, mode);
  }
  ASSIGN_OR_RETURN(std::string sha, Sha256OfFd(file.fd));
  auto upload = [&](bool if_none_match) { return PutMultipart(key, file.fd, size, sha, if_none_match); };
  if (mode == WriteMode::kCreateOnly) return CreateOnce(key, sha, upload);
  RETURN_IF_ERROR(CheckPrefixConflict(key));
  RETURN_IF_ERROR(upload(false));
  return sha;
}

StatusOr<std::string> S3BlobStore::UploadParts(const std::string& key, const std::string& upload_id, int fd,
                                               uint64_t size, const std::string& sha) const {
  ASSIGN_OR_RETURN(Sha256Hasher hasher, Sha256Hasher::Create());
  // S3 allows at most 10,000 parts: huge files get larger parts.
  const uint64_t part_size = std::max<uint64_t>(config_.part_size, (size + 9'999) / 10'000);
  std::vector<std::string> etags;
  for (uint64_t offset = 0; offset < size; offset += part_size) {
    const auto len = static_cast<size_t>(std::min<uint64_t>(part_size, size - offset));
    ASSIGN_OR_RETURN(std::string part, ReadAt(fd, offset, len));
    RETURN_IF_ERROR(hasher.Update(part.data(), part.size()));
    S3Request req;
    req.method = "PUT";
    req.object_key = ObjectKey(key);
    req.query = S3Query({{"partNumber", std::to_string(etags.size() + 1)}, {"uploadId", upload_id}});
    req.body = part;
    ASSIGN_OR_RETURN(S3Reply reply,
                     client_.Perform(req, "S3 PUT part " + std::to_string(etags.size() + 1) + " of " + key));
    if (reply.Header("etag").empty()) return IoError("S3 PUT part of " + key + ": reply has no ETag");
    etags.push_back(reply.Header("etag"));
  }
  ASSIGN_OR_RETURN(std::string sent, hasher.FinishHex());
  if (sent != sha) return IoError("file changed while it was being uploaded to " + key);
  return CompleteBody(etags);
}

Status S3BlobStore::PutMultipart(const std::string& key, int fd, uint64_t size, const std::string& sha,
                                 bool if_none_match) const {
  S3Request create;
  create.method = "POST";
  create.object_key = ObjectKey(key);
  create.query = S3Query({{"uploads", ""}});
  create.headers = {{"Content-Type", "application/octet-stream"}, {kShaHeader, sha}};
  ASSIGN_OR_RETURN(S3Reply created, client_.Perform(create, "S3 create multipart upload of " + key));
  const std::vector<std::string> ids = XmlValues(created.body, "UploadId");
  if (ids.empty()) return IoError("S3 create multipart upload of " + key + ": no UploadId in the reply");
  S3Request done;
  done.object_key = ObjectKey(key);
  done.query = S3Query({{"uploadId", ids.front()}});
  StatusOr<std::string> body = UploadParts(key, ids.front(), fd, size, sha);
  Status result = body.status();
  if (body.ok()) {
    done.method = "POST";
    done.body = *body;
    done.headers = {{"Content-Type", "application/xml"}};
    if (if_none_match) done.headers.emplace_back("If-None-Match", "*");
    auto reply = client_.Perform(done, "S3 complete multipart upload of " + key);
    // S3 may answer 200 and still report an error in the body.
    result = reply.status();
    if (reply.ok() && reply->body.find("<Error>") != std::string::npos) {
      result = IoError("S3 complete multipart upload of " + key + " failed in the reply body");
    }
  }
  if (!result.ok()) {
    done.method = "DELETE";
    done.body = {};
    done.headers.clear();
    static_cast<void>(client_.Perform(done, "S3 abort multipart upload of " + key));  // best effort
  }
  return result;
}

StatusOr<std::string> S3BlobStore::DoGet(const std::string& key) const {
  S3Request req;
  req.object_key = ObjectKey(key);
  ASSIGN_OR_RETURN(S3Reply reply, client_.Perform(req, "S3 GET " + key));
  return std::move(reply.body);
}

Status S3BlobStore::DoGetToFile(const std::string& key, const std::string& local_path) const {
  const std::string temp = local_path + ".tmp." + std::to_string(::getpid()) + "." +
                           std::to_string(temp_counter.fetch_add(1));
  FdCloser file{::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (file.fd < 0) return IoError(Errno("create " + temp));
  FileSink sink(file.fd);
  S3Request req;
  req.object_key = ObjectKey(key);
  req.sink = &sink;
  Status got = client_.Perform(req, "S3 GET " + key).status();
  if (got.ok() && ::rename(temp.c_str(), local_path.c_str()) != 0) got = IoError(Errno("rename to " + local_path));
  if (!got.ok()) ::unlink(temp.c_str());
  return got;
}

StatusOr<bool> S3BlobStore::DoExists(const std::string& key) const {
  ASSIGN_OR_RETURN(std::optional<ObjectInfo> info, Head(key));
  return info.has_value();
}

StatusOr<uint64_t> S3BlobStore::DoSize(const std::string& key) const {
  ASSIGN_OR_RETURN(std::optional<ObjectInfo> info, Head(key));
  if (!info) return NotFound("no blob " + key);
  return info->size;
}

StatusOr<std::string> S3BlobStore::DoChecksum(const std::string& key) const {
  ASSIGN_OR_RETURN(std::optional<ObjectInfo> info, Head(key));
  if (!info) return NotFound("no blob " + key);
  if (!IsSha256Hex(info->sha256)) {
    return Status(ErrorCode::kCorruptInput, "object has no valid x-amz-meta-sha256 (not written by vtp): " + key);
  }
  return info->sha256;
}

Status S3BlobStore::DoVerify(const std::string& key) const {
  HashSink sink;
  S3Request req;
  req.object_key = ObjectKey(key);
  req.sink = &sink;
  ASSIGN_OR_RETURN(S3Reply reply, client_.Perform(req, "S3 GET " + key));
  ASSIGN_OR_RETURN(std::string actual, sink.Finish());
  const std::string recorded = reply.Header(kShaHeader);
  if (!IsSha256Hex(recorded)) {
    return Status(ErrorCode::kCorruptInput, "object has no valid x-amz-meta-sha256 (not written by vtp): " + key);
  }
  if (actual != recorded) return Status(ErrorCode::kCorruptInput, "content does not match its checksum: " + key);
  return Status::Ok();
}

StatusOr<std::vector<std::string>> S3BlobStore::DoList(const std::string& prefix) const {
  ASSIGN_OR_RETURN(std::vector<ports::BlobInfo> infos, DoListInfo(prefix));
  std::vector<std::string> keys;
  keys.reserve(infos.size());
  for (ports::BlobInfo& info : infos) keys.push_back(std::move(info.key));
  return keys;
}

StatusOr<std::vector<ports::BlobInfo>> S3BlobStore::DoListInfo(const std::string& prefix) const {
  std::vector<ports::BlobInfo> infos;
  std::string token;
  do {
    ASSIGN_OR_RETURN(std::vector<ports::BlobInfo> page,
                     ListPage(ObjectKey(prefix), config_.list_page_size, &token));
    for (ports::BlobInfo& info : page) {
      if (!info.key.starts_with(config_.key_prefix)) continue;
      info.key.erase(0, config_.key_prefix.size());
      infos.push_back(std::move(info));
    }
  } while (!token.empty());
  std::sort(infos.begin(), infos.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return infos;
}

Status S3BlobStore::DoDelete(const std::string& key) {
  S3Request req;
  req.method = "DELETE";
  req.object_key = ObjectKey(key);
  Status st = client_.Perform(req, "S3 DELETE " + key).status();
  if (st.code() == ErrorCode::kNotFound) return Status::Ok();
  return st;
}

StatusOr<std::string> S3BlobStore::DoGetRange(const std::string& key, uint64_t offset, uint64_t length) const {
  if (length > 0) {
    // bytes=a-b is inclusive; an end past the object is clipped by S3.
    const uint64_t last = length - 1 > UINT64_MAX - offset ? UINT64_MAX : offset + length - 1;
    S3Request req;
    req.object_key = ObjectKey(key);
    req.headers = {{"Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(last)}};
    auto reply = client_.Perform(req, "S3 GET range of " + key);
    if (reply.ok() && reply->status == 206) return std::move(reply->body);
    if (reply.ok()) return SliceRange(reply->body, offset, length);  // Range ignored: whole body
    if (reply.status().code() != ErrorCode::kInvalidArgument) return reply.status();
  }
  // 416 (or nothing asked for): only the size tells "" from past-the-end.
  ASSIGN_OR_RETURN(uint64_t size, DoSize(key));
  if (offset > size) {
    return InvalidArgument("range starts at " + std::to_string(offset) + ", past the end of '" + key + "' (" +
                           std::to_string(size) + " bytes)");
  }
  if (offset < size && length > 0) return IoError("S3 GET range of " + key + ": refused a satisfiable range");
  return std::string();
}

Status S3BlobStore::CopyObject(const std::string& from, const std::string& to, const std::string& source_etag,
                               std::vector<std::pair<std::string, std::string>> headers) const {
  S3Request req;
  req.method = "PUT";
  req.object_key = ObjectKey(to);
  req.headers = std::move(headers);
  req.headers.emplace_back("x-amz-copy-source", "/" + config_.endpoint.bucket + "/" + ObjectKey(from));
  if (!source_etag.empty()) req.headers.emplace_back("x-amz-copy-source-if-match", source_etag);
  auto reply = client_.Perform(req, "S3 COPY " + from + " to " + to);
  // Only the copy-source condition can fail with 412 here.
  if (reply.status().code() == ErrorCode::kAlreadyExists) {
    return IoError("S3 COPY " + from + " to " + to + ": the source changed during the copy");
  }
  RETURN_IF_ERROR(reply.status());
  // CopyObject may answer 200 and report the failure in the body.
  if (reply->body.find("<Error>") != std::string::npos) {
    return IoError("S3 COPY " + from + " to " + to + " failed in the reply body");
  }
  return Status::Ok();
}

StatusOr<std::string> S3BlobStore::DoCopy(const std::string& from, const std::string& to, WriteMode mode) {
  ASSIGN_OR_RETURN(std::optional<ObjectInfo> src, Head(from));
  if (!src) return NotFound("no blob " + from);
  if (!IsSha256Hex(src->sha256)) {
    return Status(ErrorCode::kCorruptInput, "copy source has no valid x-amz-meta-sha256 (not written by vtp): " + from);
  }
  if (src->size > kMaxCopyObjectBytes) {
    return InvalidArgument("copy source over 5 GiB (CopyObject's limit; UploadPartCopy not implemented): " + from);
  }
  auto upload = [&](bool /*if_none_match*/) {
    return CopyObject(from, to, src->etag, {{"x-amz-metadata-directive", "COPY"}});
  };
  if (mode == WriteMode::kCreateOnly) return CreateOnce(to, src->sha256, upload);
  RETURN_IF_ERROR(CheckPrefixConflict(to));
  RETURN_IF_ERROR(upload(false));
  return src->sha256;
}

StatusOr<std::string> S3BlobStore::Presign(const std::string& method, const std::string& object_key, int expires_s,
                                           std::vector<std::pair<std::string, std::string>> query) const {
  const S3Endpoint& ep = config_.endpoint;
  PresignRequest req;
  req.method = method;
  req.endpoint = ep.endpoint;
  req.bucket = ep.bucket;
  req.object_key = object_key;
  req.region = ep.region;
  req.access_key = ep.access_key;
  req.secret_key = ep.secret_key;
  req.now_s = clock_->NowMillis() / 1000;
  req.expires_s = expires_s;
  req.query = std::move(query);
  return PresignUrl(req);
}

StatusOr<std::string> S3BlobStore::DoPresign(const std::string& method, const std::string& key, int expires_s) const {
  return Presign(method, ObjectKey(key), expires_s, {});
}

StatusOr<std::string> S3BlobStore::DoCreateMultipartUpload(const std::string& key) {
  RETURN_IF_ERROR(CheckPrefixConflict(key));
  S3Request req;
  req.method = "POST";
  req.object_key = ObjectKey(key);
  req.query = S3Query({{"uploads", ""}});
  req.headers = {{"Content-Type", "application/octet-stream"}};
  ASSIGN_OR_RETURN(S3Reply reply, client_.Perform(req, "S3 create multipart upload of " + key));
  const std::vector<std::string> ids = XmlValues(reply.body, "UploadId");
  if (ids.empty() || ids.front().empty()) {
    return IoError("S3 create multipart upload of " + key + ": no UploadId in the reply");
  }
  return ids.front();
}

StatusOr<std::string> S3BlobStore::DoPresignUploadPart(const std::string& key, const std::string& upload_id,
                                                       int part_number, int expires_s) const {
  return Presign("PUT", ObjectKey(key), expires_s,
                 {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}});
}

namespace {

std::string PartsBody(const std::vector<UploadedPart>& parts) {
  std::string xml = "<CompleteMultipartUpload>";
  for (const UploadedPart& p : parts) {
    xml += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>" + p.etag + "</ETag></Part>";
  }
  return xml + "</CompleteMultipartUpload>";
}

// S3 answers a parts list it refuses (InvalidPart, InvalidPartOrder,
// EntityTooSmall) with a 400, which S3Client reports as kIo: the port
// promises kInvalidArgument for those, so the client can correct its list.
Status PartsRefusal(const Status& status) {
  if (status.code() == ErrorCode::kIo && status.message().find("(HTTP 400") != std::string::npos) {
    return InvalidArgument(status.message());
  }
  return status;
}

Status CheckParts(const std::vector<UploadedPart>& parts) {
  if (parts.empty()) return InvalidArgument("a multipart upload needs at least one part");
  int previous = 0;
  for (const UploadedPart& p : parts) {
    if (p.number <= previous || p.number > 10'000) {
      return InvalidArgument("part numbers must ascend strictly within 1..10000");
    }
    if (p.etag.empty() || p.etag.find_first_of("<>&") != std::string::npos) {
      return InvalidArgument("part " + std::to_string(p.number) + " has an empty or malformed ETag");
    }
    previous = p.number;
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::string> S3BlobStore::DoCompleteMultipartUpload(const std::string& key, const std::string& upload_id,
                                                             const std::vector<UploadedPart>& parts) {
  RETURN_IF_ERROR(CheckParts(parts));
  const std::string body = PartsBody(parts);
  S3Request done;
  done.method = "POST";
  done.object_key = ObjectKey(key);
  done.query = S3Query({{"uploadId", upload_id}});
  done.body = body;
  done.headers = {{"Content-Type", "application/xml"}};
  StatusOr<S3Reply> completed = client_.Perform(done, "S3 complete multipart upload of " + key);
  if (!completed.ok()) {
    Status failed = PartsRefusal(completed.status());
    if (failed.code() == ErrorCode::kInvalidArgument) return failed;
    return AssembledEarlier(key, failed);
  }
  if (completed->body.find("<Error>") != std::string::npos) {
    const std::vector<std::string> codes = XmlValues(completed->body, "Code");
    const std::string code = codes.empty() ? "" : codes.front();
    if (code.starts_with("InvalidPart") || code == "EntityTooSmall") {
      return InvalidArgument("S3 complete multipart upload of " + key + ": the parts were refused (" + code + ")");
    }
    const std::string what = "S3 complete multipart upload of " + key;
    if (code == "NoSuchUpload") return AssembledEarlier(key, NotFound(what + ": no such upload"));
    return AssembledEarlier(key, IoError(what + " failed in the reply body (" + code + ")"));
  }
  return HashAndRecord(key);
}

StatusOr<std::string> S3BlobStore::AssembledEarlier(const std::string& key, const Status& failed) {
  // Staging keys are used once: an object there is this upload's assembly.
  StatusOr<std::optional<ObjectInfo>> info = Head(key);
  if (!info.ok() || !info->has_value()) return failed;
  if (!(*info)->sha256.empty()) return (*info)->sha256;
  return HashAndRecord(key);
}

StatusOr<std::string> S3BlobStore::HashAndRecord(const std::string& key) {
  // Hash what S3 assembled, then record it for exactly those bytes.
  HashSink sink;
  S3Request get;
  get.object_key = ObjectKey(key);
  get.sink = &sink;
  ASSIGN_OR_RETURN(S3Reply got, client_.Perform(get, "S3 GET " + key + " to hash it"));
  ASSIGN_OR_RETURN(std::string sha, sink.Finish());
  RETURN_IF_ERROR(CopyObject(key, key, got.Header("etag"),
                             {{"x-amz-metadata-directive", "REPLACE"},
                              {"Content-Type", "application/octet-stream"},
                              {kShaHeader, sha}}));
  return sha;
}

Status S3BlobStore::DoAbortMultipartUpload(const std::string& key, const std::string& upload_id) {
  S3Request req;
  req.method = "DELETE";
  req.object_key = ObjectKey(key);
  req.query = S3Query({{"uploadId", upload_id}});
  return client_.Perform(req, "S3 abort multipart upload of " + key).status();
}

}  // namespace vtp::adapters
