// Uploads through the API: POST /videos/upload validation, then the tus
// endpoints (creation, HEAD, PATCH, DELETE, OPTIONS) up to completion into a
// video whose original is stored under originals/.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "service/digest.h"
#include "service/encoding.h"
#include "service_fixture.h"

namespace vtp::api::testing {
namespace {

using nlohmann::json;

constexpr std::string_view kUpload = "/api/v1/videos/upload";

// Deterministic, not all one byte, so a misplaced chunk changes the hash.
std::string Bytes(size_t n, char seed = 'a') {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + static_cast<char>(i % 23));
  return s;
}

std::string Sha1Header(std::string_view bytes) {
  StatusOr<std::string> raw = service::ComputeDigest(service::DigestAlgorithm::kSha1, bytes);
  EXPECT_TRUE(raw.ok());
  return "sha1 " + service::Base64Encode(raw.ok() ? *raw : "");
}

class ServiceUploadsTest : public ServiceFixture {
 protected:
  HttpResponse Initiate(const json& body, HeaderList headers = {}) {
    return CallJson("POST", kUpload, alice_, body, std::move(headers));
  }
  HttpResponse Head(const std::string& upload_id, const std::string& token) {
    return Call("HEAD", "/api/v1/uploads/" + upload_id, "", TusHeaders(token));
  }
};

TEST_F(ServiceUploadsTest, InitiateRefusesMissingFields) {
  ExpectProblem(Initiate({{"filename", "a.mp4"}}), 400, "missing-field");
  ExpectProblem(Initiate({{"filename", "a.mp4"}, {"content_type", "video/mp4"}}), 400, "missing-field");
  ExpectProblem(Initiate({{"content_type", "video/mp4"}, {"file_size_bytes", 1}}), 400, "missing-field");
  ExpectProblem(Initiate({{"filename", ""}, {"content_type", "video/mp4"}, {"file_size_bytes", 1}}), 400,
                "missing-field");
  ExpectProblem(Initiate(json::object()), 400, "missing-field");
  EXPECT_EQ(PartFiles(), 0);
}

TEST_F(ServiceUploadsTest, InitiateRefusesMistypedFields) {
  json body = UploadRequest("a.mp4", 1);
  body["file_size_bytes"] = "1";
  ExpectProblem(Initiate(body), 400, "invalid-field");
  body = UploadRequest("a.mp4", 1);
  body["file_size_bytes"] = 1.5;
  ExpectProblem(Initiate(body), 400, "invalid-field");
  body = UploadRequest("a.mp4", 1);
  body["filename"] = 7;
  ExpectProblem(Initiate(body), 400, "invalid-field");
  body = UploadRequest("a.mp4", 1);
  body["title"] = json::array();
  ExpectProblem(Initiate(body), 400, "invalid-field");
}

TEST_F(ServiceUploadsTest, InitiateRefusesMalformedJson) {
  json p = ExpectProblem(Call("POST", kUpload, alice_, {{"Content-Type", "application/json"}}, "{\"filename\": "),
                         400, "malformed-json");
  EXPECT_EQ(p.value("instance", ""), kUpload);
  ExpectProblem(Call("POST", kUpload, alice_, {{"Content-Type", "application/json"}}, "[1, 2]"), 400,
                "malformed-json");
  ExpectProblem(Call("POST", kUpload, alice_, {{"Content-Type", "application/json"}}, "\"text\""), 400,
                "malformed-json");
  ExpectProblem(Call("POST", kUpload, alice_, {{"Content-Type", "application/json"}}, ""), 400, "malformed-json");
}

TEST_F(ServiceUploadsTest, InitiateRefusesNonJsonContentType) {
  const std::string body = UploadRequest("a.mp4", 1).dump();
  ExpectProblem(Call("POST", kUpload, alice_, {{"Content-Type", "text/plain"}}, body), 415, "unsupported-media-type");
  ExpectProblem(Call("POST", kUpload, alice_, {{"Content-Type", "application/x-www-form-urlencoded"}}, body), 415,
                "unsupported-media-type");
  // Parameters and case do not matter.
  EXPECT_EQ(Call("POST", kUpload, alice_, {{"Content-Type", "Application/JSON; charset=utf-8"}}, body).result_int(),
            201u);
}

TEST_F(ServiceUploadsTest, InitiateRefusesBadValues) {
  json body = UploadRequest("a.mp4", 1);
  body["content_type"] = "text/html";
  ExpectProblem(Initiate(body), 422, "unsupported-content-type");
  ExpectProblem(Initiate(UploadRequest("a.mp4", -1)), 422, "invalid-size");
  ExpectProblem(Initiate(UploadRequest("a.mp4", 2 << 20)), 422, "invalid-upload");  // over max_size
  body = UploadRequest("a.mp4", 1);
  body["options"] = {{"output_dir", "/etc"}};
  json p = ExpectProblem(Initiate(body), 422, "invalid-options");
  EXPECT_NE(p.value("detail", "").find("output_dir"), std::string::npos) << p.dump();
  body["options"] = "fast";
  ExpectProblem(Initiate(body), 422, "invalid-options");
  body["options"] = {{"segment_seconds", "six"}};
  ExpectProblem(Initiate(body), 422, "invalid-options");
  body = UploadRequest("a.mp4", 1);
  body["sha256"] = "not-hex";
  ExpectProblem(Initiate(body), 422, "invalid-upload");
  EXPECT_EQ(PartFiles(), 0);
  body = UploadRequest("a.mp4", 1);
  body["options"] = {{"segment_seconds", 4}, {"thumbnails", {{"enabled", false}}}};
  EXPECT_EQ(Initiate(body).result_int(), 201u);
}

TEST_F(ServiceUploadsTest, InitiateRefusesTooLongStrings) {
  ExpectProblem(Initiate(UploadRequest(std::string(256, 'f') + ".mp4", 1)), 400, "invalid-field");
  EXPECT_EQ(Initiate(UploadRequest(std::string(251, 'f') + ".mp4", 1)).result_int(), 201u);  // 255: the limit
  ExpectProblem(Initiate(UploadRequest("a.mp4", 1, std::string(501, 't'))), 400, "invalid-field");
}

TEST_F(ServiceUploadsTest, TraversalFilenameIsOnlyADisplayName) {
  const std::string name = "../../etc/passwd";
  HttpResponse res = Initiate(UploadRequest(name, 0));
  ASSERT_EQ(res.result_int(), 201u) << res.body();
  const std::string vid = BodyJson(res).value("video_id", "");
  ports::VideoRecord v = Video(vid);
  EXPECT_EQ(v.title, name);
  EXPECT_EQ(v.original_key.rfind("originals/" + vid + "/", 0), 0u) << v.original_key;
  EXPECT_EQ(v.original_key.find(".."), std::string::npos) << v.original_key;
  EXPECT_EQ(v.original_key.find('/', std::string("originals/").size() + vid.size() + 1), std::string::npos);
  StatusOr<bool> exists = blobs_->Exists(v.original_key);
  ASSERT_TRUE(exists.ok());
  EXPECT_TRUE(*exists);
  std::optional<std::string> local = blobs_->LocalPath(v.original_key);
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(local->rfind(blobs_->root() + "/originals/" + vid + "/", 0), 0u) << *local;
  EXPECT_EQ(BodyJson(Call("GET", "/api/v1/videos/" + vid, alice_)).value("title", ""), name);

  HttpResponse dotted = Initiate(UploadRequest("..\\..\\x/../clip.MP4/../.mp4", 0));
  ASSERT_EQ(dotted.result_int(), 201u) << dotted.body();
  const std::string vid2 = BodyJson(dotted).value("video_id", "");
  EXPECT_EQ(Video(vid2).original_key.rfind("originals/" + vid2 + "/original.", 0), 0u) << Video(vid2).original_key;
}

TEST_F(ServiceUploadsTest, TusUploadInTwoChunksCompletes) {
  const std::string file = Bytes(1500);
  HttpResponse init = Initiate(UploadRequest("movie.mov", static_cast<int64_t>(file.size()), "My movie"));
  ASSERT_EQ(init.result_int(), 201u) << init.body();
  const json answer = BodyJson(init);
  const std::string vid = answer.value("video_id", "");
  const std::string uid = answer.value("upload_id", "");
  EXPECT_EQ(answer.value("upload_url", ""), "/api/v1/uploads/" + uid);
  EXPECT_EQ(answer.value("protocol", ""), "tus");
  EXPECT_EQ(answer.value("tus_resumable", ""), "1.0.0");
  EXPECT_TRUE(answer.contains("expires_at"));
  EXPECT_EQ(HeaderOf(init, "Location"), "/api/v1/videos/" + vid);

  HttpResponse head = Head(uid, alice_);
  EXPECT_EQ(head.result_int(), 200u);
  EXPECT_EQ(HeaderOf(head, "Upload-Offset"), "0");
  EXPECT_EQ(HeaderOf(head, "Upload-Length"), "1500");
  EXPECT_EQ(HeaderOf(head, "Tus-Resumable"), "1.0.0");
  EXPECT_EQ(HeaderOf(head, "Cache-Control"), "no-store");

  HttpResponse first = Patch(alice_, uid, 0, file.substr(0, 600));
  ASSERT_EQ(first.result_int(), 204u) << first.body();
  EXPECT_EQ(HeaderOf(first, "Upload-Offset"), "600");
  EXPECT_EQ(HeaderOf(first, "Tus-Resumable"), "1.0.0");
  EXPECT_EQ(HeaderOf(Head(uid, alice_), "Upload-Offset"), "600");

  // While incomplete, the status is the upload's progress.
  HttpResponse status = Call("GET", "/api/v1/videos/" + vid + "/status", alice_);
  ASSERT_EQ(status.result_int(), 200u) << status.body();
  json st = BodyJson(status);
  EXPECT_EQ(st.value("status", ""), "uploading");
  EXPECT_EQ(st.value("video_id", ""), vid);
  EXPECT_EQ(st.at("upload").value("offset", 0), 600);
  EXPECT_EQ(st.at("upload").value("length", 0), 1500);
  EXPECT_EQ(st.at("upload").value("percent", -1), 40);
  EXPECT_EQ(Call("GET", "/api/v1/videos/" + vid, alice_).result_int(), 404u) << "no video until complete";

  // Refusals leave the offset where it is.
  ExpectProblem(Patch(alice_, uid, 0, file.substr(0, 600)), 409, "upload-409");
  HttpResponse no_tus = Call("PATCH", "/api/v1/uploads/" + uid, alice_,
                             {{"Upload-Offset", "600"}, {"Content-Type", std::string(kTusContentType)}},
                             file.substr(600));
  ExpectProblem(no_tus, 412, "upload-412");
  EXPECT_EQ(HeaderOf(no_tus, "Tus-Version"), "1.0.0");
  ExpectProblem(Patch(alice_, uid, 600, file.substr(600), {{"Content-Type", "application/octet-stream"}}), 415,
                "upload-415");
  HttpResponse bad_sum = Patch(alice_, uid, 600, file.substr(600), {{"Upload-Checksum", Sha1Header("other bytes")}});
  ExpectProblem(bad_sum, 460, "upload-460");
  EXPECT_EQ(std::string(bad_sum.reason()), "Checksum Mismatch");
  EXPECT_EQ(HeaderOf(Head(uid, alice_), "Upload-Offset"), "600");

  HttpResponse last = Patch(alice_, uid, 600, file.substr(600), {{"Upload-Checksum", Sha1Header(file.substr(600))}});
  ASSERT_EQ(last.result_int(), 204u) << last.body();
  EXPECT_EQ(HeaderOf(last, "Upload-Offset"), "1500");

  // Complete: the status is the pipeline's, and the original is the file.
  status = Call("GET", "/api/v1/videos/" + vid + "/status", alice_);
  ASSERT_EQ(status.result_int(), 200u) << status.body();
  EXPECT_EQ(HeaderOf(status, "Cache-Control"), "no-store");
  st = BodyJson(status);
  const std::string s = st.value("status", "");
  EXPECT_TRUE(s == "probing" || s == "uploaded") << st.dump();
  EXPECT_TRUE(st.contains("pipeline_progress") && st["pipeline_progress"].is_object()) << st.dump();
  const ports::VideoRecord v = Video(vid);
  EXPECT_EQ(v.creator_id, "alice");
  EXPECT_EQ(v.title, "My movie");
  EXPECT_EQ(v.original_key, "originals/" + vid + "/original.mov");
  StatusOr<std::string> sum = blobs_->Checksum(v.original_key);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(*sum, service::Sha256Hex(file));
  StatusOr<std::string> stored = blobs_->Get(v.original_key);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, file);
  EXPECT_EQ(PartFiles(), 0);

