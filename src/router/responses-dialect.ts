/**
 * The Responses API as a caller dialect over chat completions: answers become response objects
 * and Responses events, errors keep chat's `{ error }` shape with string codes, and a stream that
 * breaks ends with response.failed under the same response id.
 */
import type { CallerDialect } from "./caller-dialect.js";
import { serializeSseEvent } from "./sse.js";
import { chatResponseToResponses } from "./translate/chat-to-responses-response.js";
import {
  createChatToResponsesStream,
  type ResponsesStreamTranslator,
} from "./translate/chat-to-responses-stream.js";
import { asJsonObject } from "./translate/json-values.js";
import { responsesErrorBody, type ResponsesReplyContext } from "./translate/responses-objects.js";

export function createResponsesDialect(context: ResponsesReplyContext): CallerDialect {
  let latest: ResponsesStreamTranslator | undefined;
  return {
    createStreamTranslator() {
      latest = createChatToResponsesStream(context);
      return latest;
    },
    translateBody: (body) => chatResponseToResponses(body, context),
    translateErrorBody: (body, status) => asJsonObject(responsesErrorBody(body, status)),
    brokenStreamEnd(message) {
      latest ??= createChatToResponsesStream(context);
      return latest.fail(message).map(serializeSseEvent).join("");
    },
  };
}
