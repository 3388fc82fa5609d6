// Plays vtp's packaged output (clear or encrypted) in Debian's chromium,
// headless, with Shaka Player (DASH and HLS fMP4, ClearKey EME) or hls.js
// (HLS MPEG-TS with METHOD=AES-128), and says whether playback got going.
// Run by tests/e2e/drm_playback_test.cc; usable by hand:
//
//   node tests/node/drm_play.mjs --dir OUTPUT_DIR --manifest manifest.mpd \
//        --player shaka --keys KEYS.json [--wrong-key] [--min-time 3] \
//        [--timeout-ms 60000] [--rendition lowest|highest|HEIGHT] \
//        [--port N] [--chromium /usr/bin/chromium] [--verbose]
//
// Prints one JSON line on stdout:
//   {"ok", "player", "manifest", "time", "width", "height", "rendition",
//    "error", "error_code", "key_requests", "elapsed_ms"}
// ok: the playback position passed --min-time (default 3 s) with a decoded
//   picture (videoWidth/videoHeight > 0), before any player error.
// width/height: video.videoWidth/videoHeight when it ended.
// rendition: {"width","height","bandwidth"} of the variant the harness
//   pinned (ABR off): the lowest by default, so width/height are
//   deterministic.
// error: null, or a message: "shaka 3016 VIDEO_ERROR (MEDIA) [...]",
//   "hlsjs mediaError/fragParsingError ... WebCrypto: failed to decrypt data",
//   "timeout after ... ms ...",
//   "video MEDIA_ERR_DECODE ...", or "harness: ..." (the browser or the
//   packages are missing, bad arguments).
// error_code: null, the Shaka error code (a number, e.g. 4012, 6xxx, 3016),
//   the hls.js error details (a string, e.g. "fragParsingError" (wrong
//   AES-128 key, see below), "fragDecryptError", "keyLoadError",
//   "bufferAppendError"), "video" (HTMLMediaElement error
//   outside the player), "ended" (the stream is shorter than --min-time),
//   "timeout" or "harness".
// key_requests: GETs of the key endpoint, e.g. ["<kid hex>", ...].
// Exit status: 0 when ok, 1 when playback failed, 2 when the harness could
// not run (the JSON line is printed in every case).
//
// ---- What it serves ------------------------------------------------------------
// A node http server on 127.0.0.1 (an ephemeral port unless --port) serves
//   /media/<path>   files of --dir, with MIME types, CORS, HEAD and Range
//                   (206 / 416), so SegmentBase or byte-range HLS work too;
//   /lib/shaka.js, /lib/hls.js  the player builds from node_modules;
//   /player.html    a page with one <video>;
//   .../keys/<kid>  (any path ending in /keys/ + the KID as 32 hex digits
//                   or a dashed UUID, optionally followed by ".key" or
//                   ".bin") the 16 raw key bytes of that
//                   KID from --keys (each flipped in one bit with
//                   --wrong-key); 404 for an unknown KID.
// Key URIs written into playlists before the port is known: the browser
// context routes every request whose URL path ends in /keys/<32 hex> on ANY
// other origin to the same key handler (playwright context.route), so the
// playlists can carry any absolute key URI, e.g.
//   vtp run ... --drm-key-uri 'http://127.0.0.1:9/keys/{kid}'
// (port 9 is never contacted), and relative ones ("keys/{kid}") resolve to
// this server. Nothing else needs rewriting, in either player. --port N makes
// the server listen on a fixed port instead, for URIs that must be real.
//
// ---- Players -------------------------------------------------------------------
// Shaka (shaka-player 5.2.12, dist/shaka-player.compiled.js): configured with
//   drm.clearKeys = {kid hex: key hex} for every key of --keys (flipped with
//   --wrong-key, same KIDs), abr.enabled = false, then the pinned variant is
//   selected with selectVariantTrack(track, clearBuffer=true).
// hls.js (1.7.4, dist/hls.min.js): plays the AES-128 playlist; keys come from
//   the key endpoint. enableSoftwareAES = false so that a wrong key fails in
//   WebCrypto (bad PKCS#7 padding) instead of "decrypting" to garbage in the
//   software fallback. hls.js 1.7.4 decrypts TS segments inside its
//   transmuxer, so a wrong key surfaces as mediaError/fragParsingError
//   "WebCrypto: failed to decrypt data" (fragDecryptError is only raised for
//   segments decrypted outside the transmuxer); the first error mentioning
//   decryption ends the run (hls.js would retry it 3 times, ~20 s, before
//   it is fatal). The pinned level is set with
//   startLevel + loadLevel (manual level, no ABR).
//
// ---- Findings: Shaka Player 5.2.12 and ClearKey (read from its lib/ sources) --
// DASH (lib/dash/content_protection.js, dash_parser.js):
//  * ContentProtection is read at the AdaptationSet AND at the Representation
//    level (parseFromRepresentation: Representation elements replace the
//    AdaptationSet's when the set lists none or only unknown systems; later
//    Representations filter the key systems to the common ones, else
//    DASH_NO_COMMON_KEY_SYSTEM 4033... see error.js).
//  * cenc:default_KID (on urn:mpeg:dash:mp4protection:2011 or a system
//    element) becomes stream.keyIds; one element list with two different
//    default_KIDs is 4010 DASH_CONFLICTING_KEY_IDS. value="cenc"/"cbcs" on the
//    mp4protection element sets the drmInfo's encryptionScheme.
//  * No pssh is needed: with drm.clearKeys configured, DrmEngine
//    (lib/drm/drm_engine.js configureClearKey) REPLACES every video/audio
//    stream's drmInfos with one org.w3.clearkey drmInfo built from the
//    configured map (initData type "keyids" = the configured KIDs, license
//    = a data: URI JWK set, encryptionScheme "cenc" whatever the manifest
//    says; chromium's ClearKey still decrypts cbcs). Even an MPD with no
//    ContentProtection at all plays encrypted segments with clearKeys
//    (verified).
//  * What must match: stream.keyIds (cenc:default_KID of the MPD) are
//    checked against the CDM's key statuses; a KID the configuration does
//    not provide leaves the variant restricted -> 4012
//    RESTRICTIONS_CANNOT_BE_MET. So cenc:default_KID, when written, must
//    equal the tenc default_KID of the init segment and a configured KID.
//    A wrong KEY with the right KID gives a "usable" key: the failure then
//    comes from decoding the garbage. Measured in chromium 156 with a
//    test-only cenc/cbcs packager: every wrong-key run (DASH cenc/cbcs,
//    HLS SAMPLE-AES/-CTR) failed within ~5 s with 3016 VIDEO_ERROR
//    "PIPELINE_ERROR_DECODE: Failed to send audio|video packet for
//    decoding"; a KID missing from the configuration failed with 4012
//    RESTRICTIONS_CANNOT_BE_MET {missingKeys:[kid]} (the 4012 of the
//    platform notes is this case, not a wrong key).
//  * ClearKey system ids known: urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b
//    and urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e (the latter with
//    default_KID builds a ClearKey pssh); neither is needed with clearKeys.
// HLS (lib/hls/hls_parser.js):
//  * KEYFORMATs accepted for SAMPLE-AES / SAMPLE-AES-CTR: "identity" (also
//    when KEYFORMAT is absent), "com.apple.streamingkeydelivery" (FairPlay),
//    "urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed" (Widevine, URI = data:
//    pssh), "com.microsoft.playready",
//    "urn:uuid:3d5e6d35-9b9a-41e8-b843-dd3c6e72c42c" (WisePlay). NOT
//    accepted: "org.w3.clearkey", "urn:uuid:1077efec-...",
//    "urn:uuid:e2719d58-..."; a playlist whose only keys are unsupported
//    formats fails with 4026 HLS_KEYFORMATS_NOT_SUPPORTED at parse time
//    (verified with KEYFORMAT="urn:uuid:1077efec-..."),
//    before clearKeys are applied (unknown formats next to a supported one
//    are skipped with a warning).
//  * METHOD=SAMPLE-AES -> encryptionScheme "cbcs", SAMPLE-AES-CTR -> "cenc";
//    AES-128/AES-256/AES-256-CTR/AES-256-GCM are segment encryption handled
//    by Shaka itself with WebCrypto (not EME).
//  * identity parser (identityDrmParser_): requires EXT-X-MAP fMP4
//    (video/mp2t + identity SAMPLE-AES -> 4040
//    HLS_MSE_ENCRYPTED_MP2T_NOT_SUPPORTED); FETCHES THE KEY from the URI at
//    manifest parse time (a data:text/plain;base64,... URI is decoded
//    instead), so the key URI must answer (a failing fetch is a network
//    error, even with clearKeys configured); it reads the KID from the init
//    segment's tenc default_KID (fetching the EXT-X-MAP), falling back to
//    00..00. No KEYID attribute is read for identity, no IV is needed (the
//    IV/constant IV comes from the init/senc boxes).
//  * Tags can be EXT-X-KEY in each media playlist (needed: per-stream
//    drmInfos and keyIds come from there) and/or EXT-X-SESSION-KEY in the
//    master (also parsed, optional).
//  * With drm.clearKeys, the parsed drmInfos are replaced as for DASH; the
//    init segment's default_KID becomes stream.keyIds and must be one of
//    the configured KIDs, else 4012.
//  * Verified: with clearKeys, a media playlist whose SAMPLE-AES tags are
//    only Widevine (URI="data:text/plain;base64,<pssh>",KEYID=0x<kid>), or
//    only FairPlay (URI="skd://<kid hex>"), or Widevine + FairPlay + an
//    unsupported ClearKey urn:uuid:1077efec... tag, plays too: ONE tag of
//    a supported KEYFORMAT is enough; the KIDs Shaka attaches (Widevine
//    KEYID, FairPlay skd:// host when it is 32 hex digits, identity: init
//    segment tenc) must be configured KIDs, else 4012.
//  * DASH ContentProtection moved from the AdaptationSet into each
//    Representation: plays, and its default_KID is enforced (4012
//    missingKeys when not configured).
//  So, for Shaka + clearKeys, a media playlist needs per segment run:
//    #EXT-X-MAP:URI="init.mp4" (init with encv/enca + sinf/schm/tenc
//    default_KID) and
//    #EXT-X-KEY:METHOD=SAMPLE-AES,URI="<reachable key URI or data:...>",
//      KEYFORMAT="identity"            (cbcs)
//    #EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="...",KEYFORMAT="identity" (cenc)
//  (KEYFORMATVERSIONS="1" is optional.)
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MODULES = path.join(HERE, "node_modules");
const LIBS = {
  "/lib/shaka.js": path.join(MODULES, "shaka-player/dist/shaka-player.compiled.js"),
  "/lib/hls.js": path.join(MODULES, "hls.js/dist/hls.min.js"),
};
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
];
const KEY_PATH = /\/keys\/([0-9a-fA-F-]{32,36})(?:\.key|\.bin)?$/;

