#!/usr/bin/env bash
# Uploads FILE to a running `vtp serve` with curl: POST /api/v1/videos/upload
# (JSON), then one tus PATCH with the whole file. Prints the video id.
#
#   scripts/dev/upload.sh API_URL API_KEY FILE
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 API_URL API_KEY FILE" >&2; exit 2; }
API="$1" KEY="$2" FILE="$3"
SIZE=$(stat -c %s "$FILE")
SHA=$(sha256sum "$FILE" | cut -d' ' -f1)
REPLY=$(curl -fsS -X POST "$API/api/v1/videos/upload" -H "Authorization: Bearer $KEY" \
  -H "Content-Type: application/json" \
  -d "{\"filename\":\"$(basename "$FILE")\",\"content_type\":\"video/mp4\",\"file_size_bytes\":$SIZE,\"sha256\":\"$SHA\"}")
VIDEO=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["video_id"])' "$REPLY")
URL=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["upload_url"])' "$REPLY")
curl -fsS -X PATCH "$URL" -H "Authorization: Bearer $KEY" -H "Tus-Resumable: 1.0.0" \
  -H "Upload-Offset: 0" -H "Content-Type: application/offset+octet-stream" \
  --data-binary "@$FILE" >/dev/null
echo "$VIDEO"
