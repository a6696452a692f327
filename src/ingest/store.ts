// Writing an upload's bytes to R2 as they arrive, within MAX_UPLOAD_BYTES.
import { MAX_UPLOAD_BYTES, R2_UPLOAD_PART_BYTES } from "../config/limits";
import { ApiError, payloadTooLarge } from "../errors";
import { formatCount } from "./report";

export const UPLOAD_LIMIT_TEXT = `${formatCount(MAX_UPLOAD_BYTES / 1_000_000)} MB (${formatCount(MAX_UPLOAD_BYTES)} bytes)`;

/** Builds the 413 for a body whose Content-Length is over the limit, raised before reading the body. */
export function declaredTooLarge(declared: number): ApiError {
  return payloadTooLarge(
    `The upload is ${formatCount(declared)} bytes; the limit is ${UPLOAD_LIMIT_TEXT}. Split the file into smaller files.`,
    { limit_bytes: MAX_UPLOAD_BYTES, bytes: declared },
  );
}

function streamedTooLarge(received: number): ApiError {
  return payloadTooLarge(
    `The file is larger than the limit of ${UPLOAD_LIMIT_TEXT}; the upload was stopped after ${formatCount(received)} bytes and nothing was stored. Split the file into smaller files.`,
    { limit_bytes: MAX_UPLOAD_BYTES },
  );
}

/**
 * Stores a body whose length is known (a Content-Length within the limit). R2 streams it
 * without buffering. Returns the stored size.
 */
export async function storeKnownLength(bucket: R2Bucket, key: string, body: ReadableStream<Uint8Array>, length: number): Promise<number> {
  const stream = body.pipeThrough(new FixedLengthStream(length));
  const object = await bucket.put(key, stream);
  // put returns null only when an onlyIf condition fails, and none is passed here.
  return object?.size ?? length;
}

/**
 * Stores a body of unknown length (chunked, or a file part of a multipart body). A body
 * that fits one R2_UPLOAD_PART_BYTES buffer becomes a plain put; a larger one becomes an
 * R2 multipart upload of equal-sized parts. Past MAX_UPLOAD_BYTES it aborts the upload,
 * so no object remains, and raises a 413. Returns the stored size.
 */
export async function storeStream(bucket: R2Bucket, key: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  let upload: R2MultipartUpload | null = null;
  const parts: R2UploadedPart[] = [];
  let buffer = new Uint8Array(R2_UPLOAD_PART_BYTES);
  let filled = 0;
  let total = 0;

  const flushPart = async (bytes: Uint8Array) => {
    upload ??= await bucket.createMultipartUpload(key);
    parts.push(await upload.uploadPart(parts.length + 1, bytes));
  };

  try {
    for await (const chunk of chunks) {
      total += chunk.byteLength;
      if (total > MAX_UPLOAD_BYTES) throw streamedTooLarge(total);

      let offset = 0;
      while (offset < chunk.byteLength) {
        const count = Math.min(chunk.byteLength - offset, buffer.byteLength - filled);
        buffer.set(chunk.subarray(offset, offset + count), filled);
        filled += count;
        offset += count;
        if (filled === buffer.byteLength) {
          await flushPart(buffer);
          buffer = new Uint8Array(R2_UPLOAD_PART_BYTES);
          filled = 0;
        }
      }
    }

    if (upload === null) {
      await bucket.put(key, buffer.subarray(0, filled));
      return total;
    }
    if (filled > 0) await flushPart(buffer.subarray(0, filled));
    await (upload as R2MultipartUpload).complete(parts);
    return total;
  } catch (error) {
    if (upload !== null) await (upload as R2MultipartUpload).abort().catch(() => undefined);
    throw error;
  }
}
