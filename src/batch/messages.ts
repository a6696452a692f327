// Sending queue messages within Cloudflare Queues' limits: at most 100 messages and
// 256 KB per sendBatch call and 128 KB per message, measured in UTF-8 bytes.
import {
  QUEUE_MESSAGE_MAX_BYTES,
  QUEUE_MESSAGE_OVERHEAD_BYTES,
  QUEUE_SEND_BATCH_MAX_BYTES,
  QUEUE_SEND_BATCH_MAX_MESSAGES,
} from "../config/limits";

const encoder = new TextEncoder();

/** Returns the UTF-8 size of a message body as the queue serialises it (JSON). */
export function messageBytes(body: unknown): number {
  return encoder.encode(JSON.stringify(body)).byteLength;
}

export class MessageTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`A queue message of ${bytes} bytes is over the ${QUEUE_MESSAGE_MAX_BYTES}-byte limit.`);
    this.name = "MessageTooLargeError";
  }
}

/**
 * Splits message bodies into sendBatch groups under the count and byte limits. Every
 * body is measured before anything is grouped, so an oversized one throws before any
 * group exists and nothing has been sent.
 */
export function planSendBatches<T>(bodies: readonly T[]): T[][] {
  const sizes = bodies.map((body) => {
    const bytes = messageBytes(body);
    if (bytes > QUEUE_MESSAGE_MAX_BYTES) throw new MessageTooLargeError(bytes);
    return bytes + QUEUE_MESSAGE_OVERHEAD_BYTES;
  });

  const groups: T[][] = [];
  let group: T[] = [];
  let groupBytes = 0;
  bodies.forEach((body, i) => {
    const full = group.length === QUEUE_SEND_BATCH_MAX_MESSAGES || groupBytes + sizes[i] > QUEUE_SEND_BATCH_MAX_BYTES;
    if (full && group.length > 0) {
      groups.push(group);
      group = [];
      groupBytes = 0;
    }
    group.push(body);
    groupBytes += sizes[i];
  });
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Sends message bodies with as few sendBatch calls as the limits allow. */
export async function sendMessages<T>(queue: Queue<T>, bodies: readonly T[]): Promise<void> {
  for (const group of planSendBatches(bodies)) {
    await queue.sendBatch(group.map((body) => ({ body })));
  }
}
