// Cleans prompt text that providers reject: lone UTF-16 surrogates (which cannot be
// encoded as UTF-8) become U+FFFD, and NUL characters are removed.
import type { ChatMessage } from "../llm/types";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const NUL = /\u0000/g;

export interface SanitizedMessages {
  messages: ChatMessage[];
  /** One line per kind of change, for the item's warnings; empty when nothing changed. */
  warnings: string[];
}

export function sanitizeMessages(messages: ChatMessage[]): SanitizedMessages {
  let surrogates = 0;
  let nuls = 0;
  const cleaned = messages.map((message) => {
    const content = message.content
      .replace(LONE_SURROGATE, () => {
        surrogates++;
        return "\uFFFD";
      })
      .replace(NUL, () => {
        nuls++;
        return "";
      });
    return content === message.content ? message : { ...message, content };
  });

  const warnings: string[] = [];
  if (surrogates > 0) warnings.push(`replaced ${surrogates} lone UTF-16 surrogate(s) in the prompt with U+FFFD`);
  if (nuls > 0) warnings.push(`removed ${nuls} NUL character(s) from the prompt`);
  return { messages: cleaned, warnings };
}
