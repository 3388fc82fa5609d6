// The /videos routes over HTTP: listing and pagination, removal, retry,
// views, subtitles and the event stream.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "service/encoding.h"
#include "service_fixture.h"

namespace vtp::api::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kSrt = "1\n00:00:01,000 --> 00:00:02,500\nHello there\n\n2\n00:00:03,000 --> 00:00:04,000\nBye\n";

class ServiceVideosTest : public ServiceFixture {
 protected:
  // Every page of GET /videos?limit=`limit` (plus `extra` query), in order.
  std::vector<std::string> Walk(const std::string& token, int limit, std::vector<size_t>* sizes,
                                const std::string& extra = "") {
    std::vector<std::string> ids;
    std::string cursor;
    for (int page = 0; page < 50; ++page) {
      std::string target = "/api/v1/videos?limit=" + std::to_string(limit) + extra;
      if (!cursor.empty()) target += "&cursor=" + cursor;
      HttpResponse res = Call("GET", target, token);
      EXPECT_EQ(res.result_int(), 200u) << res.body();
      json j = BodyJson(res);
      if (!j.is_object()) break;
      sizes->push_back(j.at("videos").size());
      for (const auto& v : j.at("videos")) ids.push_back(v.at("video_id").get<std::string>());
      if (j.at("next_cursor").is_null()) break;
      cursor = j.at("next_cursor").get<std::string>();
      EXPECT_FALSE(cursor.empty());
    }
    return ids;
  }
  std::set<std::string> ListIds(const std::string& token, const std::string& query = "") {
    std::set<std::string> out;
    HttpResponse res = Call("GET", "/api/v1/videos" + query, token);
    EXPECT_EQ(res.result_int(), 200u) << res.body();
    json j = BodyJson(res);
    if (!j.is_object()) return out;
    for (const auto& v : j.at("videos")) out.insert(v.at("video_id").get<std::string>());
    return out;
  }
  // The newest outbox event id of a video.
  int64_t NewestEvent(const std::string& video_id) {
    int64_t newest = 0;
    StatusOr<std::vector<ports::Event>> events = store_.ReadEvents(0, 100000);
    EXPECT_TRUE(events.ok());
    for (const auto& e : *events) {
      if (e.video_id == video_id) newest = e.event_id;
    }
    return newest;
  }
};

TEST_F(ServiceVideosTest, PaginationCoversEveryVideoOnceNewestFirst) {
  std::vector<std::string> made;
  made.push_back(MakeVideo(alice_));
  clock_.Advance(1000);
  made.push_back(MakeVideo(alice_));
  clock_.Advance(1000);
  made.push_back(MakeVideo(alice_));
  made.push_back(MakeVideo(alice_));  // same millisecond: ties break on the id
  clock_.Advance(1000);
  made.push_back(MakeVideo(alice_));
  clock_.Advance(1000);
  const std::string bobs = MakeVideo(bob_);

  std::vector<std::tuple<ports::Millis, std::string>> order;
  for (const auto& id : made) order.emplace_back(Video(id).created_at, id);
  std::sort(order.begin(), order.end(), std::greater<>());
  std::vector<std::string> expected;
  for (const auto& [at, id] : order) expected.push_back(id);

  std::vector<size_t> sizes;
  EXPECT_EQ(Walk(alice_, 2, &sizes), expected);
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 2, 1}));
  sizes.clear();
  EXPECT_EQ(Walk(alice_, 5, &sizes), expected);
  EXPECT_EQ(sizes, (std::vector<size_t>{5}));
  sizes.clear();
  std::vector<std::string> all = Walk(admin_, 4, &sizes);
  EXPECT_EQ(sizes, (std::vector<size_t>{4, 2}));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 6u);
  EXPECT_EQ(all.front(), bobs) << "bob's is the newest";

  json first = BodyJson(Call("GET", "/api/v1/videos?limit=1", alice_));
  ASSERT_EQ(first.at("videos").size(), 1u);
  const json item = first.at("videos")[0];
  for (const char* field : {"video_id", "title", "status", "created_at", "duration_sec"}) {
    EXPECT_TRUE(item.contains(field)) << field;
  }
  EXPECT_EQ(item.value("title", ""), "clip.mp4");
}