  HttpResponse done_head = Head(uid, alice_);
  EXPECT_EQ(done_head.result_int(), 200u);
  EXPECT_EQ(HeaderOf(done_head, "Upload-Offset"), "1500");
  json described = BodyJson(Call("GET", "/api/v1/videos/" + vid, alice_));
  EXPECT_EQ(described.at("original").value("file_size_bytes", 0), 1500);
  EXPECT_EQ(described.value("title", ""), "My movie");
  // A completed upload cannot be terminated: its video exists.
  ExpectProblem(Call("DELETE", "/api/v1/uploads/" + uid, "", TusHeaders(alice_)), 409, "upload-409");
}

TEST_F(ServiceUploadsTest, DeclaredSha256MismatchDiscardsTheUpload) {
  json body = UploadRequest("a.mp4", 10);
  body["sha256"] = service::Sha256Hex("something else");
  HttpResponse init = Initiate(body);
  ASSERT_EQ(init.result_int(), 201u) << init.body();
  const std::string uid = BodyJson(init).value("upload_id", "");
  const std::string vid = BodyJson(init).value("video_id", "");
  HttpResponse patch = Patch(alice_, uid, 0, Bytes(10));
  ExpectProblem(patch, 460, "upload-460");
  EXPECT_EQ(Head(uid, alice_).result_int(), 404u);
  EXPECT_EQ(Call("GET", "/api/v1/videos/" + vid + "/status", alice_).result_int(), 404u);
  EXPECT_EQ(PartFiles(), 0);
}

