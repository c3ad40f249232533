/**
 * A non-streamed chat completion -> a Responses API response object. Output items come in the
 * order a model produces them: reasoning, the message, then one item per tool call.
 */
import type {
  ResponsesItemStatus,
  ResponsesOutputItem,
  ResponsesResponse,
} from "../wire/responses-types.js";
import { arrayOf, asJsonObject, isRecord, numberOf, stringOf } from "./json-values.js";
import {
  addChatUsage,
  newItemId,
  newToolCallItem,
  responseIdOf,
  responseSkeleton,
  statusOfFinish,
  toResponsesUsage,
  type ChatUsageTotals,
  type ResponsesReplyContext,
} from "./responses-objects.js";

/** Translates one chat completion body (first choice only). */
export function chatResponseToResponses(
  body: Record<string, unknown>,
  context: ResponsesReplyContext,
): Record<string, unknown> {
  const choice = arrayOf(body.choices).find(isRecord);
  const message = isRecord(choice?.message) ? choice.message : {};
  const ending = statusOfFinish(choice?.finish_reason);
  const itemStatus: ResponsesItemStatus =
    ending.status === "completed" ? "completed" : "incomplete";
  const output: ResponsesOutputItem[] = [];

  const reasoning = stringOf(message.reasoning_content);
  if (reasoning) {
    output.push({
      type: "reasoning",
      id: newItemId("rs_"),
      summary: [],
      content: [{ type: "reasoning_text", text: reasoning }],
      status: itemStatus,
    });
  }
  const text = messageText(message.content) || (stringOf(message.refusal) ?? "");
  if (text !== "") {
    output.push({
      type: "message",
      id: newItemId("msg_"),
      status: itemStatus,
      role: "assistant",
      content: [{ type: "output_text", text, annotations: [], logprobs: [] }],
    });
  }
  for (const call of arrayOf(message.tool_calls)) {
    if (!isRecord(call) || !isRecord(call.function)) continue;
    output.push(
      toolCallItem(
        stringOf(call.id) ?? "",
        stringOf(call.function.name) ?? "",
        stringOf(call.function.arguments) ?? "",
        context,
      ),
    );
  }

  const usage: ChatUsageTotals = {};
  addChatUsage(usage, body);
  const created = numberOf(body.created) ?? Math.floor(Date.now() / 1000);
  const response: ResponsesResponse = {
    ...responseSkeleton(context, responseIdOf(body.id), created),
    ...ending,
    output,
    usage: toResponsesUsage(usage),
  };
  return asJsonObject(response);
}

/** A finished tool call as a function_call item, or custom_tool_call for a custom tool. */
function toolCallItem(
  callId: string,
  chatName: string,
  args: string,
  context: ResponsesReplyContext,
): ResponsesOutputItem {
  const item = newToolCallItem(callId, chatName, context, "completed");
  if (item.type === "custom_tool_call") item.input = customToolInput(args);
  else item.arguments = args;
  return item;
}

/** The text a custom tool gets: `input` of the `{ input }` arguments, or the arguments as sent. */
export function customToolInput(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (isRecord(parsed) && typeof parsed.input === "string") return parsed.input;
  } catch {
    // A model that ignored the schema and wrote the input itself: pass that on.
  }
  return args;
}

function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  return arrayOf(content)
    .map((part) => (isRecord(part) && part.type === "text" ? (stringOf(part.text) ?? "") : ""))
    .join("");
}