TEST_F(ServiceVideosTest, StatusFilter) {
  const std::string a = MakeVideo(alice_);
  const std::string b = MakeVideo(alice_);
  ASSERT_TRUE(store_.UpdateVideoStatus(b, ports::VideoStatus::kTranscoding, "").ok());
  EXPECT_EQ(ListIds(alice_, "?status=transcoding"), (std::set<std::string>{b}));
  EXPECT_EQ(ListIds(alice_, "?status=ready"), (std::set<std::string>{}));
  EXPECT_EQ(ListIds(alice_, "?status=" + std::string(ports::VideoStatusName(Video(a).status))),
            (std::set<std::string>{a}));
  EXPECT_EQ(ListIds(bob_, "?status=transcoding"), (std::set<std::string>{}));
  ExpectProblem(Call("GET", "/api/v1/videos?status=bogus", alice_), 400, "bad-query");
  ExpectProblem(Call("GET", "/api/v1/videos?status=%ZZ", alice_), 400, "bad-query");
}

TEST_F(ServiceVideosTest, BadLimitIs400) {
  for (const std::string limit : {"0", "101", "-1", "abc", "", "1.5", "99999", "1e2"}) {
    SCOPED_TRACE(limit);
    HttpResponse res = Call("GET", "/api/v1/videos?limit=" + limit, alice_);
    EXPECT_EQ(res.result_int(), 400u) << res.body();
    EXPECT_EQ(HeaderOf(res, "Content-Type"), "application/problem+json");
  }
  EXPECT_EQ(Call("GET", "/api/v1/videos?limit=100", alice_).result_int(), 200u);
  EXPECT_EQ(Call("GET", "/api/v1/videos?limit=1", alice_).result_int(), 200u);
}

TEST_F(ServiceVideosTest, BadCursorIs400) {
  MakeVideo(alice_);
  for (const std::string& cursor :
       {std::string("!!!"), service::Base64UrlEncode("no-colon"), service::Base64UrlEncode("12x:v1"),
        service::Base64UrlEncode(":v1"), service::Base64UrlEncode("12:"), std::string("%00")}) {
    SCOPED_TRACE(cursor);
    ExpectProblem(Call("GET", "/api/v1/videos?cursor=" + cursor, alice_), 400, "invalid-argument");
  }
  // A well-formed cursor past everything is an empty last page.
  json j = BodyJson(Call("GET", "/api/v1/videos?cursor=" + service::Base64UrlEncode("1:v"), alice_));
  EXPECT_TRUE(j.at("videos").empty());
  EXPECT_TRUE(j.at("next_cursor").is_null());
}

