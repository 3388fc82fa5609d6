#!/usr/bin/env bash
# Uploads FILE to a running `vtp serve` with curl and prints the video id:
# POST /api/v1/videos/upload (JSON), then the bytes by the protocol the
# answer names -- one tus PATCH, or (S3 blob store) each part PUT straight to
# its presigned S3 URL and POST complete_url with the parts' ETags.
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
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$REPLY" "$1"; }
VIDEO=$(field video_id)
if [ "$(field protocol)" = tus ]; then
  curl -fsS -X PATCH "$(field upload_url)" -H "Authorization: Bearer $KEY" -H "Tus-Resumable: 1.0.0" \
    -H "Upload-Offset: 0" -H "Content-Type: application/offset+octet-stream" \
    --data-binary "@$FILE" >/dev/null
  echo "$VIDEO"
  exit 0
fi
PART_SIZE=$(field part_size)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PARTS="["
while read -r N URL; do
  tail -c +$(( (N - 1) * PART_SIZE + 1 )) "$FILE" | head -c "$PART_SIZE" >"$TMP/part"
  ETAG=$(curl -fsS -o /dev/null -w '%header{etag}' -X PUT --data-binary "@$TMP/part" "$URL")
  PARTS="$PARTS{\"part_number\":$N,\"etag\":$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$ETAG")},"
done < <(python3 -c 'import json,sys
for p in json.loads(sys.argv[1])["parts"]: print(p["part_number"], p["url"])' "$REPLY")
PARTS="${PARTS%,}]"
curl -fsS -X POST "$(field complete_url)" -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
  -d "{\"parts\":$PARTS}" >/dev/null
echo "$VIDEO"
