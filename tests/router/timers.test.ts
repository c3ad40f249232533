import { describe, expect, it } from "vitest";
import type { BackendHealth } from "../../src/router/backend.js";
import { createHealthChecker } from "../../src/router/health-checker.js";
import type { RoutedBackend } from "../../src/router/routed-backend.js";
import { startStallWatchdog } from "../../src/router/stall-watchdog.js";
import { createFakeClock } from "./fake-clock.js";
import { stubRouted } from "./routed-fixture.js";

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A backend whose health checks answer from a script, then "ready"; counts its checks. */
function scripted(answers: BackendHealth[]): { routed: RoutedBackend; calls(): number } {
  let calls = 0;
  const routed = stubRouted("gpu-1", {
    checkHealth: () => {
      calls++;
      return Promise.resolve(answers.shift() ?? { readiness: "ready" });
    },
  });
  return { routed, calls: () => calls };
}

describe("health checker", () => {
  it("checks at once, polls a warming backend every second, then falls back to the interval", async () => {
    const clock = createFakeClock();
    const { routed, calls } = scripted([
      { readiness: "warming", detail: "Loading model" },
      { readiness: "warming" },
      { readiness: "ready", slots: 8 },
    ]);
    const changes: string[] = [];
    const checker = createHealthChecker({
      settings: { intervalMs: 5_000 },
      clock,
      onReadinessChange: (backend, previous) => changes.push(`${previous}->${backend.readiness}`),
    });
    checker.start([routed]);
    clock.advance(0);
    await settle();
    expect(routed.readiness).toBe("warming");
    clock.advance(1_000);
    await settle();
    expect(calls()).toBe(2);
    clock.advance(1_000);
    await settle();
    expect(routed.readiness).toBe("ready");
    expect(routed.reportedSlots).toBe(8);
    clock.advance(4_999);
    await settle();
    expect(calls()).toBe(3);
    clock.advance(1);
    await settle();
    expect(calls()).toBe(4);
    expect(changes).toEqual(["unknown->warming", "warming->ready"]);
    checker.stop();
    expect(clock.pending).toBe(0);
  });

  it("lets an open breaker probe early when its backend looks healthy", async () => {
    const clock = createFakeClock();
    const routed = stubRouted("gpu-1");
    routed.breaker.recordFailure("500");
    expect(routed.breaker.state()).toBe("open");
    const checker = createHealthChecker({ settings: { intervalMs: 5_000 }, clock });
    checker.start([routed]);
    await checker.checkAll();
    expect(routed.breaker.state()).toBe("half-open");
    checker.stop();
  });
});

describe("stall watchdog", () => {
  it("fires when the first byte is late, or when a stream goes quiet", () => {
    const clock = createFakeClock();
    const stalls: string[] = [];
    const late = startStallWatchdog({
      clock,
      firstByteMs: 1_000,
      idleMs: 100,
      onStall: (what) => stalls.push(what),
    });
    clock.advance(999);
    expect(stalls).toEqual([]);
    clock.advance(1);
    expect(stalls).toEqual(["first-byte"]);
    late.stop();

    const quiet = startStallWatchdog({
      clock,
      firstByteMs: 1_000,
      idleMs: 100,
      onStall: (what) => stalls.push(what),
    });
    clock.advance(500);
    quiet.activity();
    for (let step = 0; step < 10; step++) {
      clock.advance(60);
      quiet.activity();
    }
    expect(stalls).toEqual(["first-byte"]);
    clock.advance(100);
    expect(stalls).toEqual(["first-byte", "idle"]);
    expect(clock.pending).toBe(0);
  });
});
