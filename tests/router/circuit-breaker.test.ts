import { describe, expect, it } from "vitest";
import {
  createCircuitBreaker,
  type BreakerSettings,
  type BreakerTransition,
} from "../../src/router/circuit-breaker.js";
import { createFakeClock } from "./fake-clock.js";

const settings: BreakerSettings = {
  consecutiveFailures: 3,
  failureRate: 0.5,
  minimumRequests: 6,
  windowMs: 60_000,
  cooldownMs: 5_000,
};

function setup(overrides: Partial<BreakerSettings> = {}) {
  const clock = createFakeClock();
  const transitions: BreakerTransition[] = [];
  const breaker = createCircuitBreaker({
    settings: { ...settings, ...overrides },
    clock,
    onTransition: (transition) => transitions.push(transition),
  });
  return { clock, breaker, transitions };
}

describe("circuit breaker", () => {
  it("opens after N consecutive failures, and a success in between resets the count", () => {
    const { breaker, transitions } = setup();
    breaker.recordFailure("500");
    breaker.recordFailure("500");
    breaker.recordSuccess();
    breaker.recordFailure("500");
    breaker.recordFailure("500");
    expect(breaker.state()).toBe("closed");
    breaker.recordFailure("timeout");
    expect(breaker.state()).toBe("open");
    expect(breaker.isAvailable()).toBe(false);
    expect(transitions).toEqual([
      { from: "closed", to: "open", reason: "3 failures in a row, last: timeout" },
    ]);
  });

  it("opens on the failure rate once the minimum number of requests was seen", () => {
    const { breaker } = setup({ consecutiveFailures: 100 });
    for (let index = 0; index < 2; index++) {
      breaker.recordSuccess();
      breaker.recordFailure("500");
    }
    expect(breaker.state()).toBe("closed");
    breaker.recordSuccess();
    breaker.recordFailure("500");
    expect(breaker.state()).toBe("open");
  });

  it("forgets failures that left the window", () => {
    const { breaker, clock } = setup({ consecutiveFailures: 100, minimumRequests: 4 });
    breaker.recordFailure("500");
    breaker.recordFailure("500");
    breaker.recordFailure("500");
    clock.advance(61_000);
    breaker.recordSuccess();
    breaker.recordSuccess();
    breaker.recordSuccess();
    breaker.recordFailure("500");
    expect(breaker.state()).toBe("closed");
  });

  it("lets exactly one probe through after the cool-down; success closes it", () => {
    const { breaker, clock, transitions } = setup({ consecutiveFailures: 1 });
    breaker.recordFailure("connection refused");
    clock.advance(4_999);
    expect(breaker.isAvailable()).toBe(false);
    clock.advance(1);
    expect(breaker.state()).toBe("half-open");
    expect(breaker.isAvailable()).toBe(true);
    breaker.onRequestStarted();
    expect(breaker.isAvailable()).toBe(false);
    breaker.recordSuccess();
    expect(breaker.state()).toBe("closed");
    expect(transitions.map((transition) => transition.to)).toEqual(["open", "half-open", "closed"]);
  });

  it("reopens when the probe fails, for another full cool-down", () => {
    const { breaker, clock } = setup({ consecutiveFailures: 1 });
    breaker.recordFailure("500");
    clock.advance(5_000);
    breaker.onRequestStarted();
    breaker.recordFailure("500 again");
    expect(breaker.state()).toBe("open");
    clock.advance(4_000);
    expect(breaker.isAvailable()).toBe(false);
    clock.advance(1_000);
    expect(breaker.isAvailable()).toBe(true);
  });

  it("frees the probe when it ended without a verdict (client left)", () => {
    const { breaker, clock } = setup({ consecutiveFailures: 1 });
    breaker.recordFailure("500");
    clock.advance(5_000);
    breaker.onRequestStarted();
    breaker.recordNeutral();
    expect(breaker.state()).toBe("half-open");
    expect(breaker.isAvailable()).toBe(true);
  });

  it("moves to half-open early when a health check succeeds", () => {
    const { breaker } = setup({ consecutiveFailures: 1 });
    breaker.recordFailure("500");
    breaker.allowProbeNow();
    expect(breaker.state()).toBe("half-open");
  });
});
