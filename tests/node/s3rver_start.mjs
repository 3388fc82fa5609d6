// Starts s3rver (an S3 API server for tests, npm) on loopback with buckets
// created, prints one JSON line {"address","port"} on stdout once it listens,
// and runs until SIGTERM/SIGINT, or with `--watch-stdin yes` also until its
// stdin closes (so a test fixture that dies cannot leave it behind).
//
//   node --openssl-legacy-provider s3rver_start.mjs --dir DIR [--port 0] [--bucket vtp]... [--watch-stdin yes]
//
// Credentials are s3rver's fixed pair: access key S3RVER, secret S3RVER.
// Port 0 picks a free ephemeral port. --openssl-legacy-provider is needed
// because s3rver encrypts ListObjectsV2 continuation tokens with DES, which
// OpenSSL 3 only offers through its legacy provider (without it every
// truncated listing fails with 500).
//
// One change to s3rver 3.7.1: its filesystem store rewrites an object file in
// place, so a GET racing a PUT can read a prefix. Real S3 publishes an object
// whole, and the blob store contract (readers never see partial content)
// relies on that, so putObject and putMetadata below write temporary files
// and rename them into place (a GET that reads a half-written metadata file
// otherwise fails with 500). Content and metadata stay two files, so a GET
// racing a replace may still pair new bytes with old metadata. s3rver does
// not verify SigV4 signatures either (it checks the access key only); that is
// left as it is.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import S3rver from 's3rver';
import FilesystemStore from 's3rver/lib/stores/filesystem.js';
import S3Object from 's3rver/lib/models/object.js';

function tempNameFor(target) {
  return `${target}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
}

async function writeFileAtomically(target, data) {
  const temp = tempNameFor(target);
  await fs.promises.writeFile(temp, data);
  await fs.promises.rename(temp, target);
}

FilesystemStore.prototype.putMetadata = async function putMetadataAtomically(bucket, key, metadata, md5) {
  const kept = Object.fromEntries(
    Object.entries(metadata).filter(
      ([name]) => S3Object.ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-'),
    ),
  );
  if (md5) await writeFileAtomically(this.getResourcePath(bucket, key, 'object.md5'), md5);
  await writeFileAtomically(this.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(kept, null, 2));
};

FilesystemStore.prototype.putObject = async function putObjectAtomically(object) {
  const target = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const temp = tempNameFor(target);
  const md5 = crypto.createHash('md5');
  let size = 0;
  const content = Buffer.isBuffer(object.content) ? [object.content] : object.content;
  const count = new Transform({
    transform(chunk, encoding, done) {
      md5.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(content, count, fs.createWriteStream(temp));
    await fs.promises.rename(temp, target);
  } catch (err) {
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
  const digest = md5.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
};

// s3rver answers a Range on an empty object with 206, Content-Length 1 and no
// body (the client sees a truncated transfer); S3 answers 416 InvalidRange.
const getObjectWithRanges = FilesystemStore.prototype.getObject;
FilesystemStore.prototype.getObject = async function getObjectEmptyRange(bucket, key, options) {
  const object = await getObjectWithRanges.call(this, bucket, key, options);
  if (object && object.range && object.size === 0 && object.content) {
    object.content.destroy();
    object.content = null;
  }
  return object;
};

function parseArgs(argv) {
  const opts = { dir: '', port: 0, buckets: [], watchStdin: false };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`missing value for ${flag}`);
    if (flag === '--dir') opts.dir = value;
    else if (flag === '--port') opts.port = Number(value);
    else if (flag === '--bucket') opts.buckets.push(value);
    else if (flag === '--watch-stdin') opts.watchStdin = value === 'yes';
    else throw new Error(`unknown flag ${flag}`);
  }
  if (!opts.dir) throw new Error('--dir is required');
  if (opts.buckets.length === 0) opts.buckets.push('vtp');
  return opts;
}

try {
  crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
} catch {
  process.stderr.write('s3rver_start: run node with --openssl-legacy-provider (s3rver needs DES)\n');
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const server = new S3rver({
  address: '127.0.0.1',
  port: opts.port,
  directory: opts.dir,
  silent: true,
  configureBuckets: opts.buckets.map((name) => ({ name })),
});
const { address, port } = await server.run();
process.stdout.write(JSON.stringify({ address, port }) + '\n');

const stop = async () => {
  await server.close().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (opts.watchStdin) {
  process.stdin.on('end', stop);
  process.stdin.resume();
}