TEST_F(ServiceVideosTest, DeleteHidesTheVideoAndKeepsTheOriginal) {
  const std::string vid = MakeVideo(alice_);
  const std::string other = MakeVideo(alice_);
  const std::string original = Video(vid).original_key;
  WriteTree(public_root_ + "/" + vid + "/manifest.m3u8", "#EXTM3U\n");
  ASSERT_EQ(Call("GET", "/media/" + vid + "/manifest.m3u8").result_int(), 200u);

  HttpResponse del = Call("DELETE", "/api/v1/videos/" + vid, alice_);
  EXPECT_EQ(del.result_int(), 204u) << del.body();
  EXPECT_TRUE(del.body().empty());
  ExpectProblem(Call("GET", "/api/v1/videos/" + vid, alice_), 404, "not-found");
  ExpectProblem(Call("GET", "/api/v1/videos/" + vid + "/status", alice_), 404, "not-found");
  EXPECT_EQ(ListIds(alice_), (std::set<std::string>{other}));
  EXPECT_EQ(ListIds(alice_, "?status=removed"), (std::set<std::string>{}));
  StatusOr<bool> kept = blobs_->Exists(original);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(*kept) << "originals are never deleted";
  EXPECT_FALSE(fs::exists(public_root_ + "/" + vid)) << "published outputs are removed";
  EXPECT_EQ(Call("GET", "/media/" + vid + "/manifest.m3u8").result_int(), 404u);
  EXPECT_EQ(Video(vid).status, ports::VideoStatus::kRemoved);
  // Its tasks are parked: no worker can lease them.
  std::set<std::string> pools;
  for (const auto& s : graph_.steps()) pools.insert(s.pool);
  for (int i = 0; i < 20; ++i) {
    auto leased = store_.Lease("w" + std::to_string(i), {pools.begin(), pools.end()}, 60'000);
    ASSERT_TRUE(leased.ok());
    if (!leased->has_value()) break;
    EXPECT_NE((*leased)->video_id, vid);
  }

  // A second DELETE by the creator: the video is gone for them (404).
  ExpectProblem(Call("DELETE", "/api/v1/videos/" + vid, alice_), 404, "not-found");
  // The admin still sees it, and removing it again is idempotent for them.
  HttpResponse admin = Call("GET", "/api/v1/videos/" + vid, admin_);
  EXPECT_EQ(admin.result_int(), 200u);
  EXPECT_EQ(BodyJson(admin).value("status", ""), "removed");
  EXPECT_EQ(Call("DELETE", "/api/v1/videos/" + vid, admin_).result_int(), 204u);
  EXPECT_EQ(ListIds(admin_, "?status=removed"), (std::set<std::string>{vid}));
  EXPECT_EQ(ListIds(admin_).count(vid), 0u);
}

TEST_F(ServiceVideosTest, Retry) {
  const std::string vid = MakeVideo(alice_);
  json p = ExpectProblem(CallJson("POST", "/api/v1/videos/" + vid + "/retry", alice_, {{"from_step", "nope"}}), 422,
                         "cannot-retry");
  EXPECT_NE(p.value("detail", "").find("nope"), std::string::npos);
  ExpectProblem(CallJson("POST", "/api/v1/videos/" + vid + "/retry", alice_, json::object()), 400, "missing-field");
  ExpectProblem(CallJson("POST", "/api/v1/videos/" + vid + "/retry", alice_, {{"from_step", 3}}), 400,
                "invalid-field");
  HttpResponse ok = CallJson("POST", "/api/v1/videos/" + vid + "/retry", alice_, {{"from_step", "probe"}});
  EXPECT_EQ(ok.result_int(), 200u) << ok.body();
  EXPECT_EQ(BodyJson(ok).value("retry_from", ""), "probe");

  ASSERT_EQ(Call("DELETE", "/api/v1/videos/" + vid, alice_).result_int(), 204u);
  ExpectProblem(CallJson("POST", "/api/v1/videos/" + vid + "/retry", alice_, {{"from_step", "probe"}}), 404,
                "not-found");
  ExpectProblem(CallJson("POST", "/api/v1/videos/" + vid + "/retry", admin_, {{"from_step", "probe"}}), 409,
                "already-exists");
}

TEST_F(ServiceVideosTest, ViewsAddUp) {
  const std::string vid = MakeVideo(alice_);
  const std::string path = "/api/v1/videos/" + vid + "/views";
  HttpResponse r1 = CallJson("POST", path, alice_, {{"count", 3}});
  ASSERT_EQ(r1.result_int(), 200u) << r1.body();
  EXPECT_EQ(BodyJson(r1).value("views", 0), 3);
  EXPECT_EQ(BodyJson(CallJson("POST", path, alice_, {{"count", 4}})).value("views", 0), 7);
  HttpResponse plain = Call("POST", path, alice_);  // no body: one view
  ASSERT_EQ(plain.result_int(), 200u) << plain.body();
  EXPECT_EQ(BodyJson(plain).value("views", 0), 8);
  EXPECT_EQ(BodyJson(plain).value("first_hour", 0), 8);
  clock_.Advance(2 * 3600 * 1000);  // after the first hour
  json later = BodyJson(CallJson("POST", path, admin_, {{"count", 2}}));
  EXPECT_EQ(later.value("views", 0), 10);
  EXPECT_EQ(later.value("first_hour", 0), 8);

  ExpectProblem(CallJson("POST", path, alice_, {{"count", 0}}), 422, "invalid-count");
  ExpectProblem(CallJson("POST", path, alice_, {{"count", -5}}), 422, "invalid-count");
  ExpectProblem(CallJson("POST", path, alice_, {{"count", 1000001}}), 422, "invalid-count");
  ExpectProblem(CallJson("POST", path, alice_, {{"count", "many"}}), 400, "invalid-field");
  json described = BodyJson(Call("GET", "/api/v1/videos/" + vid, alice_));
  EXPECT_EQ(described.at("views").value("total", 0), 10);
  EXPECT_EQ(described.at("views").value("first_hour", 0), 8);
}

TEST_F(ServiceVideosTest, ViewsEarnCodecsByTheSeedPolicy) {
  const std::string vid = MakeVideo(alice_);
  const std::string path = "/api/v1/videos/" + vid + "/views";
  json first = BodyJson(CallJson("POST", path, alice_, {{"count", 100}}));
  EXPECT_EQ(first.at("codecs"), json({"h264"}));  // 100 is not more than 100
  EXPECT_EQ(first.at("codecs_added"), json::array());
  json second = BodyJson(CallJson("POST", path, alice_, {{"count", 1}}));
  EXPECT_EQ(second.at("codecs"), json({"h264", "hevc"}));
  EXPECT_EQ(second.at("codecs_added"), json({"hevc"}));
  EXPECT_NE(Video(vid).options_json.find("\"hevc\""), std::string::npos) << Video(vid).options_json;
  json third = BodyJson(CallJson("POST", path, alice_, {{"count", 1}}));
  EXPECT_EQ(third.at("codecs_added"), json::array());
  clock_.Advance(2 * 3600 * 1000);
  json popular = BodyJson(CallJson("POST", path, alice_, {{"count", 9900}}));
  EXPECT_EQ(popular.value("views", 0), 10002);
  EXPECT_EQ(popular.at("codecs"), json({"h264", "hevc", "av1"}));
  EXPECT_EQ(popular.at("codecs_added"), json({"av1"}));
  EXPECT_FALSE(popular.contains("codecs_error"));
}

// Views are counted even when the policy's codecs cannot be queued: the
// answer is 200 with the reason, so a client never sends them twice.
TEST_F(ServiceVideosTest, ViewsCountEvenWhenTheUpgradeCannotBeQueued) {
  const std::string vid = MakeVideo(alice_);
  ports::VideoRecord v = Video(vid);
  v.options_json = "{\"not\": \"job options\"}";
  ASSERT_TRUE(store_.UpdateVideo(v).ok());
  HttpResponse r = CallJson("POST", "/api/v1/videos/" + vid + "/views", alice_, {{"count", 500}});
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  json body = BodyJson(r);
  EXPECT_EQ(body.value("views", 0), 500);
  EXPECT_EQ(body.at("codecs_added"), json::array());
  EXPECT_NE(body.value("codecs_error", "").find("job options"), std::string::npos) << body.dump();
}

TEST_F(ServiceVideosTest, Subtitles) {
  const std::string vid = MakeVideo(alice_);
  const std::string path = "/api/v1/videos/" + vid + "/subtitles";
  HttpResponse ok = CallJson("POST", path, alice_, {{"language", "en"}, {"content", kSrt}});
  ASSERT_EQ(ok.result_int(), 202u) << ok.body();
  EXPECT_EQ(BodyJson(ok).value("language", ""), "en");
  EXPECT_NE(Video(vid).options_json.find("\"en\""), std::string::npos) << Video(vid).options_json;

  json bad = ExpectProblem(CallJson("POST", path, alice_,
                                    {{"language", "de"}, {"content", "1\n00:00:01,000 --> soon\nHallo\n"}}),
                           422, "invalid-subtitles");
  EXPECT_NE(bad.value("detail", "").find("line 2"), std::string::npos) << bad.dump();

  HttpResponse text = Call("POST", path + "?language=fr", alice_, {{"Content-Type", "text/plain; charset=utf-8"}},
                           "1\n00:00:01,000 --> 00:00:02,000\nBonjour\n");
  EXPECT_EQ(text.result_int(), 202u) << text.body();
  HttpResponse vtt = Call("POST", path + "?language=pt-BR", alice_, {{"Content-Type", "text/vtt"}},
                          "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOla\n");
  EXPECT_EQ(vtt.result_int(), 202u) << vtt.body();

  // Media types are case-insensitive (RFC 9110 §8.3.1).
  HttpResponse upper = Call("POST", path + "?language=it", alice_, {{"Content-Type", "Text/Plain"}},
                            "1\n00:00:01,000 --> 00:00:02,000\nCiao\n");
  EXPECT_EQ(upper.result_int(), 202u) << upper.body();
  ExpectProblem(CallJson("POST", path, alice_, {{"language", "en"}, {"content", kSrt}}), 409, "already-exists");
  ExpectProblem(Call("POST", path, alice_, {{"Content-Type", "text/plain"}}, kSrt), 400, "missing-field");
  ExpectProblem(CallJson("POST", path, alice_, {{"content", kSrt}}), 400, "missing-field");
  ExpectProblem(CallJson("POST", path, alice_, {{"language", "e"}, {"content", kSrt}}), 422, "invalid-subtitles");
  ExpectProblem(CallJson("POST", path, alice_, {{"language", "../en"}, {"content", kSrt}}), 422, "invalid-subtitles");

  // Each accepted track is stored write-once beside the original.
  StatusOr<std::vector<std::string>> stored = blobs_->List("originals/" + vid + "/");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->size(), 5u) << "the original and four subtitle files";

  ASSERT_EQ(Call("DELETE", "/api/v1/videos/" + vid, alice_).result_int(), 204u);
  ExpectProblem(CallJson("POST", path, alice_, {{"language", "es"}, {"content", kSrt}}), 404, "not-found");
}

