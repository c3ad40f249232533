import { describe, expect, it } from "vitest";
import { createAdmission, type Placement } from "../../src/router/admission.js";
import type { Backend } from "../../src/router/backend.js";
import {
  createRoutedBackend,
  hasFreeSlot,
  isEligible,
  type RoutedBackend,
} from "../../src/router/routed-backend.js";
import { createFakeClock } from "./fake-clock.js";

const breaker = {
  consecutiveFailures: 3,
  failureRate: 0.5,
  minimumRequests: 10,
  windowMs: 60_000,
  cooldownMs: 5_000,
};

function routedBackend(slots: number, clock = createFakeClock()): RoutedBackend {
  const backend = {
    name: "gpu",
    kind: "llama-server",
    weight: 1,
    models: ["*"],
  } as unknown as Backend;
  return createRoutedBackend({ backend, configuredSlots: slots, breaker, clock });
}

const placeOn = (routed: RoutedBackend) => (): Placement =>
  hasFreeSlot(routed) ? { outcome: "placed", routed } : { outcome: "busy" };

describe("admission", () => {
  it("takes slots up to the limit, queues the rest and hands freed slots out in order", async () => {
    const clock = createFakeClock();
    const admission = createAdmission({ settings: { maxQueue: 2, maxQueueWaitMs: 1_000 }, clock });
    const gpu = routedBackend(1, clock);
    const signal = new AbortController().signal;
    expect((await admission.admit(placeOn(gpu), () => signal)).outcome).toBe("admitted");
    const order: string[] = [];
    const second = admission
      .admit(placeOn(gpu), () => signal)
      .then((result) => order.push(`second ${result.outcome}`));
    const third = admission
      .admit(placeOn(gpu), () => signal)
      .then((result) => order.push(`third ${result.outcome}`));
    expect(admission.waiting).toBe(2);
    const fourth = await admission.admit(placeOn(gpu), () => signal);
    expect(fourth).toMatchObject({ outcome: "rejected", reason: "queue-full" });

    admission.release(gpu);
    await second;
    expect(order).toEqual(["second admitted"]);
    admission.release(gpu);
    await third;
    expect(order).toEqual(["second admitted", "third admitted"]);
    expect(gpu.inFlight).toBe(1);
  });

  it("turns a waiter away after maxQueueWaitMs", async () => {
    const clock = createFakeClock();
    const admission = createAdmission({ settings: { maxQueue: 5, maxQueueWaitMs: 300 }, clock });
    const gpu = routedBackend(1, clock);
    const signal = new AbortController().signal;
    await admission.admit(placeOn(gpu), () => signal);
    const waiting = admission.admit(placeOn(gpu), () => signal);
    clock.advance(299);
    expect(admission.waiting).toBe(1);
    clock.advance(1);
    expect(await waiting).toMatchObject({ outcome: "rejected", reason: "queue-timeout" });
    expect(admission.waiting).toBe(0);
  });

  it("drops a waiter whose client left", async () => {
    const clock = createFakeClock();
    const admission = createAdmission({ settings: { maxQueue: 5, maxQueueWaitMs: 300 }, clock });
    const gpu = routedBackend(1, clock);
    await admission.admit(placeOn(gpu), () => new AbortController().signal);
    const client = new AbortController();
    const waiting = admission.admit(placeOn(gpu), () => client.signal);
    client.abort();
    expect(await waiting).toMatchObject({ outcome: "rejected", reason: "cancelled" });
    expect(clock.pending).toBe(0);
  });

  it("rejects at once when nothing can serve, and waiters when that becomes true", async () => {
    const clock = createFakeClock();
    const admission = createAdmission({ settings: { maxQueue: 5, maxQueueWaitMs: 300 }, clock });
    let placement: Placement = { outcome: "unavailable", reason: "all down" };
    const signal = new AbortController().signal;
    expect(
      await admission.admit(
        () => placement,
        () => signal,
      ),
    ).toMatchObject({ reason: "unavailable" });
    placement = { outcome: "busy" };
    const waiting = admission.admit(
      () => placement,
      () => signal,
    );
    placement = { outcome: "unavailable", reason: "tripped" };
    admission.recheck();
    expect(await waiting).toMatchObject({ reason: "unavailable", message: "tripped" });
  });

  it("lets one probe through a half-open breaker even when requests arrive together", async () => {
    const clock = createFakeClock();
    const admission = createAdmission({ settings: { maxQueue: 5, maxQueueWaitMs: 300 }, clock });
    const gpu = routedBackend(4, clock);
    for (let index = 0; index < 3; index++) gpu.breaker.recordFailure("500");
    gpu.breaker.allowProbeNow();
    const place = (): Placement =>
      isEligible(gpu)
        ? { outcome: "placed", routed: gpu }
        : { outcome: "unavailable", reason: "probing" };
    const signal = () => new AbortController().signal;
    const results = await Promise.all([
      admission.admit(place, signal),
      admission.admit(place, signal),
    ]);
    expect(results.map((result) => result.outcome)).toEqual(["admitted", "rejected"]);
  });
});
