// The pure half of work sync: which parameters name work files, what to
// fetch from a listing, what changed between two snapshots.
#include "pipeline/work_sync.h"

#include <gtest/gtest.h>

namespace vtp::pipeline {
namespace {

using nlohmann::json;

const WorkRoots kRoots{"/data/work", "/data/public"};

std::vector<std::string> Keys(const std::vector<WorkRef>& refs) {
  std::vector<std::string> out;
  for (const auto& r : refs) out.push_back(r.key);
  return out;
}

TEST(ReferencedWorkTest, FindsPathsInNestedArraysAndObjects) {
  json params = {{"chunk_path", "/data/work/v1/chunks/chunk_000.vpk"},
                 {"video", json::array({{{"dir", "h264/720p"},
                                         {"inputs", {"/data/work/v1/enc/720p/chunk_000.nut",
                                                     "/data/work/v1/enc/720p/chunk_001.nut"}}}})},
                 {"deep", {{"deeper", {{"out_dir", "/data/work/v1/out"}}}}},
                 {"count", 3},
                 {"flag", true}};
  auto refs = ReferencedWork("package", params, kRoots);
  EXPECT_EQ(Keys(refs), (std::vector<std::string>{"segments/v1/chunks/chunk_000.vpk",
                                                  "segments/v1/enc/720p/chunk_000.nut",
                                                  "segments/v1/enc/720p/chunk_001.nut", "segments/v1/out"}));
  EXPECT_EQ(refs[0].local, "/data/work/v1/chunks/chunk_000.vpk");
  EXPECT_EQ(refs[0].video, "v1");
  EXPECT_TRUE(refs[0].push);
}

TEST(ReferencedWorkTest, MapsThePublicTreeToTranscodedAndOriginalsToOriginals) {
  json params = {{"a", "/data/public/v2/manifest.m3u8"},
                 {"b", "/data/work/v2/originals/original.mp4"},
                 {"c", "/data/work/v2/originals"}};
  auto refs = ReferencedWork("probe", params, kRoots);
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_EQ(refs[0].key, "transcoded/v2/manifest.m3u8");
  EXPECT_TRUE(refs[0].push);
  EXPECT_EQ(refs[1].key, "originals/v2");
  EXPECT_FALSE(refs[1].push) << "originals are write-once: ingest stored them";
  EXPECT_EQ(refs[2].key, "originals/v2/original.mp4");
  EXPECT_FALSE(refs[2].push);
}

TEST(ReferencedWorkTest, IgnoresPathsOutsideTheRootsAndNormalisesTheRest) {
  json params = {{"source", "/home/me/in.mp4"},
                 {"relative", "data/work/v1/x"},
                 {"root_itself", "/data/work"},
                 {"sibling", "/data/workshop/v1/x"},
                 {"hidden", "/data/work/.locks/v1.lock"},
                 {"escape", "/data/work/v1/../../etc/passwd"},
                 {"dotted", "/data/work/v3/./out//a.m4s"},
                 {"url", "https://example.com/data/work/v1/x"}};
  auto refs = ReferencedWork("split", params, kRoots);
  EXPECT_EQ(Keys(refs), (std::vector<std::string>{"segments/v3/out/a.m4s"}));
  EXPECT_EQ(refs[0].local, "/data/work/v3/out/a.m4s");
}

TEST(ReferencedWorkTest, KeepsEachVideosPathsUnderItsOwnKeys) {
  json params = {{"mine", "/data/work/v1/out/a.m4s"}, {"theirs", "/data/work/v9/out/a.m4s"}};
  auto refs = ReferencedWork("manifest", params, kRoots);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].key, "segments/v1/out/a.m4s");
  EXPECT_EQ(refs[0].video, "v1");
  EXPECT_EQ(refs[1].key, "segments/v9/out/a.m4s");
  EXPECT_EQ(refs[1].video, "v9");
}

TEST(ReferencedWorkTest, SkipsPublishsOriginalWhichIsOnlyCompared) {
  json ingest = {{"source", "/up/x.mp4"}, {"local_dir", "/data/work/v1/originals"}};
  EXPECT_EQ(Keys(ReferencedWork("ingest", ingest, kRoots)), std::vector<std::string>{"originals/v1"});
  json publish = {{"from", "/data/work/v1/out"}, {"to", "/data/public/v1"},
                  {"original", "/data/work/v1/originals/original.mp4"}, {"replace", true}};
  EXPECT_EQ(Keys(ReferencedWork("publish", publish, kRoots)),
            (std::vector<std::string>{"transcoded/v1", "segments/v1/out"}));
  // The same key in another step is an ordinary path.
  EXPECT_EQ(Keys(ReferencedWork("split", {{"original", "/data/work/v1/x"}}, kRoots)),
            (std::vector<std::string>{"segments/v1/x"}));
}

