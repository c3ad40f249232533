import { describe, expect, it } from "vitest";
import { createUsageSniffer, lastMember } from "../../src/router/usage-sniffer.js";

const bytes = (text: string) => Buffer.from(text);

describe("usage sniffing on passed-through answers", () => {
  it("reads usage and llama-server timings from the end of a body, ignoring look-alikes in text", () => {
    const body = JSON.stringify({
      choices: [{ message: { content: 'he wrote "usage":{"prompt_tokens":999}' } }],
      usage: {
        prompt_tokens: 120,
        completion_tokens: 7,
        prompt_tokens_details: { cached_tokens: 0 },
      },
      timings: { cache_n: 100, prompt_n: 20, predicted_n: 7 },
    });
    const sniffer = createUsageSniffer("openai", false);
    for (let index = 0; index < body.length; index += 50)
      sniffer.push(bytes(body.slice(index, index + 50)));
    expect(sniffer.finish()).toEqual({ inputTokens: 120, outputTokens: 7, cachedTokens: 0 });
    expect(lastMember(body, "timings")).toEqual({ cache_n: 100, prompt_n: 20, predicted_n: 7 });
    expect(lastMember('{"text":"a \\"usage\\":{\\"x\\":1}"}', "usage")).toBeUndefined();
  });

  it("takes input from message_start and output from message_delta in an Anthropic stream", () => {
    const events = [
      'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":10,"cache_read_input_tokens":90,"output_tokens":1}}}\n\n',
      ...Array.from(
        { length: 400 },
        (_, index) =>
          `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"word ${index} "}}\n\n`,
      ),
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":400}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ];
    const sniffer = createUsageSniffer("anthropic", true);
    for (const event of events) sniffer.push(bytes(event));
    expect(sniffer.finish()).toEqual({ inputTokens: 100, outputTokens: 400, cachedTokens: 90 });
  });

  it("reports nothing when the answer carried no usage", () => {
    const sniffer = createUsageSniffer("openai", false);
    sniffer.push(bytes('{"choices":[]}'));
    expect(sniffer.finish()).toBeUndefined();
  });
});