TEST_F(ServiceVideosTest, EventStreamFollowsTheStatus) {
  const std::string vid = MakeVideo(alice_);
  ASSERT_TRUE(hub_->Poll().ok());
  std::string head;
  auto stream = OpenEvents(alice_, vid, "", &head);
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  SseEvent first = ReadEvent(*stream);
  EXPECT_EQ(first.event, "status");
  json snap = json::parse(first.data, nullptr, false);
  ASSERT_TRUE(snap.is_object()) << first.data;
  EXPECT_EQ(snap.value("video_id", ""), vid);
  EXPECT_EQ(snap.value("status", ""), std::string(ports::VideoStatusName(Video(vid).status)));
  EXPECT_TRUE(snap.contains("pipeline_progress"));
  EXPECT_EQ(first.id, std::to_string(NewestEvent(vid)));
  AwaitSubscribers(1);

  ASSERT_TRUE(store_.UpdateVideoStatus(vid, ports::VideoStatus::kTranscoding, "").ok());
  ASSERT_TRUE(hub_->Poll().ok());
  SseEvent second = ReadEvent(*stream);
  EXPECT_EQ(second.event, "status");
  EXPECT_GT(std::stoll(second.id), std::stoll(first.id));
  EXPECT_EQ(json::parse(second.data, nullptr, false).value("status", ""), "transcoding");

  ASSERT_TRUE(store_.UpdateVideoStatus(vid, ports::VideoStatus::kReady, "").ok());
  ASSERT_TRUE(hub_->Poll().ok());
  SseEvent last = ReadEvent(*stream);
  EXPECT_GT(std::stoll(last.id), std::stoll(second.id));
  EXPECT_EQ(json::parse(last.data, nullptr, false).value("status", ""), "ready");
  EXPECT_TRUE(stream->ServerClosed()) << "a terminal status ends the stream";
  EXPECT_EQ(hub_->subscribers(), 0u);
}