TEST_F(ServiceUploadsTest, TusCreationEndpoint) {
  const std::string meta = "filename " + service::Base64Encode("clip.mp4") + ",filetype " +
                           service::Base64Encode("video/mp4");
  HttpResponse created =
      Call("POST", "/api/v1/uploads", alice_,
           {{"Tus-Resumable", "1.0.0"}, {"Upload-Length", "5"}, {"Upload-Metadata", meta}});
  ASSERT_EQ(created.result_int(), 201u) << created.body();
  const std::string location = HeaderOf(created, "Location");
  const std::string vid = HeaderOf(created, "Vtp-Video-Id");
  ASSERT_EQ(location.rfind("/api/v1/uploads/", 0), 0u) << location;
  EXPECT_FALSE(vid.empty());
  EXPECT_EQ(HeaderOf(created, "Tus-Resumable"), "1.0.0");
  EXPECT_NE(HeaderOf(created, "Access-Control-Expose-Headers").find("Vtp-Video-Id"), std::string::npos);
  const std::string uid = location.substr(std::string("/api/v1/uploads/").size());

  HttpResponse head = Head(uid, alice_);
  EXPECT_EQ(head.result_int(), 200u);
  EXPECT_EQ(HeaderOf(head, "Upload-Length"), "5");
  EXPECT_NE(HeaderOf(head, "Upload-Metadata").find("filename " + service::Base64Encode("clip.mp4")), std::string::npos);
  HttpResponse done = Patch(alice_, uid, 0, "12345");
  ASSERT_EQ(done.result_int(), 204u) << done.body();
  const ports::VideoRecord v = Video(vid);
  EXPECT_EQ(v.creator_id, "alice");
  EXPECT_EQ(v.title, "clip.mp4");
  EXPECT_EQ(v.original_key, "originals/" + vid + "/original.mp4");

  ExpectProblem(Call("POST", "/api/v1/uploads", alice_, {{"Upload-Length", "5"}}), 412, "upload-412");
  ExpectProblem(Call("POST", "/api/v1/uploads", alice_, {{"Tus-Resumable", "1.0.0"}}), 400, "upload-400");
  ExpectProblem(Call("POST", "/api/v1/uploads", alice_, {{"Tus-Resumable", "1.0.0"}, {"Upload-Length", "-1"}}), 400,
                "upload-400");
  ExpectProblem(Call("POST", "/api/v1/uploads", alice_,
                     {{"Tus-Resumable", "1.0.0"}, {"Upload-Length", std::to_string(2 << 20)}}),
                413, "upload-413");
  ExpectProblem(Call("POST", "/api/v1/uploads", alice_,
                     {{"Tus-Resumable", "1.0.0"}, {"Upload-Length", "5"}, {"Upload-Metadata", "filename !!notbase64"}}),
                400, "upload-400");
  EXPECT_EQ(Call("POST", "/api/v1/uploads", "", {{"Tus-Resumable", "1.0.0"}, {"Upload-Length", "5"}}).result_int(),
            401u);
}

