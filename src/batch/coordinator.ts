// One Durable Object per batch: the authority on its state, counters and cancellation.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export class BatchCoordinator extends DurableObject<Env> {}
