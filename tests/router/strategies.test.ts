import { describe, expect, it } from "vitest";
import { affinityKeyHash } from "../../src/router/affinity-key.js";
import { createBalancingStrategy, type PlacementRequest } from "../../src/router/balancer.js";
import type { RoutedBackend } from "../../src/router/routed-backend.js";
import { stubRouted } from "./routed-fixture.js";

const noAffinity: PlacementRequest = { affinityHash: () => 0 };

function tally(picks: RoutedBackend[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const pick of picks) counts[pick.name] = (counts[pick.name] ?? 0) + 1;
  return counts;
}

describe("round-robin", () => {
  it("gives each backend its weight's share, interleaved", () => {
    const strategy = createBalancingStrategy("round-robin");
    const backends = [stubRouted("a", { weight: 3 }), stubRouted("b"), stubRouted("c")];
    const picks = Array.from({ length: 10 }, () => strategy.choose(backends, noAffinity));
    expect(tally(picks)).toEqual({ a: 6, b: 2, c: 2 });
    expect(picks.slice(0, 5).map((pick) => pick.name)).toEqual(["a", "b", "a", "c", "a"]);
  });
});

describe("least-busy", () => {
  it("picks the smallest share of slots in use", () => {
    const strategy = createBalancingStrategy("least-busy");
    const big = stubRouted("big", { slots: 8 });
    const small = stubRouted("small", { slots: 2 });
    big.inFlight = 3;
    small.inFlight = 1;
    expect(strategy.choose([small, big], noAffinity).name).toBe("big");
    big.inFlight = 5;
    expect(strategy.choose([small, big], noAffinity).name).toBe("small");
  });

  it("rotates among equally idle backends", () => {
    const strategy = createBalancingStrategy("least-busy");
    const backends = [stubRouted("a"), stubRouted("b")];
    const picks = Array.from({ length: 4 }, () => strategy.choose(backends, noAffinity).name);
    expect(new Set(picks)).toEqual(new Set(["a", "b"]));
  });
});

describe("latency", () => {
  it("prefers the lowest moving average of time to first token, trying unmeasured ones first", () => {
    const strategy = createBalancingStrategy("latency");
    const fast = stubRouted("fast");
    const slow = stubRouted("slow");
    const fresh = stubRouted("fresh");
    fast.stats.recordTtft(40);
    slow.stats.recordTtft(400);
    expect(strategy.choose([slow, fast, fresh], noAffinity).name).toBe("fresh");
    fresh.stats.recordTtft(100);
    expect(strategy.choose([slow, fast, fresh], noAffinity).name).toBe("fast");
    for (let index = 0; index < 10; index++) fast.stats.recordTtft(900);
    expect(strategy.choose([slow, fast, fresh], noAffinity).name).toBe("fresh");
  });
});

describe("prefix-affinity", () => {
  const backends = ["gpu-1", "gpu-2", "gpu-3", "gpu-4"].map((name) => stubRouted(name));
  const strategy = createBalancingStrategy("prefix-affinity");
  const placeKey = (key: number) => ({ affinityHash: () => key });

  it("sends a key to the same backend every time, and spreads different keys", () => {
    const picks = Array.from({ length: 400 }, (_, key) => strategy.choose(backends, placeKey(key)));
    for (let key = 0; key < 400; key++) {
      expect(strategy.choose(backends, placeKey(key))).toBe(picks[key]);
    }
    const counts = Object.values(tally(picks));
    expect(counts).toHaveLength(4);
    expect(Math.min(...counts)).toBeGreaterThan(60);
  });

  it("moves only the keys of a backend that left (rendezvous)", () => {
    const before = Array.from({ length: 200 }, (_, key) =>
      strategy.choose(backends, placeKey(key)),
    );
    const remaining = backends.filter((routed) => routed.name !== "gpu-2");
    for (let key = 0; key < 200; key++) {
      const after = strategy.choose(remaining, placeKey(key));
      if (before[key]?.name !== "gpu-2") expect(after).toBe(before[key]);
    }
  });

  it("honours weights", () => {
    const weighted = [stubRouted("heavy", { weight: 3 }), stubRouted("light")];
    const picks = Array.from({ length: 2000 }, (_, key) =>
      strategy.choose(weighted, placeKey(key * 7919)),
    );
    const heavyShare = (tally(picks).heavy ?? 0) / 2000;
    expect(heavyShare).toBeGreaterThan(0.68);
    expect(heavyShare).toBeLessThan(0.82);
  });
});

describe("affinity keys", () => {
  const system = "You are a coding agent. ".repeat(50);
  const turn1 = [
    { role: "system", content: system },
    { role: "user", content: "Fix the bug in parser.ts" },
  ];
  const turn2 = [
    ...turn1,
    { role: "assistant", content: "Done." },
    { role: "user", content: "Now add tests" },
  ];

  it("is stable across turns of one conversation (append-only prompts)", () => {
    expect(affinityKeyHash("openai", {}, { messages: turn1 })).toBe(
      affinityKeyHash("openai", {}, { messages: turn2 }),
    );
  });

  it("differs between conversations that share a system prompt", () => {
    const other = [
      { role: "system", content: system },
      { role: "user", content: "Write docs" },
    ];
    expect(affinityKeyHash("openai", {}, { messages: turn1 })).not.toBe(
      affinityKeyHash("openai", {}, { messages: other }),
    );
  });

  it("prefers an explicit session: headers, Anthropic metadata.user_id, OpenAI user", () => {
    const body = { messages: turn1 };
    const sessionA = affinityKeyHash("openai", { "x-session-id": "A" }, body);
    expect(affinityKeyHash("openai", { "x-session-id": "A" }, { messages: turn2 })).toBe(sessionA);
    expect(affinityKeyHash("anthropic", { "x-claude-code-session-id": "A" }, {})).toBe(sessionA);
    expect(affinityKeyHash("anthropic", {}, { metadata: { user_id: "u1" }, messages: [] })).toBe(
      affinityKeyHash("openai", {}, { user: "u1", messages: turn1 }),
    );
  });

  it("reads the Anthropic system prompt and content blocks", () => {
    const first = { role: "user", content: [{ type: "text", text: "Fix the bug" }] };
    const key = affinityKeyHash(
      "anthropic",
      {},
      { system: [{ type: "text", text: system }], messages: [first] },
    );
    const later = affinityKeyHash(
      "anthropic",
      {},
      {
        system: [{ type: "text", text: system }],
        messages: [first, { role: "assistant", content: "ok" }, { role: "user", content: "more" }],
      },
    );
    expect(later).toBe(key);
  });
});
