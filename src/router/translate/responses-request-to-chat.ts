/**
 * A Responses API request -> a chat completions request, which the router then routes like any
 * other (and translates on to Anthropic Messages for an Anthropic backend). The router keeps no
 * state, so whatever needs stored responses (previous_response_id, conversation, background,
 * stored prompts) is refused with a message saying what to send instead; `store` is accepted and
 * ignored. Tools: functions pass as functions; `custom` tools (free-form text input, such as
 * Codex's apply_patch) become functions taking `{ input }`; the tools of a `namespace` tool
 * (Codex's sub-agent tools) become functions named `<namespace>__<name>`; OpenAI-hosted tools
 * (web search, file search, ...) are left out and listed in `ignoredTools`, and forcing one is
 * refused.
 */
import type {
  OpenAiChatRequest,
  OpenAiReasoningEffort,
  OpenAiResponseFormat,
  OpenAiTool,
  OpenAiToolChoice,
} from "../wire/openai-types.js";
import { arrayOf, asJsonObject, isRecord, numberOf, stringOf } from "./json-values.js";
import { responsesInputToChat } from "./responses-input-to-chat.js";
import { chatToolName, type ResponsesToolName } from "./responses-objects.js";

export type ResponsesRequestTranslation =
  | {
      ok: true;
      chat: Record<string, unknown>;
      /** Chat names of custom and namespaced tools: calls go back under the caller's names. */
      toolNames: ReadonlyMap<string, ResponsesToolName>;
      /** Types of the hosted tools that were left out (web_search, ...), for a note in the log. */
      ignoredTools: readonly string[];
    }
  | { ok: false; message: string };

const noStorage = "this router keeps no responses";

