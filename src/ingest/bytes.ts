// Byte-stream helpers: iterating a ReadableStream, joining and searching byte arrays.

/** Iterates a stream's chunks and cancels the stream when the consumer stops early. */
export async function* iterateStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let finished = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      if (value.byteLength > 0) yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

export function concatBytes(first: Uint8Array, second: Uint8Array): Uint8Array {
  if (first.byteLength === 0) return second;
  if (second.byteLength === 0) return first;
  const joined = new Uint8Array(first.byteLength + second.byteLength);
  joined.set(first, 0);
  joined.set(second, first.byteLength);
  return joined;
}

/** Returns the index of the first complete occurrence of `needle` in `haystack` at or after `from`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const last = haystack.byteLength - needle.byteLength;
  let at = haystack.indexOf(needle[0], from);
  while (at !== -1 && at <= last) {
    let matched = 1;
    while (matched < needle.byteLength && haystack[at + matched] === needle[matched]) matched += 1;
    if (matched === needle.byteLength) return at;
    at = haystack.indexOf(needle[0], at + 1);
  }
  return -1;
}