TEST_F(ServiceVideosTest, LastEventIdOfAFinishedVideoIs204) {
  const std::string vid = MakeVideo(alice_);
  ASSERT_TRUE(store_.UpdateVideoStatus(vid, ports::VideoStatus::kReady, "").ok());
  ASSERT_TRUE(hub_->Poll().ok());
  std::string head;
  auto stream = OpenEvents(alice_, vid, "", &head);
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  SseEvent only = ReadEvent(*stream);
  EXPECT_EQ(json::parse(only.data, nullptr, false).value("status", ""), "ready");
  EXPECT_EQ(only.id, std::to_string(NewestEvent(vid)));
  EXPECT_TRUE(stream->ServerClosed());

  HttpResponse done = Call("GET", "/api/v1/videos/" + vid + "/events", alice_, {{"Last-Event-ID", only.id}});
  EXPECT_EQ(done.result_int(), 204u) << done.body();
  // An older id still gets the current snapshot.
  auto again = OpenEvents(alice_, vid, std::to_string(std::stoll(only.id) - 1), &head);
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  EXPECT_EQ(ReadEvent(*again).id, only.id);
}

TEST_F(ServiceVideosTest, ClosedSubscribersAreDropped) {
  const std::string vid = MakeVideo(alice_);
  ASSERT_TRUE(hub_->Poll().ok());
  std::string head;
  auto stream = OpenEvents(alice_, vid, "", &head);
  ReadEvent(*stream);
  AwaitSubscribers(1);
  EXPECT_EQ(BodyJson(Call("GET", "/healthz")).value("subscribers", -1), 1);
  stream->Close();
  // The server sees the close on its own thread; each poll that touches the
  // video drops closed streams.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool flip = false;
  while (hub_->subscribers() > 0 && std::chrono::steady_clock::now() < deadline) {
    flip = !flip;
    const ports::VideoStatus next = flip ? ports::VideoStatus::kTranscoding : ports::VideoStatus::kPackaging;
    ASSERT_TRUE(store_.UpdateVideoStatus(vid, next, "").ok());
    ASSERT_TRUE(hub_->Poll().ok());
    std::this_thread::yield();
  }
  EXPECT_EQ(hub_->subscribers(), 0u);
  EXPECT_EQ(Call("GET", "/healthz").result_int(), 200u);
}

