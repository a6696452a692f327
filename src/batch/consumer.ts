// The queue consumer of the batch pipeline: parses each message, dispatches it, and
// acks or retries it explicitly, so one failing message never retries the others.
import type { Env } from "../env";
import { createLogger, errorFields } from "../log/logger";
import { prepareBatch } from "./prepare";
import { processChunk } from "./process";
import { type BatchMessage, BatchMessageSchema } from "./types";

/** Seconds before a failed message is delivered again, growing with its attempts. */
function retryDelaySeconds(attempts: number): number {
  return Math.min(60, 2 ** Math.max(0, attempts - 1));
}

function handle(message: BatchMessage, env: Env, log: ReturnType<typeof createLogger>): Promise<void> {
  switch (message.type) {
    case "prepare":
      return prepareBatch(env, message.batch_id, log);
    case "chunk":
      return processChunk(env, message.batch_id, message.chunk, log);
  }
}

export async function handleBatchQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const log = createLogger(env.LOG_LEVEL, { queue: batch.queue });
  // Messages run one after another: each chunk already runs LLM_CONCURRENCY calls at once.
  for (const message of batch.messages) {
    const parsed = BatchMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      log.error("dropping a queue message that is not a batch message", { message_id: message.id, problem: parsed.error.message });
      message.ack();
      continue;
    }

    const body = parsed.data;
    const messageLog = log.child({ batch_id: body.batch_id, message_type: body.type, attempt: message.attempts });
    try {
      await handle(body, env, messageLog);
      message.ack();
    } catch (error) {
      messageLog.error("batch message failed; it will be retried", errorFields(error));
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