// The KID (32 lower-case hex digits) of a key URL path, or null.
function kidOfPath(pathname) {
  const m = KEY_PATH.exec(pathname);
  const kid = m ? m[1].replace(/-/g, "").toLowerCase() : "";
  return /^[0-9a-f]{32}$/.test(kid) ? kid : null;
}

const MIME = {
  ".mpd": "application/dash+xml",
  ".m3u8": "application/vnd.apple.mpegurl",
  ".mp4": "video/mp4",
  ".m4s": "video/mp4",
  ".m4v": "video/mp4",
  ".cmfv": "video/mp4",
  ".m4a": "audio/mp4",
  ".cmfa": "audio/mp4",
  ".ts": "video/mp2t",
  ".aac": "audio/aac",
  ".webm": "video/webm",
  ".vtt": "text/vtt",
  ".json": "application/json",
  ".jpg": "image/jpeg",
  ".png": "image/png",
  ".key": "application/octet-stream",
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
};

class HarnessError extends Error {}

function parseArgs(argv) {
  const a = {
    minTime: 3,
    timeoutMs: 60000,
    wrongKey: false,
    rendition: "lowest",
    port: 0,
    chromium: "/usr/bin/chromium",
    verbose: false,
  };
  for (let i = 2; i < argv.length; i++) {
    const name = argv[i];
    if (name === "--wrong-key") { a.wrongKey = true; continue; }
    if (name === "--verbose") { a.verbose = true; continue; }
    const value = argv[++i];
    if (value === undefined) throw new HarnessError(`missing value for ${name}`);
    if (name === "--dir") a.dir = path.resolve(value);
    else if (name === "--manifest") a.manifest = value;
    else if (name === "--player") a.player = value;
    else if (name === "--keys") a.keys = value;
    else if (name === "--min-time") a.minTime = Number(value);
    else if (name === "--timeout-ms") a.timeoutMs = Number(value);
    else if (name === "--rendition") a.rendition = value;
    else if (name === "--port") a.port = Number(value);
    else if (name === "--chromium") a.chromium = value;
    else throw new HarnessError(`unknown argument ${name}`);
  }
  if (!a.dir || !a.manifest || !["shaka", "hlsjs"].includes(a.player)) {
    throw new HarnessError(
      "usage: drm_play.mjs --dir DIR --manifest REL --player shaka|hlsjs [--keys KEYS.json] [--wrong-key] " +
        "[--min-time S] [--timeout-ms MS] [--rendition lowest|highest|HEIGHT] [--port N]");
  }
  if (!(a.minTime >= 0) || !(a.timeoutMs > 0)) throw new HarnessError("bad --min-time or --timeout-ms");
  if (!fs.existsSync(path.join(a.dir, a.manifest))) throw new HarnessError(`no ${a.manifest} in ${a.dir}`);
  return a;
}

