// Helpers that assemble the chat messages of an operation.
import type { ChatMessage } from "../llm/types";
import type { PreparedItem } from "./items";
import { type NamedTemplate, renderTemplate, templateFields } from "./template";
import type { CommonParams } from "./types";

export const DEFAULT_USER_TEMPLATE = "{text}";

/** The user template in force: the request's override, or the item's text. */
export function userTemplate(params: CommonParams): string {
  return params.user_prompt_template ?? DEFAULT_USER_TEMPLATE;
}

/** Templates a request uses: the user template and a system prompt override. */
export function requestTemplates(params: CommonParams): NamedTemplate[] {
  const templates = [{ param: "user_prompt_template", template: userTemplate(params) }];
  if (params.system_prompt) templates.push({ param: "system_prompt", template: params.system_prompt });
  return templates;
}

/** Parts of an operation's prompt that buildMessages puts together. */
export interface PromptParts {
  /** The operation's own system prompt, replaced by a `system_prompt` override. */
  system: string;
  /** What the model must know whatever the system prompt is (categories, fields); kept with an override. */
  reference?: string;
  /** Text appended to the rendered user message, such as the item's context. */
  userSuffix?: string;
}

/**
 * Builds the system and user messages. The system message is the override or the
 * operation's own prompt, then the reference block, then any extra instructions.
 */
export function buildMessages(params: CommonParams, parts: PromptParts, item: PreparedItem): ChatMessage[] {
  const fields = templateFields(item);
  const system = params.system_prompt ? renderTemplate(params.system_prompt, fields) : parts.system;
  const reference = parts.reference ? `\n\n${parts.reference}` : "";
  const instructions = params.instructions ? `\n\nAdditional instructions:\n${params.instructions}` : "";
  return [
    { role: "system", content: system + reference + instructions },
    { role: "user", content: renderTemplate(userTemplate(params), fields) + (parts.userSuffix ?? "") },
  ];
}
