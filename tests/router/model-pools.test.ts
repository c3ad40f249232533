import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { createModelPools } from "../../src/router/model-pools.js";
import { stubRouted } from "./routed-fixture.js";

const names = (pools: ReturnType<ReturnType<typeof createModelPools>["resolve"]>) =>
  pools?.map((pool) => pool.map((routed) => routed.name));

describe("model pools", () => {
  const gpu1 = stubRouted("gpu-1", { models: ["qwen"] });
  const gpu2 = stubRouted("gpu-2", { models: ["qwen", "llama"] });
  const cloud = stubRouted("claude", { models: ["*"] });

  it("resolves a model id to the backends listing it, then to the wildcard ones", () => {
    const pools = createModelPools([gpu1, gpu2, cloud], {});
    expect(names(pools.resolve("qwen"))).toEqual([["gpu-1", "gpu-2"], ["claude"]]);
    expect(names(pools.resolve("llama"))).toEqual([["gpu-2"], ["claude"]]);
    expect(names(pools.resolve("anything"))).toEqual([["claude"]]);
    expect(pools.isKnown("anything")).toBe(false);
  });

  it("resolves aliases to ordered pools; commas group backends into one pool", () => {
    const pools = createModelPools([gpu1, gpu2, cloud], {
      smart: ["gpu-1,gpu-2", "claude"],
      fast: ["gpu-2"],
    });
    expect(names(pools.resolve("smart"))).toEqual([["gpu-1", "gpu-2"], ["claude"]]);
    expect(names(pools.resolve("fast"))).toEqual([["gpu-2"]]);
    expect(pools.knownModels).toEqual(["fast", "llama", "qwen", "smart"]);
  });

  it("knows no model without a wildcard backend", () => {
    const pools = createModelPools([gpu1], {});
    expect(pools.resolve("llama")).toBeUndefined();
  });

  it("refuses an alias that names an unknown backend", () => {
    expect(() => createModelPools([gpu1], { smart: ["gpu-9"] })).toThrow(ConfigError);
  });
});
