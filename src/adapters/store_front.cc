#include "adapters/store_front.h"

namespace vtp::adapters {

Status StoreFront::CreateVideo(const ports::VideoRecord& video) {
  return parts_.meta->CreateVideo(video);
}

StatusOr<ports::VideoRecord> StoreFront::GetVideo(std::string_view video_id) {
  return parts_.meta->GetVideo(video_id);
}

Status StoreFront::UpdateVideo(const ports::VideoRecord& video) {
  return parts_.meta->UpdateVideo(video);
}

Status StoreFront::UpdateVideoStatus(std::string_view video_id, ports::VideoStatus status,
                                     std::string_view error_message) {
  return parts_.meta->UpdateVideoStatus(video_id, status, error_message);
}

StatusOr<std::vector<ports::VideoRecord>> StoreFront::ListVideos(
    std::optional<ports::VideoStatus> status) {
  return parts_.meta->ListVideos(status);
}

StatusOr<int> StoreFront::CreateTasks(const std::vector<ports::TaskRecord>& tasks) {
  return parts_.meta->CreateTasks(tasks);
}

StatusOr<ports::TaskRecord> StoreFront::GetTask(std::string_view task_id) {
  return parts_.meta->GetTask(task_id);
}

StatusOr<std::vector<ports::TaskRecord>> StoreFront::ListTasks(std::string_view video_id) {
  return parts_.meta->ListTasks(video_id);
}

StatusOr<std::vector<ports::TaskSummary>> StoreFront::ListTaskSummaries(std::string_view video_id) {
  return parts_.meta->ListTaskSummaries(video_id);
}

StatusOr<ports::StepTally> StoreFront::TallyStep(std::string_view video_id, std::string_view step) {
  return parts_.meta->TallyStep(video_id, step);
}

StatusOr<int> StoreFront::ResetTasks(std::string_view video_id,
                                     const std::vector<std::string>& steps) {
  return parts_.meta->ResetTasks(video_id, steps);
}

StatusOr<int> StoreFront::ParkTasks(std::string_view video_id,
                                    const std::vector<std::string>& steps) {
  return parts_.meta->ParkTasks(video_id, steps);
}

StatusOr<std::vector<ports::TaskRecord>> StoreFront::ListWaitingTasks(std::string_view pool,
                                                                      int limit) {
  return parts_.meta->ListWaitingTasks(pool, limit);
}

StatusOr<bool> StoreFront::RerouteTask(const ports::TaskReroute& reroute) {
  return parts_.meta->RerouteTask(reroute);
}

StatusOr<std::vector<ports::AttemptRecord>> StoreFront::ListAttempts(std::string_view task_id) {
  return parts_.meta->ListAttempts(task_id);
}

StatusOr<std::vector<ports::DeadLetter>> StoreFront::ListDeadLetters() {
  return parts_.meta->ListDeadLetters();
}

StatusOr<ports::DeadLetter> StoreFront::GetDeadLetter(std::string_view task_id) {
  return parts_.meta->GetDeadLetter(task_id);
}

Status StoreFront::RequeueDeadLetter(std::string_view task_id) {
  return parts_.meta->RequeueDeadLetter(task_id);
}

StatusOr<int64_t> StoreFront::AppendEvent(const ports::Event& event) {
  return parts_.meta->AppendEvent(event);
}

StatusOr<std::vector<ports::Event>> StoreFront::ReadEvents(int64_t after_id, int limit) {
  return parts_.meta->ReadEvents(after_id, limit);
}

StatusOr<std::vector<ports::Event>> StoreFront::ReadUnpublishedEvents(int limit) {
  return parts_.meta->ReadUnpublishedEvents(limit);
}

StatusOr<int> StoreFront::MarkEventsPublished(int64_t through_id) {
  return parts_.meta->MarkEventsPublished(through_id);
}

StatusOr<std::optional<ports::TaskRecord>> StoreFront::Lease(std::string_view worker_id,
                                                             const std::vector<std::string>& pools,
                                                             ports::Millis lease_ms) {
  return parts_.queue->Lease(worker_id, pools, lease_ms);
}

StatusOr<std::optional<ports::TaskRecord>> StoreFront::LeaseTask(
    std::string_view task_id, std::string_view worker_id, const std::vector<std::string>& pools,
    ports::Millis lease_ms) {
  return parts_.queue->LeaseTask(task_id, worker_id, pools, lease_ms);
}

Status StoreFront::Heartbeat(std::string_view task_id, std::string_view worker_id,
                             ports::Millis lease_ms) {
  return parts_.queue->Heartbeat(task_id, worker_id, lease_ms);
}

Status StoreFront::Complete(std::string_view task_id, std::string_view worker_id,
                            std::string_view result_json, int64_t cpu_ms) {
  return parts_.queue->Complete(task_id, worker_id, result_json, cpu_ms);
}

StatusOr<std::optional<ports::TaskRecord>> StoreFront::CompleteAndLease(
    std::string_view task_id, std::string_view worker_id, std::string_view result_json,
    int64_t cpu_ms, const std::vector<std::string>& pools, ports::Millis lease_ms) {
  return parts_.queue->CompleteAndLease(task_id, worker_id, result_json, cpu_ms, pools, lease_ms);
}

Status StoreFront::Fail(std::string_view task_id, std::string_view worker_id,
                        const ports::TaskFailure& failure) {
  return parts_.queue->Fail(task_id, worker_id, failure);
}

Status StoreFront::Release(std::string_view task_id, std::string_view worker_id) {
  return parts_.queue->Release(task_id, worker_id);
}

StatusOr<int> StoreFront::ExpireLeases() { return parts_.queue->ExpireLeases(); }

StatusOr<int> StoreFront::ReclaimWorker(std::string_view worker_id) {
  return parts_.queue->ReclaimWorker(worker_id);
}

StatusOr<int64_t> StoreFront::Publish(const ports::Event& event) {
  return parts_.events->Publish(event);
}

StatusOr<std::vector<ports::Event>> StoreFront::Poll(int64_t after_id, int limit) {
  return parts_.events->Poll(after_id, limit);
}

Status StoreFront::CreateApiKey(const ports::ApiKeyRecord& key) {
  return parts_.service->CreateApiKey(key);
}

StatusOr<ports::ApiKeyRecord> StoreFront::GetApiKey(std::string_view key_id) {
  return parts_.service->GetApiKey(key_id);
}

StatusOr<std::vector<ports::ApiKeyRecord>> StoreFront::ListApiKeys() {
  return parts_.service->ListApiKeys();
}

Status StoreFront::RevokeApiKey(std::string_view key_id) {
  return parts_.service->RevokeApiKey(key_id);
}

Status StoreFront::CreateUpload(const ports::UploadRecord& upload) {
  return parts_.service->CreateUpload(upload);
}

StatusOr<ports::UploadRecord> StoreFront::GetUpload(std::string_view upload_id) {
  return parts_.service->GetUpload(upload_id);
}

StatusOr<ports::UploadRecord> StoreFront::GetUploadByVideo(std::string_view video_id) {
  return parts_.service->GetUploadByVideo(video_id);
}

Status StoreFront::AdvanceUpload(std::string_view upload_id, uint64_t expected,
                                 uint64_t new_offset) {
  return parts_.service->AdvanceUpload(upload_id, expected, new_offset);
}

Status StoreFront::CompleteUpload(std::string_view upload_id, std::string_view sha256,
                                  const ports::VideoRecord& video) {
  return parts_.service->CompleteUpload(upload_id, sha256, video);
}

Status StoreFront::TerminateUpload(std::string_view upload_id) {
  return parts_.service->TerminateUpload(upload_id);
}

StatusOr<std::vector<ports::UploadRecord>> StoreFront::ListExpiredUploads(ports::Millis now,
                                                                          int limit) {
  return parts_.service->ListExpiredUploads(now, limit);
}

StatusOr<std::optional<ports::IdempotencyRecord>> StoreFront::BeginIdempotent(
    std::string_view scope, std::string_view key, std::string_view fingerprint) {
  return parts_.service->BeginIdempotent(scope, key, fingerprint);
}

Status StoreFront::FinishIdempotent(std::string_view scope, std::string_view key, int status,
                                    std::string_view response_json) {
  return parts_.service->FinishIdempotent(scope, key, status, response_json);
}

Status StoreFront::AbandonIdempotent(std::string_view scope, std::string_view key) {
  return parts_.service->AbandonIdempotent(scope, key);
}

StatusOr<int> StoreFront::PurgeIdempotent(ports::Millis cutoff) {
  return parts_.service->PurgeIdempotent(cutoff);
}

Status StoreFront::CreateWebhook(const ports::WebhookRecord& webhook) {
  return parts_.service->CreateWebhook(webhook);
}

StatusOr<ports::WebhookRecord> StoreFront::GetWebhook(std::string_view webhook_id) {
  return parts_.service->GetWebhook(webhook_id);
}

StatusOr<std::vector<ports::WebhookRecord>> StoreFront::ListWebhooks(std::string_view creator_id) {
  return parts_.service->ListWebhooks(creator_id);
}

Status StoreFront::DeleteWebhook(std::string_view webhook_id) {
  return parts_.service->DeleteWebhook(webhook_id);
}

StatusOr<int> StoreFront::EnqueueDeliveries(const std::vector<ports::DeliveryRecord>& deliveries) {
  return parts_.service->EnqueueDeliveries(deliveries);
}

StatusOr<std::vector<ports::DeliveryRecord>> StoreFront::DueDeliveries(int limit) {
  return parts_.service->DueDeliveries(limit);
}

Status StoreFront::RecordDeliveryAttempt(int64_t delivery_id,
                                         const ports::DeliveryOutcome& outcome) {
  return parts_.service->RecordDeliveryAttempt(delivery_id, outcome);
}

StatusOr<ports::DeliveryRecord> StoreFront::GetDelivery(int64_t delivery_id) {
  return parts_.service->GetDelivery(delivery_id);
}

StatusOr<std::vector<ports::DeliveryRecord>> StoreFront::ListDeliveries(std::string_view webhook_id,
                                                                        int limit) {
  return parts_.service->ListDeliveries(webhook_id, limit);
}

StatusOr<int64_t> StoreFront::AddViews(std::string_view video_id, int64_t count) {
  return parts_.service->AddViews(video_id, count);
}

StatusOr<ports::ServiceStore::ViewTally> StoreFront::GetViews(std::string_view video_id) {
  return parts_.service->GetViews(video_id);
}

StatusOr<std::vector<ports::VideoRecord>> StoreFront::ListVideoPage(
    const ports::VideoPageQuery& query) {
  return parts_.service->ListVideoPage(query);
}

StatusOr<int64_t> StoreFront::GetCursor(std::string_view name) {
  return parts_.service->GetCursor(name);
}

Status StoreFront::SetCursor(std::string_view name, int64_t value) {
  return parts_.service->SetCursor(name, value);
}

Status StoreFront::RegisterWorker(const ports::WorkerRecord& worker) {
  return parts_.workers->RegisterWorker(worker);
}

Status StoreFront::TouchWorker(std::string_view worker_id) {
  return parts_.workers->TouchWorker(worker_id);
}

StatusOr<bool> StoreFront::DeregisterWorker(std::string_view worker_id) {
  return parts_.workers->DeregisterWorker(worker_id);
}

StatusOr<std::vector<ports::WorkerRecord>> StoreFront::ListLiveWorkers(
    ports::Millis stale_after_ms) {
  return parts_.workers->ListLiveWorkers(stale_after_ms);
}

StatusOr<int> StoreFront::PurgeWorkers(ports::Millis stale_after_ms) {
  return parts_.workers->PurgeWorkers(stale_after_ms);
}

StatusOr<ports::WrappedKey> StoreFront::PutKeyIfAbsent(const ports::WrappedKey& key) {
  return parts_.keys->PutKeyIfAbsent(key);
}

StatusOr<ports::WrappedKey> StoreFront::GetKeyByLabel(std::string_view video_id,
                                                      std::string_view label) {
  return parts_.keys->GetKeyByLabel(video_id, label);
}

StatusOr<ports::WrappedKey> StoreFront::GetKeyByKid(std::string_view video_id,
                                                    const cenc::Kid& kid) {
  return parts_.keys->GetKeyByKid(video_id, kid);
}

}  // namespace vtp::adapters
