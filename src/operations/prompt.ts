// Helpers that assemble the chat messages of an operation.
import type { ChatMessage } from "../llm/types";
import type { PreparedItem } from "./items";
import { renderTemplate, templateFields } from "./template";
import type { CommonParams } from "./types";

export const DEFAULT_USER_TEMPLATE = "{text}";

/** The user template in force: the request's override, or the item's text. */
export function userTemplate(params: CommonParams): string {
  return params.user_prompt_template ?? DEFAULT_USER_TEMPLATE;
}

/** Templates a request uses: the user template and a system prompt override. */
export function requestTemplates(params: CommonParams): string[] {
  return params.system_prompt ? [userTemplate(params), params.system_prompt] : [userTemplate(params)];
}

/** Builds the system and user messages; extra instructions follow the built-in prompt. */
export function buildMessages(params: CommonParams, builtInSystem: string, item: PreparedItem, userSuffix = ""): ChatMessage[] {
  const fields = templateFields(item);
  const system = params.system_prompt ? renderTemplate(params.system_prompt, fields) : builtInSystem;
  const instructions = params.instructions ? `\n\nAdditional instructions:\n${params.instructions}` : "";
  return [
    { role: "system", content: system + instructions },
    { role: "user", content: renderTemplate(userTemplate(params), fields) + userSuffix },
  ];
}