TEST_F(ServiceVideosTest, EventsNeedAccess) {
  const std::string vid = MakeVideo(alice_);
  EXPECT_EQ(Call("GET", "/api/v1/videos/" + vid + "/events").result_int(), 401u);
  ExpectProblem(Call("GET", "/api/v1/videos/" + vid + "/events", bob_), 404, "not-found");
  ASSERT_EQ(Call("DELETE", "/api/v1/videos/" + vid, alice_).result_int(), 204u);
  ExpectProblem(Call("GET", "/api/v1/videos/" + vid + "/events", alice_), 404, "not-found");
}

// A video row whose stored job options cannot be read (edited by hand, or
// written by another tool): the server's fault, and a retry with the same
// Idempotency-Key must be allowed (5xx answers are not stored).
TEST_F(ServiceVideosTest, UnreadableJobOptionsAre5xxAndRetryable) {
  for (const char* options : {"not json", "{}"}) {
    SCOPED_TRACE(options);
    ports::VideoRecord v;
    v.video_id = std::string("vbroken") + (options[0] == '{' ? "2" : "1");
    v.creator_id = "alice";
    v.original_key = "originals/" + v.video_id + "/original.mp4";
    v.options_json = options;
    ASSERT_TRUE(store_.CreateVideo(v).ok());
    const std::string path = "/api/v1/videos/" + v.video_id + "/subtitles";
    const json body = {{"language", "en"}, {"content", kSrt}};
    HttpResponse first = CallJson("POST", path, alice_, body, {{"Idempotency-Key", v.video_id}});
    EXPECT_GE(first.result_int(), 500u) << first.body();
    HttpResponse again = CallJson("POST", path, alice_, body, {{"Idempotency-Key", v.video_id}});
    EXPECT_GE(again.result_int(), 500u) << again.body();
    EXPECT_EQ(HeaderOf(again, "Idempotent-Replayed"), "");
    // Removal copes with the unreadable options too (nothing to delete).
    EXPECT_EQ(Call("DELETE", "/api/v1/videos/" + v.video_id, alice_).result_int(), 204u);
  }
}

TEST_F(ServiceVideosTest, ReadyVideoWithoutResultsDescribesMetadata) {
  const std::string vid = MakeVideo(alice_, "done");
  ASSERT_TRUE(store_.UpdateVideoStatus(vid, ports::VideoStatus::kReady, "").ok());
  HttpResponse res = Call("GET", "/api/v1/videos/" + vid, alice_);
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  json j = BodyJson(res);
  EXPECT_EQ(j.value("status", ""), "ready");
  EXPECT_TRUE(j.at("renditions").empty());
  EXPECT_EQ(BodyJson(Call("GET", "/api/v1/videos/" + vid + "/status", alice_)).value("status", ""), "ready");
  ASSERT_TRUE(store_.UpdateVideoStatus(vid, ports::VideoStatus::kFailed, "probe: not media").ok());
  json failed = BodyJson(Call("GET", "/api/v1/videos/" + vid, alice_));
  EXPECT_EQ(failed.value("status", ""), "failed");
  EXPECT_EQ(failed.value("error_message", ""), "probe: not media");
}

}  // namespace
}  // namespace vtp::api::testing