TEST(ReferencedWorkTest, PublishingOutsideTheRootsTravelsAsTranscoded) {
  json publish = {{"from", "/data/work/v1/out"}, {"to", "/home/me/OUT"}, {"replace", false}};
  auto refs = ReferencedWork("publish", publish, kRoots);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].key, "segments/v1/out");
  EXPECT_EQ(refs[1].local, "/home/me/OUT");
  EXPECT_EQ(refs[1].key, "transcoded/v1");
  EXPECT_TRUE(refs[1].push);
  // Only publish's "to"; another step's outside path stays outside.
  EXPECT_EQ(ReferencedWork("manifest", publish, kRoots).size(), 1u);
}

TEST(PlanFetchTest, FetchesFilesAndTheFilesOfDirectories) {
  std::vector<WorkRef> refs = {{"/data/work/v1/chunks/chunk_000.vpk", "segments/v1/chunks/chunk_000.vpk", "v1"},
                               {"/data/work/v1/out", "segments/v1/out", "v1"}};
  std::vector<ports::BlobInfo> listed = {
      {"segments/v1/chunks/chunk_000.vpk", 10, 0},
      {"segments/v1/chunks/chunk_000.vpk2", 11, 0},  // same string prefix, another file
      {"segments/v1/out/h264/720p/init.mp4", 12, 0},
      {"segments/v1/out/manifest.m3u8", 13, 0},
      {"segments/v1/outside.txt", 14, 0},  // "out" is a directory, not a prefix
      {"segments/v1/out/720p.part/seg_1.m4s", 15, 0},  // a temporary file never fetches
  };
  auto plan = PlanFetch(refs, listed);
  EXPECT_EQ(plan, (std::vector<Transfer>{
                      {"segments/v1/chunks/chunk_000.vpk", "/data/work/v1/chunks/chunk_000.vpk", 10},
                      {"segments/v1/out/h264/720p/init.mp4", "/data/work/v1/out/h264/720p/init.mp4", 12},
                      {"segments/v1/out/manifest.m3u8", "/data/work/v1/out/manifest.m3u8", 13},
                  }));
  EXPECT_TRUE(PlanFetch(refs, {}).empty()) << "nothing stored yet: nothing to fetch";
}

TEST(PlanFetchTest, NestedRefsFetchEachFileOnce) {
  std::vector<WorkRef> refs = {{"/data/work/v1/out", "segments/v1/out", "v1"},
                               {"/data/work/v1/out/a.m4s", "segments/v1/out/a.m4s", "v1"}};
  auto plan = PlanFetch(refs, {{"segments/v1/out/a.m4s", 5, 0}});
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].local, "/data/work/v1/out/a.m4s");
}

TEST(PlanPushTest, UploadsNewAndChangedFilesOnly) {
  std::vector<WorkRef> refs = {{"/data/work/v1/out", "segments/v1/out", "v1"},
                               {"/data/work/v1/enc/720p/chunk_000.nut", "segments/v1/enc/720p/chunk_000.nut", "v1"}};
  WorkSnapshot before = {{"/data/work/v1/out/same.m4s", {5, 100}},
                         {"/data/work/v1/out/resized.m4s", {5, 100}},
                         {"/data/work/v1/out/touched.m4s", {5, 100}},
                         {"/data/work/v1/out/gone.m4s", {5, 100}}};
  WorkSnapshot after = {{"/data/work/v1/out/same.m4s", {5, 100}},
                        {"/data/work/v1/out/resized.m4s", {6, 100}},
                        {"/data/work/v1/out/touched.m4s", {5, 200}},
                        {"/data/work/v1/out/new/init.mp4", {7, 300}},
                        {"/data/work/v1/enc/720p/chunk_000.nut", {8, 400}},
                        {"/data/work/v1/enc/720p/chunk_001.nut", {9, 400}}};  // not this task's
  // The store holds what the pull found; only the run's changes are new.
  StoredSizes stored = {{"segments/v1/out/same.m4s", 5}, {"segments/v1/out/resized.m4s", 5},
                        {"segments/v1/out/touched.m4s", 5}, {"segments/v1/out/gone.m4s", 5}};
  auto plan = PlanPush(refs, before, after, stored);
  EXPECT_EQ(plan, (std::vector<Transfer>{
                      {"segments/v1/enc/720p/chunk_000.nut", "/data/work/v1/enc/720p/chunk_000.nut", 8},
                      {"segments/v1/out/new/init.mp4", "/data/work/v1/out/new/init.mp4", 7},
                      {"segments/v1/out/resized.m4s", "/data/work/v1/out/resized.m4s", 6},
                      {"segments/v1/out/touched.m4s", "/data/work/v1/out/touched.m4s", 5},
                  }));
  for (const auto& t : plan) stored[t.key] = t.size;
  EXPECT_TRUE(PlanPush(refs, after, after, stored).empty());
}

