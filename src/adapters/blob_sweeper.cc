#include "adapters/blob_sweeper.h"

#include <string_view>
#include <vector>

namespace vtp::adapters {
namespace {

// True when some key inside originals/ could start with `prefix`, or the
// prefix reaches into originals/ itself.
bool CouldListOriginals(std::string_view prefix) {
  const std::string area = std::string(ports::kOriginalsArea) + "/";
  return std::string_view(area).starts_with(prefix) || prefix.starts_with(area) ||
         prefix == ports::kOriginalsArea;
}

}  // namespace

StatusOr<SweepReport> SweepSegments(ports::BlobStore& store, const ports::Clock& clock, ports::Millis max_age_ms,
                                    const std::string& prefix) {
  if (CouldListOriginals(prefix)) {
    return InvalidArgument("the sweeper never runs over originals; prefix '" + prefix + "' would include them");
  }
  if (max_age_ms < 0) return InvalidArgument("sweeper max age must be >= 0");
  const ports::Millis cutoff = clock.NowMillis() - max_age_ms;
  ASSIGN_OR_RETURN(std::vector<ports::BlobInfo> blobs, store.ListInfo(prefix));
  SweepReport report;
  for (const ports::BlobInfo& blob : blobs) {
    ++report.scanned;
    if (ports::IsOriginalKey(blob.key)) {
      ++report.skipped_originals;
      continue;
    }
    if (blob.last_modified_ms > cutoff) {
      ++report.kept;
      continue;
    }
    Status st = store.Delete(blob.key);
    if (!st.ok()) {
      if (report.failed++ == 0) report.first_error = st.ToString();
      continue;
    }
    ++report.deleted;
    report.bytes_deleted += blob.size;
  }
  return report;
}

}  // namespace vtp::adapters