// {kid hex (lower case): key hex} from the KEYS.json vtp reads, each key
// flipped in its lowest bit when `wrong`.
function loadKeys(file, wrong) {
  const keys = new Map();
  if (!file) return keys;
  const doc = JSON.parse(fs.readFileSync(file, "utf8"));
  if (!Array.isArray(doc.keys)) throw new HarnessError(`${file}: no "keys" array`);
  for (const k of doc.keys) {
    const kid = String(k.kid || "").replace(/-/g, "").toLowerCase();
    const key = String(k.key || "").toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(kid) || !/^[0-9a-f]{32}$/.test(key)) {
      throw new HarnessError(`${file}: kid and key must be 32 hex digits (${JSON.stringify(k)})`);
    }
    const bytes = Buffer.from(key, "hex");
    if (wrong) bytes[15] ^= 0x01;
    keys.set(kid, bytes.toString("hex"));
  }
  return keys;
}

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "Range, Content-Type",
  "Access-Control-Expose-Headers": "Content-Length, Content-Range, Accept-Ranges",
};

function startServer(args, keys, keyRequests, log) {
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>vtp drm_play</title>
<script src="/lib/${args.player === "shaka" ? "shaka" : "hls"}.js"></script></head>
<body><video id="video" muted playsinline width="640" height="360"></video></body></html>`;

  function sendKey(res, kid) {
    keyRequests.push(kid);
    const key = keys.get(kid.toLowerCase());
    if (!key) {
      res.writeHead(404, { ...CORS, "Content-Type": "text/plain" });
      res.end(`unknown kid ${kid}\n`);
      return;
    }
    res.writeHead(200, { ...CORS, "Content-Type": "application/octet-stream", "Content-Length": 16,
                         "Cache-Control": "no-store" });
    res.end(Buffer.from(key, "hex"));
  }

  function sendFile(req, res, file, type) {
    let st;
    try {
      st = fs.statSync(file);
    } catch {
      st = null;
    }
    if (!st || !st.isFile()) {
      res.writeHead(404, { ...CORS, "Content-Type": "text/plain" });
      res.end("not found\n");
      return;
    }
    const headers = { ...CORS, "Content-Type": type, "Accept-Ranges": "bytes", "Cache-Control": "no-store" };
    let start = 0;
    let end = st.size - 1;
    let status = 200;
    const range = req.headers.range;
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (m && (m[1] !== "" || m[2] !== "")) {
        if (m[1] === "") {  // suffix: the last N bytes
          start = Math.max(0, st.size - Number(m[2]));
        } else {
          start = Number(m[1]);
          if (m[2] !== "") end = Math.min(end, Number(m[2]));
        }
        if (start >= st.size || start > end) {
          res.writeHead(416, { ...CORS, "Content-Range": `bytes */${st.size}` });
          res.end();
          return;
        }
        status = 206;
        headers["Content-Range"] = `bytes ${start}-${end}/${st.size}`;
      }
    }
    headers["Content-Length"] = end - start + 1;
    res.writeHead(status, headers);
    if (req.method === "HEAD" || st.size === 0) {
      res.end();
      return;
    }
    fs.createReadStream(file, { start, end }).pipe(res);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const pathname = decodeURIComponent(url.pathname);
    log(`${req.method} ${req.url}${req.headers.range ? " " + req.headers.range : ""}`);
    if (req.method === "OPTIONS") {
      res.writeHead(204, { ...CORS, "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS" });
      res.end();
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, CORS);
      res.end();
      return;
    }
    const kid = kidOfPath(pathname);
    if (kid) return sendKey(res, kid);
    if (pathname === "/" || pathname === "/player.html") {
      res.writeHead(200, { "Content-Type": MIME[".html"], "Cache-Control": "no-store" });
      res.end(page);
      return;
    }
    if (LIBS[pathname]) return sendFile(req, res, LIBS[pathname], MIME[".js"]);
    if (pathname.startsWith("/media/")) {
      const file = path.resolve(args.dir, "." + pathname.slice("/media".length));
      if (file !== args.dir && !file.startsWith(args.dir + path.sep)) {
        res.writeHead(403, CORS);
        res.end();
        return;
      }
      const type = MIME[path.extname(file).toLowerCase()] || "application/octet-stream";
      return sendFile(req, res, file, type);
    }
    res.writeHead(404, { ...CORS, "Content-Type": "text/plain" });
    res.end("not found\n");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(args.port, "127.0.0.1", () => resolve(server));
  });
}

// Runs in the page (serialised by playwright): plays cfg.url and resolves
// with the outcome. Nothing here may refer to the module's scope.
async function playInPage(cfg) {
  const video = document.getElementById("video");
  const began = performance.now();
  let settle;
  const outcome = new Promise((resolve) => (settle = resolve));
  let settled = false;
  const info = { rendition: null, notes: [] };
  const finish = (ok, error, errorCode) => {
    if (settled) return;
    settled = true;
    settle({
      ok,
      error,
      error_code: errorCode,
      time: video.currentTime,
      width: video.videoWidth,
      height: video.videoHeight,
      rendition: info.rendition,
      notes: info.notes,
      elapsed_ms: Math.round(performance.now() - began),
    });
  };
  const tick = setInterval(() => {
    if (video.currentTime > cfg.minTime && video.videoWidth > 0 && video.videoHeight > 0) {
      finish(true, null, null);
    }
  }, 50);
  const timer = setTimeout(() => {
    const err = video.error ? ` (video error ${video.error.code} ${video.error.message})` : "";
    finish(false, `timeout after ${cfg.timeoutMs} ms at t=${video.currentTime.toFixed(2)} s, ` +
      `readyState ${video.readyState}${err}; notes: ${info.notes.slice(-5).join(" | ")}`, "timeout");
  }, cfg.timeoutMs);
  video.addEventListener("ended", () => {
    if (video.currentTime > cfg.minTime && video.videoWidth > 0) finish(true, null, null);
    else finish(false, `the stream ended at t=${video.currentTime.toFixed(2)} s, before --min-time`, "ended");
  });
  outcome.then(() => {
    clearInterval(tick);
    clearTimeout(timer);
  });
  const MEDIA_ERRORS = ["", "MEDIA_ERR_ABORTED", "MEDIA_ERR_NETWORK", "MEDIA_ERR_DECODE", "MEDIA_ERR_SRC_NOT_SUPPORTED"];
  const videoError = () => {
    const e = video.error;
    return e ? `video ${MEDIA_ERRORS[e.code] || e.code} ${e.message || ""}`.trim() : "video error";
  };
  const pick = (list) => {
    // list: [{width,height,bandwidth,...}] -> index of the pinned one
    const order = list.map((t, i) => [t.height || 0, t.bandwidth || 0, i]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    if (cfg.rendition === "highest") return order[order.length - 1][2];
    if (cfg.rendition === "lowest") return order[0][2];
    const h = Number(cfg.rendition);
    const hit = order.find((o) => o[0] === h);
    return hit ? hit[2] : -1;
  };

  if (cfg.player === "shaka") {
    const shaka = window.shaka;
    if (!shaka) {
      finish(false, "harness: shaka-player did not load", "harness");
      return outcome;
    }
    shaka.polyfill.installAll();
    if (!shaka.Player.isBrowserSupported()) {
      finish(false, "harness: shaka says the browser is not supported", "harness");
      return outcome;
    }
    const codeNames = {};
    for (const [name, code] of Object.entries(shaka.util.Error.Code || {})) codeNames[code] = name;
    const categoryNames = {};
    for (const [name, c] of Object.entries(shaka.util.Error.Category || {})) categoryNames[c] = name;
    const shakaError = (e) => {
      const d = e && e.detail ? e.detail : e;
      if (!d || typeof d.code !== "number") return finish(false, `shaka ${String(d)}`, "shaka");
      let data = "";
      try {
        data = JSON.stringify(d.data, (k, v) => (v instanceof Uint8Array || v instanceof ArrayBuffer ? "[bytes]" : v))
          .slice(0, 400);
      } catch {
        data = String(d.data);
      }
      finish(false, `shaka ${d.code} ${codeNames[d.code] || ""} (${categoryNames[d.category] || d.category}) ${data}`,
             d.code);
    };
    const player = new shaka.Player();
    player.addEventListener("error", shakaError);
    video.addEventListener("error", () => {
      // Shaka reports it as 3016 too; give it a moment to say so.
      setTimeout(() => finish(false, videoError(), "video"), 500);
    });
    // Not awaited: a load() that never settles must still let the timeout
    // (or a player error event) end the run.
    (async () => {
      await player.attach(video);
      player.configure({
        abr: { enabled: false },
        streaming: { retryParameters: { maxAttempts: 2, baseDelay: 200, timeout: 10000 } },
        manifest: { retryParameters: { maxAttempts: 2, baseDelay: 200, timeout: 10000 } },
        drm: { clearKeys: cfg.clearKeys, retryParameters: { maxAttempts: 2, baseDelay: 200, timeout: 10000 } },
      });
      await player.load(cfg.url, 0, cfg.url.endsWith(".mpd") ? "application/dash+xml" : "application/x-mpegurl");
      const tracks = player.getVariantTracks().filter((t) => t.videoId !== null || t.height);
      if (tracks.length) {
        const i = pick(tracks);
        if (i < 0) {
          finish(false, `harness: no ${cfg.rendition}p variant among ` +
            tracks.map((t) => `${t.width}x${t.height}`).join(","), "harness");
          return;
        }
        const t = tracks[i];
        player.selectVariantTrack(t, /* clearBuffer= */ true);
        info.rendition = { width: t.width, height: t.height, bandwidth: t.bandwidth };
      }
      info.notes.push(`keySystem ${player.keySystem()}`);
      await video.play();
    })().catch((e) => {
      if (e && typeof e.code === "number") shakaError(e);
      else finish(false, `shaka ${e && e.message ? e.message : String(e)}`, "shaka");
    });
    return outcome;
  }

  // hls.js
  const Hls = window.Hls;
  if (!Hls) {
    finish(false, "harness: hls.js did not load", "harness");
    return outcome;
  }
  if (!Hls.isSupported()) {
    finish(false, "harness: hls.js says MSE is not supported", "harness");
    return outcome;
  }
  const hls = new Hls({
    autoStartLoad: false,
    enableWorker: true,
    enableSoftwareAES: false,
    debug: false,
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    const what = `${data.type}/${data.details}${data.reason ? " " + data.reason : ""}` +
      `${data.error && data.error.message ? " " + data.error.message : ""}` +
      `${data.response && data.response.code ? " http " + data.response.code : ""}`;
    info.notes.push(`${data.fatal ? "fatal" : "non-fatal"} ${what}`);
    // A decrypt failure is not retried into success: report the first one
    // (hls.js 1.7 decrypts TS segments in its transmuxer, so a wrong key
    // shows as fragParsingError "WebCrypto: failed to decrypt data"; init
    // segments and parts decrypted outside it give fragDecryptError).
    if (data.fatal || data.details === "fragDecryptError" || /decrypt/i.test(what)) {
      finish(false, `hlsjs ${what}`, data.details);
    }
  });
  hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => {
    const levels = hls.levels;
    const i = pick(levels);
    if (i < 0) {
      finish(false, `harness: no ${cfg.rendition}p level among ` +
        levels.map((l) => `${l.width}x${l.height}`).join(","), "harness");
      return;
    }
    info.rendition = { width: levels[i].width, height: levels[i].height, bandwidth: levels[i].bitrate };
    hls.startLevel = i;
    hls.loadLevel = i;
    hls.startLoad(0);
    video.play().catch((e) => info.notes.push(`play(): ${e.message}`));
  });
  video.addEventListener("error", () => setTimeout(() => finish(false, videoError(), "video"), 500));
  hls.attachMedia(video);
  hls.loadSource(cfg.url);
  return outcome;
}

async function main() {
  const began = Date.now();
  let args = null;
  const result = {
    ok: false,
    player: null,
    manifest: null,
    time: 0,
    width: 0,
    height: 0,
    rendition: null,
    error: null,
    error_code: null,
    key_requests: [],
    elapsed_ms: 0,
  };
  let server = null;
  let context = null;
  let userDir = null;
  const logs = [];
  const log = (line) => {
    logs.push(line);
    if (args && args.verbose) process.stderr.write(line + "\n");
  };
  try {
    args = parseArgs(process.argv);
    result.player = args.player;
    result.manifest = args.manifest;
    const keys = loadKeys(args.keys, args.wrongKey);
    for (const lib of Object.values(LIBS)) {
      if (!fs.existsSync(lib)) {
        throw new HarnessError(`${lib} is missing: run scripts/install-npm.sh`);
      }
    }
    if (!fs.existsSync(args.chromium)) {
      throw new HarnessError(`${args.chromium} is missing: apt-get install chromium (scripts/install-deps.sh)`);
    }
    let chromium;
    try {
      ({ chromium } = await import("playwright-core"));
    } catch (e) {
      throw new HarnessError(`playwright-core is missing (run scripts/install-npm.sh): ${e.message}`);
    }

    server = await startServer(args, keys, result.key_requests, log);
    const origin = `http://127.0.0.1:${server.address().port}`;

    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "vtp-drm-play-"));
    try {
      context = await chromium.launchPersistentContext(userDir, {
        executablePath: args.chromium,
        headless: true,
        args: CHROMIUM_ARGS,
      });
    } catch (e) {
      throw new HarnessError(`cannot launch ${args.chromium}: ${e.message.split("\n")[0]}`);
    }
    // Key URIs on any other origin (written before the port was known).
    await context.route(
      (url) => url.origin !== origin && kidOfPath(url.pathname) !== null,
      async (route) => {
        const kid = kidOfPath(new URL(route.request().url()).pathname);
        log(`route ${route.request().url()}`);
        result.key_requests.push(kid);
        const key = keys.get(kid);
        if (!key) {
          await route.fulfill({ status: 404, headers: CORS, body: `unknown kid ${kid}\n` });
        } else {
          await route.fulfill({
            status: 200,
            headers: { ...CORS, "Content-Type": "application/octet-stream", "Cache-Control": "no-store" },
            body: Buffer.from(key, "hex"),
          });
        }
      });
    const page = context.pages()[0] || (await context.newPage());
    page.on("console", (m) => log(`console.${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => log(`pageerror: ${e.message}`));
    await page.goto(`${origin}/player.html`);
    const clearKeys = Object.fromEntries(keys);
    const cfg = {
      player: args.player,
      url: `${origin}/media/${args.manifest.split("/").map(encodeURIComponent).join("/")}`,
      clearKeys,
      minTime: args.minTime,
      timeoutMs: args.timeoutMs,
      rendition: args.rendition,
    };
    // The page times itself out; this guards against a hung page.
    let guard;
    const out = await Promise.race([
      page.evaluate(playInPage, cfg),
      new Promise((_, reject) => {
        guard = setTimeout(() => reject(new Error("the page did not answer")), args.timeoutMs + 15000);
      }),
    ]);
    clearTimeout(guard);
    const { notes, ...rest } = out;
    Object.assign(result, rest);
    if (notes && notes.length) log(`notes: ${notes.join(" | ")}`);
    result.time = Math.round(result.time * 1000) / 1000;
  } catch (e) {
    result.ok = false;
    result.error = e instanceof HarnessError ? `harness: ${e.message}` : `harness: ${e.stack || e}`;
    result.error_code = "harness";
  } finally {
    if (context) await context.close().catch(() => {});
    if (server) {
      server.closeAllConnections();
      server.close();
    }
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  }
  result.elapsed_ms = Date.now() - began;
  if (!result.ok && args && !args.verbose) {
    // The last lines of the page's console and the requests, for diagnosis.
    process.stderr.write(logs.slice(-60).join("\n") + "\n");
  }
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exitCode = result.ok ? 0 : result.error_code === "harness" ? 2 : 1;
}

await main();