TEST(PlanPushTest, AlsoPushesUnchangedFilesTheStoreLacksOrHoldsWithAnotherSize) {
  // A publish retry on the machine where attempt 1 wrote public/v1 and died
  // during its push: the step changes nothing, the store is incomplete.
  std::vector<WorkRef> refs = {{"/data/work/v1/out", "segments/v1/out", "v1"},
                               {"/data/public/v1", "transcoded/v1", "v1"}};
  WorkSnapshot snap = {{"/data/work/v1/out/a.m4s", {4, 1}},
                       {"/data/public/v1/a.m4s", {4, 1}},
                       {"/data/public/v1/b.m4s", {4, 1}},
                       {"/data/public/v1/c.m4s", {4, 1}}};
  StoredSizes stored = {{"segments/v1/out/a.m4s", 4}, {"transcoded/v1/a.m4s", 4}, {"transcoded/v1/c.m4s", 2}};
  EXPECT_EQ(PlanPush(refs, snap, snap, stored),
            (std::vector<Transfer>{{"transcoded/v1/b.m4s", "/data/public/v1/b.m4s", 4},
                                   {"transcoded/v1/c.m4s", "/data/public/v1/c.m4s", 4}}));
  stored["transcoded/v1/b.m4s"] = 4;
  stored["transcoded/v1/c.m4s"] = 4;
  EXPECT_TRUE(PlanPush(refs, snap, snap, stored).empty()) << "complete store: nothing to push";
}

TEST(PlanPushTest, PushesMediaThenPlaylistsThenTheMastersLast) {
  std::vector<WorkRef> refs = {{"/data/public/v1", "transcoded/v1", "v1"}};
  WorkSnapshot after = {{"/data/public/v1/manifest.m3u8", {1, 1}},
                        {"/data/public/v1/manifest.mpd", {1, 1}},
                        {"/data/public/v1/a/playlist.m3u8", {1, 1}},
                        {"/data/public/v1/a/seg_1.m4s", {1, 1}},
                        {"/data/public/v1/z/init.mp4", {1, 1}},
                        {"/data/public/v1/poster.jpg", {1, 1}}};
  std::vector<std::string> keys;
  for (const auto& t : PlanPush(refs, {}, after, {})) keys.push_back(t.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"transcoded/v1/a/seg_1.m4s", "transcoded/v1/poster.jpg",
                                            "transcoded/v1/z/init.mp4", "transcoded/v1/a/playlist.m3u8",
                                            "transcoded/v1/manifest.m3u8", "transcoded/v1/manifest.mpd"}));
}

TEST(IsTemporaryPathTest, NamesAtomicFilesStagingAndDownloads) {
  EXPECT_TRUE(IsTemporaryPath(".staging/x"));
  EXPECT_TRUE(IsTemporaryPath("a/.hidden"));
  EXPECT_TRUE(IsTemporaryPath("720p.part/seg_1.m4s")) << "atomic_files.h: <dir>.part/";
  EXPECT_TRUE(IsTemporaryPath("720p/seg_1.m4s.part")) << "<file>.part";
  EXPECT_TRUE(IsTemporaryPath("manifest.m3u8.merge.part"));
  EXPECT_TRUE(IsTemporaryPath("a/chunk_000.nut.tmp.1234.0")) << "a blob store's download";
  EXPECT_FALSE(IsTemporaryPath(""));
  EXPECT_FALSE(IsTemporaryPath("720p/seg_1.m4s"));
  EXPECT_FALSE(IsTemporaryPath("part/partial.m4s"));
  EXPECT_FALSE(IsTemporaryPath("tmp/a.tmp"));
  EXPECT_FALSE(IsTemporaryPath("a./b"));
}

TEST(PlanPushTest, NeverPushesOriginalsOrTemporaryFiles) {
  std::vector<WorkRef> refs = {{"/data/work/v1/originals", "originals/v1", "v1", false},
                               {"/data/public/v1", "transcoded/v1", "v1"}};
  WorkSnapshot after = {{"/data/work/v1/originals/original.mp4", {5, 1}},
                        {"/data/public/v1/.staging/x", {5, 1}},
                        {"/data/public/v1/720p.part/seg_1.m4s", {5, 1}},
                        {"/data/public/v1/720p/seg_2.m4s.part", {5, 1}},
                        {"/data/public/v1/manifest.mpd.merge.part", {5, 1}},
                        {"/data/public/v1/720p/seg_3.m4s.tmp.99.0", {5, 1}},
                        {"/data/public/v1/manifest.mpd", {5, 1}}};
  auto plan = PlanPush(refs, {}, after, {});
  EXPECT_EQ(plan, (std::vector<Transfer>{{"transcoded/v1/manifest.mpd", "/data/public/v1/manifest.mpd", 5}}));
}

}  // namespace
}  // namespace vtp::pipeline