/** Translates one request body; never throws. A refusal is meant for a 400 answer. */
export function responsesRequestToChat(body: Record<string, unknown>): ResponsesRequestTranslation {
  const refusal = storageRefusal(body);
  if (refusal !== undefined) return { ok: false, message: refusal };
  const conversation = responsesInputToChat(body.input, body.instructions);
  if (!conversation.ok) return conversation;

  const out: OpenAiChatRequest = {
    model: stringOf(body.model) ?? "",
    messages: conversation.messages,
  };
  if (body.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  const maxTokens = numberOf(body.max_output_tokens);
  if (maxTokens !== undefined) out.max_tokens = maxTokens;
  const temperature = numberOf(body.temperature);
  if (temperature !== undefined) out.temperature = temperature;
  const topP = numberOf(body.top_p);
  if (topP !== undefined) out.top_p = topP;
  const user = stringOf(body.user);
  if (user !== undefined) out.user = user;
  const effort = reasoningEffort(body.reasoning);
  if (effort !== undefined) out.reasoning_effort = effort;
  const format = responseFormat(body.text);
  if (format !== undefined) out.response_format = format;

  const tools = chatTools(body.tools);
  const choice = toolChoice(body.tool_choice, tools);
  if (!choice.ok) return choice;
  if (choice.tools.length > 0) {
    out.tools = choice.tools;
    if (choice.choice !== undefined) out.tool_choice = choice.choice;
    if (typeof body.parallel_tool_calls === "boolean") {
      out.parallel_tool_calls = body.parallel_tool_calls;
    }
  }
  return {
    ok: true,
    chat: asJsonObject(out),
    toolNames: tools.names,
    ignoredTools: tools.ignored,
  };
}

function storageRefusal(body: Record<string, unknown>): string | undefined {
  if (body.previous_response_id != null) {
    return (
      `${noStorage}, so previous_response_id cannot be followed: ` +
      "send the whole conversation in `input` (with store: false, as Codex does)"
    );
  }
  if (body.conversation != null) {
    return (
      `${noStorage}, so \`conversation\` cannot be continued: ` +
      "send the whole conversation in `input`"
    );
  }
  if (body.background === true) {
    return `${noStorage}, so background responses are not supported: leave out \`background\``;
  }
  if (body.prompt != null) {
    return (
      "stored prompt templates (`prompt`) are not supported here: " +
      "send the instructions and input themselves"
    );
  }
  return undefined;
}

const reasoningEfforts = new Set(["none", "minimal", "low", "medium", "high", "xhigh"]);

function reasoningEffort(reasoning: unknown): OpenAiReasoningEffort | undefined {
  const effort = isRecord(reasoning) ? stringOf(reasoning.effort) : undefined;
  return effort !== undefined && reasoningEfforts.has(effort)
    ? (effort as OpenAiReasoningEffort)
    : undefined;
}

function responseFormat(text: unknown): OpenAiResponseFormat | undefined {
  const format = isRecord(text) && isRecord(text.format) ? text.format : undefined;
  if (format?.type === "json_object") return { type: "json_object" };
  if (format?.type !== "json_schema") return undefined;
  const description = stringOf(format.description);
  return {
    type: "json_schema",
    json_schema: {
      name: stringOf(format.name) ?? "output",
      ...(description !== undefined ? { description } : {}),
      ...(isRecord(format.schema) ? { schema: format.schema } : {}),
      ...(typeof format.strict === "boolean" ? { strict: format.strict } : {}),
    },
  };
}

interface ChatTools {
  functions: OpenAiTool[];
  names: Map<string, ResponsesToolName>;
  ignored: string[];
}

function chatTools(tools: unknown): ChatTools {
  const out: ChatTools = { functions: [], names: new Map(), ignored: [] };
  for (const tool of arrayOf(tools)) addTool(out, tool, undefined);
  return out;
}

function addTool(out: ChatTools, tool: unknown, namespace: string | undefined): void {
  if (!isRecord(tool)) return;
  const name = stringOf(tool.name) ?? "";
  const chatName = chatToolName(name, namespace);
  const description = stringOf(tool.description);
  if (tool.type === "function") {
    if (namespace !== undefined) out.names.set(chatName, { name, namespace, custom: false });
    out.functions.push({
      type: "function",
      function: {
        name: chatName,
        ...(description !== undefined ? { description } : {}),
        // A function without parameters takes none; chat templates want an object schema.
        parameters: isRecord(tool.parameters)
          ? tool.parameters
          : { type: "object", properties: {} },
        ...(typeof tool.strict === "boolean" ? { strict: tool.strict } : {}),
      },
    });
  } else if (tool.type === "custom") {
    out.names.set(chatName, {
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      custom: true,
    });
    out.functions.push(customToolAsFunction(chatName, description, tool.format));
  } else if (tool.type === "namespace" && namespace === undefined) {
    for (const inner of arrayOf(tool.tools)) addTool(out, inner, name);
  } else {
    out.ignored.push(stringOf(tool.type) ?? "unknown");
  }
}

/** A free-form tool as a function with one string argument; a grammar goes in the description. */
function customToolAsFunction(
  name: string,
  description: string | undefined,
  format: unknown,
): OpenAiTool {
  let grammar = "";
  if (isRecord(format) && format.type === "grammar") {
    const syntax = stringOf(format.syntax) ?? "lark";
    const definition = stringOf(format.definition) ?? "";
    grammar = `\n\nThe input must follow this ${syntax} grammar:\n${definition}`;
  }
  return {
    type: "function",
    function: {
      name,
      description: `${description ?? ""}${grammar}`.trim(),
      parameters: {
        type: "object",
        properties: { input: { type: "string", description: "The tool's whole input, as text." } },
        required: ["input"],
      },
    },
  };
}

type ToolChoiceResult =
  { ok: true; tools: OpenAiTool[]; choice?: OpenAiToolChoice } | { ok: false; message: string };

function toolChoice(choice: unknown, { functions: tools, names }: ChatTools): ToolChoiceResult {
  if (choice === undefined || choice === null) return { ok: true, tools };
  if (choice === "auto" || choice === "none" || choice === "required") {
    return { ok: true, tools, choice };
  }
  if (!isRecord(choice)) return { ok: true, tools };
  if (choice.type === "function" || choice.type === "custom") {
    const name = stringOf(choice.name) ?? "";
    const chatName = chatToolName(name, stringOf(choice.namespace));
    return { ok: true, tools, choice: { type: "function", function: { name: chatName } } };
  }
  if (choice.type === "allowed_tools") {
    const allowed = new Set(
      arrayOf(choice.tools).flatMap((tool) =>
        isRecord(tool) && typeof tool.name === "string" ? [tool.name] : [],
      ),
    );
    return {
      ok: true,
      tools: tools.filter((tool) => {
        const chatName = tool.function.name;
        return allowed.has(chatName) || allowed.has(names.get(chatName)?.name ?? chatName);
      }),
      choice: choice.mode === "required" ? "required" : "auto",
    };
  }
  return {
    ok: false,
    message:
      `tool_choice forces the hosted tool "${String(choice.type)}", which no backend of this ` +
      "router can run: offer function tools instead",
  };
}
