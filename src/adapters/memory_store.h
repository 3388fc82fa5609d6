// InMemoryStore: the metadata store, task queue, event bus and service store
// ports over plain maps behind one mutex. Real code with the same semantics as the
// durable adapters (the contract suites in tests/ports run against both), but
// nothing survives the object: it is the fast fake for unit tests of the
// engine and for single-process tools.
//
// Thread safety: every method may be called from any thread; one mutex
// guards all state, and no call invokes user code while holding it.
// Lifetime: `clock` must outlive the store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/task_transitions.h"
#include "core/status.h"
#include "ports/clock.h"
#include "ports/event_bus.h"
#include "ports/key_vault.h"
#include "ports/metadata_store.h"
#include "ports/records.h"
#include "ports/service_store.h"
#include "ports/task_queue.h"
#include "ports/worker_registry.h"

namespace vtp::adapters {

class InMemoryStore final : public ports::MetadataStore,
                            public ports::TaskQueue,
                            public ports::EventBus,
                            public ports::ServiceStore,
                            public ports::WorkerRegistry,
                            public ports::KeyVault {
 public:
  explicit InMemoryStore(ports::Clock& clock, ports::QueueOptions options = {});

  // ports::MetadataStore
  Status CreateVideo(const ports::VideoRecord& video) override;
  StatusOr<ports::VideoRecord> GetVideo(std::string_view video_id) override;
  Status UpdateVideo(const ports::VideoRecord& video) override;
  Status UpdateVideoStatus(std::string_view video_id, ports::VideoStatus status,
                           std::string_view error_message) override;
  StatusOr<std::vector<ports::VideoRecord>> ListVideos(
      std::optional<ports::VideoStatus> status) override;
  StatusOr<int> CreateTasks(const std::vector<ports::TaskRecord>& tasks) override;
  StatusOr<ports::TaskRecord> GetTask(std::string_view task_id) override;
  StatusOr<std::vector<ports::TaskRecord>> ListTasks(std::string_view video_id) override;
  StatusOr<std::vector<ports::TaskSummary>> ListTaskSummaries(std::string_view video_id) override;
  StatusOr<ports::StepTally> TallyStep(std::string_view video_id, std::string_view step) override;
  StatusOr<int> ResetTasks(std::string_view video_id,
                           const std::vector<std::string>& steps) override;
  StatusOr<int> ParkTasks(std::string_view video_id,
                          const std::vector<std::string>& steps) override;
  StatusOr<std::vector<ports::TaskRecord>> ListWaitingTasks(std::string_view pool,
                                                            int limit) override;
  StatusOr<bool> RerouteTask(const ports::TaskReroute& reroute) override;
  StatusOr<std::vector<ports::AttemptRecord>> ListAttempts(std::string_view task_id) override;
  StatusOr<std::vector<ports::DeadLetter>> ListDeadLetters() override;
  StatusOr<ports::DeadLetter> GetDeadLetter(std::string_view task_id) override;
  Status RequeueDeadLetter(std::string_view task_id) override;
  StatusOr<int64_t> AppendEvent(const ports::Event& event) override;
  StatusOr<std::vector<ports::Event>> ReadEvents(int64_t after_id, int limit) override;
  StatusOr<std::vector<ports::Event>> ReadUnpublishedEvents(int limit) override;
  StatusOr<int> MarkEventsPublished(int64_t through_id) override;

  // ports::TaskQueue
  StatusOr<std::optional<ports::TaskRecord>> Lease(std::string_view worker_id,
                                                   const std::vector<std::string>& pools,
                                                   ports::Millis lease_ms) override;
  StatusOr<std::optional<ports::TaskRecord>> LeaseTask(std::string_view task_id,
                                                       std::string_view worker_id,
                                                       const std::vector<std::string>& pools,
                                                       ports::Millis lease_ms) override;
  Status Heartbeat(std::string_view task_id, std::string_view worker_id,
                   ports::Millis lease_ms) override;
  Status Complete(std::string_view task_id, std::string_view worker_id,
                  std::string_view result_json, int64_t cpu_ms) override;
  StatusOr<std::optional<ports::TaskRecord>> CompleteAndLease(
      std::string_view task_id, std::string_view worker_id, std::string_view result_json,
      int64_t cpu_ms, const std::vector<std::string>& pools, ports::Millis lease_ms) override;
  Status Fail(std::string_view task_id, std::string_view worker_id,
              const ports::TaskFailure& failure) override;
  Status Release(std::string_view task_id, std::string_view worker_id) override;
  StatusOr<int> ExpireLeases() override;
  StatusOr<int> ReclaimWorker(std::string_view worker_id) override;

  // ports::EventBus
  StatusOr<int64_t> Publish(const ports::Event& event) override;
  StatusOr<std::vector<ports::Event>> Poll(int64_t after_id, int limit) override;

  // ports::ServiceStore (memory_service_store.cc)
  Status CreateApiKey(const ports::ApiKeyRecord& key) override;
  StatusOr<ports::ApiKeyRecord> GetApiKey(std::string_view key_id) override;
  StatusOr<std::vector<ports::ApiKeyRecord>> ListApiKeys() override;
  Status RevokeApiKey(std::string_view key_id) override;
  Status CreateUpload(const ports::UploadRecord& upload) override;
  StatusOr<ports::UploadRecord> GetUpload(std::string_view upload_id) override;
  StatusOr<ports::UploadRecord> GetUploadByVideo(std::string_view video_id) override;
  Status AdvanceUpload(std::string_view upload_id, uint64_t expected, uint64_t new_offset) override;
  Status CompleteUpload(std::string_view upload_id, std::string_view sha256,
                        const ports::VideoRecord& video) override;
  Status TerminateUpload(std::string_view upload_id) override;
  StatusOr<std::vector<ports::UploadRecord>> ListExpiredUploads(ports::Millis now,
                                                                int limit) override;
  StatusOr<std::optional<ports::IdempotencyRecord>> BeginIdempotent(
      std::string_view scope, std::string_view key, std::string_view fingerprint) override;
  Status FinishIdempotent(std::string_view scope, std::string_view key, int status,
                          std::string_view response_json) override;
  Status AbandonIdempotent(std::string_view scope, std::string_view key) override;
  StatusOr<int> PurgeIdempotent(ports::Millis cutoff) override;
  Status CreateWebhook(const ports::WebhookRecord& webhook) override;
  StatusOr<ports::WebhookRecord> GetWebhook(std::string_view webhook_id) override;
  StatusOr<std::vector<ports::WebhookRecord>> ListWebhooks(std::string_view creator_id) override;
  Status DeleteWebhook(std::string_view webhook_id) override;
  StatusOr<int> EnqueueDeliveries(const std::vector<ports::DeliveryRecord>& deliveries) override;
  StatusOr<std::vector<ports::DeliveryRecord>> DueDeliveries(int limit) override;
  Status RecordDeliveryAttempt(int64_t delivery_id, const ports::DeliveryOutcome& outcome) override;
  StatusOr<ports::DeliveryRecord> GetDelivery(int64_t delivery_id) override;
  StatusOr<std::vector<ports::DeliveryRecord>> ListDeliveries(std::string_view webhook_id,
                                                              int limit) override;
  StatusOr<int64_t> AddViews(std::string_view video_id, int64_t count) override;
  StatusOr<ViewTally> GetViews(std::string_view video_id) override;
  StatusOr<std::vector<ports::VideoRecord>> ListVideoPage(
      const ports::VideoPageQuery& query) override;
  StatusOr<int64_t> GetCursor(std::string_view name) override;
  Status SetCursor(std::string_view name, int64_t value) override;

  // ports::WorkerRegistry (memory_workers.cc)
  Status RegisterWorker(const ports::WorkerRecord& worker) override;
  Status TouchWorker(std::string_view worker_id) override;
  StatusOr<bool> DeregisterWorker(std::string_view worker_id) override;
  StatusOr<std::vector<ports::WorkerRecord>> ListLiveWorkers(ports::Millis stale_after_ms) override;
  StatusOr<int> PurgeWorkers(ports::Millis stale_after_ms) override;

  // ports::KeyVault (memory_key_vault.cc)
  StatusOr<ports::WrappedKey> PutKeyIfAbsent(const ports::WrappedKey& key) override;
  StatusOr<ports::WrappedKey> GetKeyByLabel(std::string_view video_id,
                                            std::string_view label) override;
  StatusOr<ports::WrappedKey> GetKeyByKid(std::string_view video_id,
                                          const cenc::Kid& kid) override;

 private:
  template <typename V>
  using Map = std::map<std::string, V, std::less<>>;

  ports::TaskRecord* FindTaskLocked(std::string_view task_id);
  // Starts a run of `task` (which is runnable) for `worker_id`.
  std::optional<ports::TaskRecord> StartLocked(ports::TaskRecord& task, std::string_view worker_id,
                                               ports::Millis lease_ms, ports::Millis now);
  std::optional<ports::TaskRecord> LeaseLocked(std::string_view worker_id,
                                               const std::vector<std::string>& pools,
                                               ports::Millis lease_ms, ports::Millis now);
  Status CompleteLocked(std::string_view task_id, std::string_view worker_id,
                        std::string_view result_json, int64_t cpu_ms, ports::Millis now);
  int64_t AppendEventLocked(ports::Event event, ports::Millis now);
  // ResetTasks / ParkTasks. Returns how many tasks it selected.
  int ResetStepsLocked(std::string_view video_id, const std::vector<std::string>& steps,
                       ResetMode mode, ports::Millis now);
  // Persists the end of a run: task row, its open attempt, dead letter, event.
  void ApplyRunEndLocked(RunEnd end, ports::Millis now);
  // Ends the run of every task `select` picks the way `plan` says
  // (ExpireLeases, ReclaimWorker). Returns how many.
  int EndRunsLocked(const std::function<bool(const ports::TaskRecord&)>& select,
                    const std::function<RunEnd(const ports::TaskRecord&)>& plan, ports::Millis now);
  void CloseOpenAttemptLocked(const std::string& task_id, const RunEnd& end, ports::Millis now);
  ports::DeadLetter WithAttemptsLocked(ports::DeadLetter dead) const;
  std::vector<ports::Event> EventsAfterLocked(int64_t after_id, int limit, bool unpublished) const;

  ports::Clock& clock_;
  const ports::QueueOptions options_;
  mutable std::mutex mu_;
  Map<ports::VideoRecord> videos_;
  Map<ports::TaskRecord> tasks_;
  Map<std::vector<ports::AttemptRecord>> attempts_;  // by task_id, in seq order
  Map<ports::DeadLetter> dead_letters_;              // attempts filled on read
  std::vector<ports::Event> events_;                 // events_[i].event_id == i + 1

  // ServiceStore state.
  using ScopedKey = std::pair<std::string, std::string>;  // (scope, key)
  ports::UploadRecord* FindUploadLocked(std::string_view upload_id);
  Map<ports::ApiKeyRecord> api_keys_;
  Map<ports::UploadRecord> uploads_;
  std::map<ScopedKey, ports::IdempotencyRecord, std::less<>> idempotency_;
  Map<ports::WebhookRecord> webhooks_;
  std::map<int64_t, ports::DeliveryRecord> deliveries_;  // by delivery_id
  int64_t last_delivery_id_ = 0;
  Map<std::map<int64_t, int64_t>> views_;  // video_id -> minute -> count
  Map<int64_t> cursors_;

  // WorkerRegistry state.
  Map<ports::WorkerRecord> workers_;

  // KeyVault state: rows by (video_id, label), and (video_id, kid) -> label.
  std::map<ScopedKey, ports::WrappedKey, std::less<>> content_keys_;
  std::map<std::pair<std::string, cenc::Kid>, std::string, std::less<>> key_labels_;
};

}  // namespace vtp::adapters
