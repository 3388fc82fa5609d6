// StoreFront: one object implementing the six store ports by forwarding each
// port to the adapter configured for it -- how distributed mode combines
// PostgresStore (source of truth), RedisTaskQueue (dispatch), RedisStreamBus
// (events) and RedisWorkerRegistry (heartbeats) into what the engine, the
// control plane and the API take as "the store". Embedded mode needs none of
// this: SqliteStore is all six at once.
//
// Pure forwarding: no call changes meaning here, so each port's contract is
// its adapter's. Thread safety: that of the parts.
// Lifetime: every part must outlive the front.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ports/event_bus.h"
#include "ports/key_vault.h"
#include "ports/metadata_store.h"
#include "ports/records.h"
#include "ports/service_store.h"
#include "ports/task_queue.h"
#include "ports/worker_registry.h"

namespace vtp::adapters {

// Which adapter serves each port; none may be null.
struct StoreParts {
  ports::MetadataStore* meta = nullptr;
  ports::TaskQueue* queue = nullptr;
  ports::EventBus* events = nullptr;
  ports::ServiceStore* service = nullptr;
  ports::WorkerRegistry* workers = nullptr;
  ports::KeyVault* keys = nullptr;
};

class StoreFront final : public ports::MetadataStore,
                         public ports::TaskQueue,
                         public ports::EventBus,
                         public ports::ServiceStore,
                         public ports::WorkerRegistry,
                         public ports::KeyVault {
 public:
  explicit StoreFront(StoreParts parts) : parts_(parts) {}
  const StoreParts& parts() const { return parts_; }

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

  // ports::ServiceStore
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

  // ports::WorkerRegistry
  Status RegisterWorker(const ports::WorkerRecord& worker) override;
  Status TouchWorker(std::string_view worker_id) override;
  StatusOr<bool> DeregisterWorker(std::string_view worker_id) override;
  StatusOr<std::vector<ports::WorkerRecord>> ListLiveWorkers(ports::Millis stale_after_ms) override;
  StatusOr<int> PurgeWorkers(ports::Millis stale_after_ms) override;

  // ports::KeyVault
  StatusOr<ports::WrappedKey> PutKeyIfAbsent(const ports::WrappedKey& key) override;
  StatusOr<ports::WrappedKey> GetKeyByLabel(std::string_view video_id,
                                            std::string_view label) override;
  StatusOr<ports::WrappedKey> GetKeyByKid(std::string_view video_id, const cenc::Kid& kid) override;

 private:
  StoreParts parts_;
};

}  // namespace vtp::adapters