TEST_F(ServiceUploadsTest, OptionsNeedsNoKey) {
  for (const std::string target : {"/api/v1/uploads", "/api/v1/uploads/0123456789abcdef0123456789abcdef"}) {
    SCOPED_TRACE(target);
    HttpResponse res = Call("OPTIONS", target);
    EXPECT_EQ(res.result_int(), 204u) << res.body();
    EXPECT_EQ(HeaderOf(res, "Tus-Version"), "1.0.0");
    const std::string ext = HeaderOf(res, "Tus-Extension");
    for (const char* e : {"creation", "termination", "checksum", "expiration"}) {
      EXPECT_NE(ext.find(e), std::string::npos) << ext;
    }
    EXPECT_EQ(HeaderOf(res, "Tus-Max-Size"), std::to_string(1 << 20));
    EXPECT_NE(HeaderOf(res, "Tus-Checksum-Algorithm").find("sha1"), std::string::npos);
    EXPECT_EQ(HeaderOf(res, "Access-Control-Allow-Origin"), "*");
    EXPECT_NE(HeaderOf(res, "Access-Control-Allow-Methods").find("PATCH"), std::string::npos);
  }
}

TEST_F(ServiceUploadsTest, DeleteTerminatesTheUpload) {
  Started up = StartUpload(alice_, 100);
  ASSERT_EQ(Patch(alice_, up.upload_id, 0, Bytes(10)).result_int(), 204u);
  EXPECT_EQ(PartFiles(), 1);
  ExpectProblem(Call("DELETE", "/api/v1/uploads/" + up.upload_id, alice_), 412, "upload-412");
  HttpResponse del = Call("DELETE", "/api/v1/uploads/" + up.upload_id, "", TusHeaders(alice_));
  EXPECT_EQ(del.result_int(), 204u) << del.body();
  EXPECT_EQ(Head(up.upload_id, alice_).result_int(), 404u);
  ExpectProblem(Patch(alice_, up.upload_id, 10, Bytes(10)), 404, "upload-404");
  ExpectProblem(Call("DELETE", "/api/v1/uploads/" + up.upload_id, "", TusHeaders(alice_)), 404, "upload-404");
  EXPECT_EQ(PartFiles(), 0);
  EXPECT_EQ(Call("GET", "/api/v1/videos/" + up.video_id + "/status", alice_).result_int(), 404u);
}

