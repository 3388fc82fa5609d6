// Direct-to-storage uploads over HTTP (control/direct_uploads.h): the
// s3-multipart answer of POST /videos/upload and the completion and abort
// routes under /api/v1/uploads/{id}. Internal to api/.
#pragma once

#include "api/router.h"
#include "api/service_api.h"
#include "control/uploads.h"

namespace vtp::api::detail {

// Whether POST /videos/upload should answer s3-multipart for `upload`.
bool UseDirectUpload(const ApiContext& ctx, const control::NewUpload& upload);
// Creates the direct upload and answers 201 {video_id, upload_id,
// protocol: "s3-multipart", part_size, parts, complete_url, abort_url,
// expires_at} or the refusal.
Response InitiateDirect(ApiContext& ctx, const Request& req, const control::NewUpload& upload);
// POST /api/v1/uploads/{id}/complete and POST /api/v1/uploads/{id}/abort.
Status AddDirectUploadRoutes(Router& router, ApiContext& ctx);
// DELETE /api/v1/uploads/{id} of a direct upload: aborts it (204).
Response AbortDirect(ApiContext& ctx, const Request& req);

}  // namespace vtp::api::detail
