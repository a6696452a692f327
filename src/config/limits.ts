// Limits and defaults of the public API, in one place. The README lists them.

/** Items accepted by one call to a sync /api/completions endpoint. */
export const MAX_SYNC_ITEMS = 50;

/** Characters of text accepted for one item. */
export const MAX_ITEM_TEXT_CHARS = 200_000;

/** Characters of one item id. */
export const MAX_ITEM_ID_CHARS = 256;

/** Model calls per item: the first answer and at most one repair call after a validation failure. */
export const MAX_MODEL_CALLS_PER_ITEM = 2;

/** Categories accepted by one label request. */
export const MAX_CATEGORIES = 500;

/** Fields accepted by one extract or enrich request. */
export const MAX_FIELDS = 100;

/** Bytes of a JSON request body (uploads go to /api/files instead). */
export const MAX_JSON_BODY_BYTES = 10 * 1024 * 1024;

/** Characters of a system prompt, instructions or template. */
export const MAX_PROMPT_CHARS = 50_000;

/** Retry pacing for model calls, in milliseconds. */
export const RETRY_BASE_DELAY_MS = 500;
export const RETRY_MAX_DELAY_MS = 30_000;
/** Longest retry-after the client waits for inside one call, in milliseconds. */
export const RETRY_AFTER_CAP_MS = 60_000;

/** Defaults for settings that wrangler.toml vars can override. */
export const DEFAULT_LLM_MODEL = "gpt-4o-mini";
export const DEFAULT_LLM_TIMEOUT_MS = 60_000;
export const DEFAULT_LLM_CONCURRENCY = 8;
export const DEFAULT_LLM_MAX_ATTEMPTS = 5;