TEST_F(ServiceUploadsTest, PatchBeyondTheLengthIs413) {
  Started up = StartUpload(alice_, 10);
  ExpectProblem(Patch(alice_, up.upload_id, 0, Bytes(11)), 413, "upload-413");
  EXPECT_EQ(HeaderOf(Head(up.upload_id, alice_), "Upload-Offset"), "0");
  ExpectProblem(Patch(alice_, up.upload_id, 0, Bytes(4), {{"Upload-Checksum", "crc32 AAAA"}}), 400, "upload-400");
  EXPECT_EQ(Patch(alice_, up.upload_id, 0, Bytes(10)).result_int(), 204u);
}

TEST_F(ServiceUploadsTest, ChunkedPatchIsStreamed) {
  Started up = StartUpload(alice_, 10);
  TestClient c(port_);
  c.WriteRaw("PATCH /api/v1/uploads/" + up.upload_id + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + alice_ +
             "\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
             "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n");
  HttpResponse res = c.ReadResponse();
  EXPECT_EQ(res.result_int(), 204u) << res.body();
  EXPECT_EQ(HeaderOf(res, "Upload-Offset"), "10");
  StatusOr<std::string> original = blobs_->Get(Video(up.video_id).original_key);
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(*original, "helloworld");
}

// tus core: a PATCH cut off by the client keeps what arrived, and the
// client resumes from the offset HEAD reports.
TEST_F(ServiceUploadsTest, InterruptedPatchKeepsItsBytes) {
  const std::string file = Bytes(1000);
  Started up = StartUpload(alice_, 1000);
  {
    TestClient c(port_);
    c.WriteRaw("PATCH /api/v1/uploads/" + up.upload_id + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
               alice_ + "\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
               "Content-Type: application/offset+octet-stream\r\nContent-Length: 1000\r\n\r\n" +
               file.substr(0, 600));
    c.Close();
  }
  // The server notices the closed connection on its own thread.
  std::string offset;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    HttpResponse head = Head(up.upload_id, alice_);
    offset = HeaderOf(head, "Upload-Offset");
    if (head.result_int() == 200u && offset == "600") break;
    std::this_thread::yield();
  }
  ASSERT_EQ(offset, "600");
  HttpResponse rest;
  for (int i = 0; i < 1000; ++i) {  // 423 while the cut-off writer winds down
    rest = Patch(alice_, up.upload_id, 600, file.substr(600));
    if (rest.result_int() != 423u) break;
    std::this_thread::yield();
  }
  ASSERT_EQ(rest.result_int(), 204u) << rest.body();
  StatusOr<std::string> original = blobs_->Get(Video(up.video_id).original_key);
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(*original, file);
}

