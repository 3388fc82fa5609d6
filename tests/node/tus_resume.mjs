// Uploads a file to `vtp serve` with tus-js-client the way a browser or
// Node client would, with an interruption: the first Upload is aborted once
// about 40% of the file is acknowledged, then a second Upload resumes the
// same tus URL (HEAD, then PATCHes from the server's offset) and completes.
//
//   node tus_resume.mjs --endpoint http://HOST:PORT/api/v1/uploads \
//        --token TOKEN --file PATH [--chunk-size BYTES] [--abort-at FRACTION]
//
// Prints one JSON line on stdout:
//   {"url", "video_id", "bytes", "aborted_at", "resumed_from"}
// where aborted_at is the offset acknowledged before abort() and
// resumed_from the Upload-Offset the server answered the resuming HEAD.
// Exits non-zero (message on stderr) when anything fails.
import fs from "node:fs";
import path from "node:path";
import * as tus from "tus-js-client";

function parseArgs(argv) {
  const args = { chunkSize: 1 << 20, abortAt: 0.4 };
  for (let i = 2; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`missing value for ${name}`);
    if (name === "--endpoint") args.endpoint = value;
    else if (name === "--token") args.token = value;
    else if (name === "--file") args.file = value;
    else if (name === "--chunk-size") args.chunkSize = Number(value);
    else if (name === "--abort-at") args.abortAt = Number(value);
    else throw new Error(`unknown argument ${name}`);
  }
  if (!args.endpoint || !args.token || !args.file) {
    throw new Error("usage: tus_resume.mjs --endpoint URL --token TOKEN --file PATH");
  }
  return args;
}

function baseOptions(args, extra) {
  return {
    headers: { Authorization: `Bearer ${args.token}` },
    chunkSize: args.chunkSize,
    metadata: { filename: path.basename(args.file), filetype: "video/mp4" },
    // Fail fast: the test drives the interruption itself.
    retryDelays: [0, 250, 500],
    removeFingerprintOnSuccess: true,
    ...extra,
  };
}

// First attempt: resolves with {url, videoId, acknowledged} once aborted.
function uploadUntilAbort(args, data) {
  return new Promise((resolve, reject) => {
    let videoId = null;
    const upload = new tus.Upload(
      data,
      baseOptions(args, {
        endpoint: args.endpoint,
        onAfterResponse(req, res) {
          const id = res.getHeader("Vtp-Video-Id");
          if (req.getMethod() === "POST" && id) videoId = id;
        },
        onChunkComplete(_chunk, acknowledged, total) {
          if (acknowledged < args.abortAt * total) return;
          upload
            .abort()
            .then(() => resolve({ url: upload.url, videoId, acknowledged }))
            .catch(reject);
        },
        onSuccess() {
          reject(new Error("the upload completed before it could be aborted: use a larger file"));
        },
        onError: reject,
      }),
    );
    upload.start();
  });
}

// Second attempt on the same URL: resolves with the offset it resumed from.
function resume(args, data, url) {
  return new Promise((resolve, reject) => {
    let resumedFrom = null;
    const upload = new tus.Upload(
      data,
      baseOptions(args, {
        uploadUrl: url,
        onAfterResponse(req, res) {
          if (req.getMethod() === "HEAD" && resumedFrom === null) {
            resumedFrom = Number(res.getHeader("Upload-Offset"));
          }
        },
        onSuccess() {
          resolve({ url: upload.url, resumedFrom });
        },
        onError: reject,
      }),
    );
    upload.start();
  });
}

async function main() {
  const args = parseArgs(process.argv);
  const data = fs.readFileSync(args.file);
  const first = await uploadUntilAbort(args, data);
  if (!first.url) throw new Error("the aborted upload has no URL");
  const second = await resume(args, data, first.url);
  if (second.url !== first.url) throw new Error(`resumed ${second.url}, not ${first.url}`);
  process.stdout.write(
    JSON.stringify({
      url: second.url,
      video_id: first.videoId,
      bytes: data.length,
      aborted_at: first.acknowledged,
      resumed_from: second.resumedFrom,
    }) + "\n",
  );
}

main().catch((err) => {
  process.stderr.write(`tus_resume: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
