/**
 * Reads a REST request body the way Discord accepts it (docs reference "HTTP API" ›
 * "Uploading Files"): JSON with `Content-Type: application/json`, or multipart/form-data with
 * a `payload_json` part and `files[n]` parts. The body is capped; the cap, bad JSON and a
 * missing content type are answered as Discord does (413/40005, 400/50109, 400/50035).
 */
import type { IncomingMessage } from 'node:http';
import { entityTooLarge, FormErrors, invalidJson } from './restError.js';
import type { UploadedFile } from './router.js';

export interface ParsedBody {
  json: unknown;
  files: UploadedFile[];
}

/** Collects the body; rejects with 413 as soon as more than `maxBytes` arrive. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(entityTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        chunks.length = 0;
        reject(entityTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidJson();
  }
}

function contentTypeError(): never {
  const errors = new FormErrors();
  errors.add(
    [],
    'CONTENT_TYPE_INVALID',
    "Expected \"Content-Type\" header to be one of {'application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'}.",
  );
  errors.throwIfAny();
  throw new Error('unreachable');
}

/** Splits multipart/form-data into parts; enough for payload_json and file metadata. */
function multipart(raw: Buffer, boundary: string): Array<{ headers: string; data: Buffer }> {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ headers: string; data: Buffer }> = [];
  let pos = raw.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    if (raw.subarray(start, start + 2).toString() === '--') break;
    const next = raw.indexOf(delimiter, start);
    if (next < 0) break;
    // Each part: CRLF, headers, CRLF CRLF, data, CRLF before the next delimiter.
    const part = raw.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split >= 0)
      parts.push({ headers: part.subarray(0, split).toString('latin1'), data: part.subarray(split + 4) });
    pos = next;
  }
  return parts;
}

export function parseBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  if (raw.length === 0) return { json: undefined, files: [] };
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return { json: parseJson(raw.toString('utf8')), files: [] };
  if (type === 'multipart/form-data') {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
    if (boundary === undefined) contentTypeError();
    let json: unknown;
    const files: UploadedFile[] = [];
    for (const part of multipart(raw, boundary)) {
      const name = /name="([^"]*)"/i.exec(part.headers)?.[1];
      if (name === 'payload_json') {
        json = parseJson(part.data.toString('utf8'));
        continue;
      }
      const file = /^files\[(\d{1,2})\]$/.exec(name ?? '');
      if (!file) continue;
      files.push({
        index: Number(file[1]),
        filename: /filename="([^"]*)"/i.exec(part.headers)?.[1] ?? 'file',
        contentType:
          /content-type:\s*([^\r\n]+)/i.exec(part.headers)?.[1]?.trim() ?? 'application/octet-stream',
        size: part.data.length,
      });
    }
    return { json, files };
  }
  return contentTypeError();
}