TEST_F(ServiceUploadsTest, ExpiredUploadIs410) {
  Started up = StartUpload(alice_, 100);
  ASSERT_EQ(Patch(alice_, up.upload_id, 0, Bytes(10)).result_int(), 204u);
  clock_.Advance(3600 * 1000 + 1);
  EXPECT_EQ(Head(up.upload_id, alice_).result_int(), 410u);
  ExpectProblem(Patch(alice_, up.upload_id, 10, Bytes(10)), 410, "upload-410");
  StatusOr<int> expired = uploads_->ExpireUploads();
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 1);
  EXPECT_EQ(Head(up.upload_id, alice_).result_int(), 404u);
  EXPECT_EQ(PartFiles(), 0);
}

TEST_F(ServiceUploadsTest, ZeroLengthTusUploadCompletesAtOnce) {
  HttpResponse created = Call("POST", "/api/v1/uploads", alice_,
                              {{"Tus-Resumable", "1.0.0"}, {"Upload-Length", "0"},
                               {"Upload-Metadata", "filename " + service::Base64Encode("../../../empty.webm")}});
  ASSERT_EQ(created.result_int(), 201u) << created.body();
  const std::string vid = HeaderOf(created, "Vtp-Video-Id");
  const ports::VideoRecord v = Video(vid);
  EXPECT_EQ(v.original_key, "originals/" + vid + "/original.webm");
  EXPECT_EQ(v.title, "../../../empty.webm");
  EXPECT_EQ(Call("GET", "/api/v1/videos/" + vid, alice_).result_int(), 200u);
}

}  // namespace
}  // namespace vtp::api::testing
