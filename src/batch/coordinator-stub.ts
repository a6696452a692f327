// Finds the coordinator Durable Object of a batch, which is named by the batch id.
import type { Env } from "../env";
import type { BatchCoordinator } from "./coordinator";

export function coordinatorFor(env: Env, batchId: string): DurableObjectStub<BatchCoordinator> {
  return env.BATCH_COORDINATOR.get(env.BATCH_COORDINATOR.idFromName(batchId));
}
