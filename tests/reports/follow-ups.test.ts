/**
 * Follow-up issues on the local tracker: `createIssue` with a marker files once, also when
 * several workers ask at the same moment and when the first is closed; `fileFollowUps` files
 * each follow-up once per original issue (case and spacing of the title do not matter), links
 * the original, and files nothing the secret scan flags.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { createCollectingSink } from "../../src/events.js";
import { FOLLOW_UP_LABEL, fileFollowUps, followUpMarker } from "../../src/reports/follow-ups.js";
import { createLocalTracker, listLocalIssues } from "../../src/tracker/local-tracker.js";
import { fakeSecrets } from "../safety/fake-secrets.js";
import { createTempDir, type TempDir } from "../support/temp-dir.js";

let temp: TempDir;

beforeEach(async () => {
  temp = await createTempDir("harness-follow-ups");
});

afterEach(async () => {
  await temp.remove();
});

describe("createIssue on the local tracker", () => {
  it("files an issue with a marker once, however many workers ask at once", async () => {
    const input = {
      title: "Handle currency rounding",
      body: "Totals may round twice.",
      labels: [FOLLOW_UP_LABEL],
      marker: followUpMarker(3, "Handle currency rounding"),
    };
    const results = await Promise.all(
      Array.from({ length: 6 }, () => createLocalTracker(temp.path).createIssue(input)),
    );
    expect(results.filter((result) => result.action === "created")).toHaveLength(1);
    expect(new Set(results.map((result) => result.issue.number)).size).toBe(1);
    const { items } = await listLocalIssues(temp.path, { state: "all" });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      title: "Handle currency rounding",
      labels: [FOLLOW_UP_LABEL],
      author: "harness",
    });
    expect(items[0]!.body.trimEnd()).toBe(
      `<!-- harness:${input.marker} -->\nTotals may round twice.`,
    );

    // Closed by a person: still the same finding, still not filed again.
    await createLocalTracker(temp.path).closeIssue(items[0]!.number, "completed");
    expect((await createLocalTracker(temp.path).createIssue(input)).action).toBe("unchanged");
    // Without a marker every call files a new issue.
    const plain = { title: "Plain", body: "x" };
    await createLocalTracker(temp.path).createIssue(plain);
    await createLocalTracker(temp.path).createIssue(plain);
    expect((await listLocalIssues(temp.path, { state: "all" })).items).toHaveLength(3);
  });
});

describe("fileFollowUps", () => {
  it("files each follow-up once per original issue and links it", async () => {
    const tracker = createLocalTracker(temp.path);
    const first = await fileFollowUps({
      tracker,
      issue: 3,
      pullRequest: 12,
      followUps: [{ title: "Handle currency rounding", why: "Totals may round twice." }],
    });
    const again = await fileFollowUps({
      tracker,
      issue: 3,
      followUps: [
        { title: "  handle CURRENCY   rounding ", why: "Said differently." },
        { title: "Add a test for empty carts", why: "Nothing checks it." },
      ],
    });
    const other = await fileFollowUps({
      tracker,
      issue: 4,
      followUps: [{ title: "Handle currency rounding", why: "Another issue's finding." }],
    });
    expect(again.get("  handle CURRENCY   rounding ")).toBe(first.get("Handle currency rounding"));
    expect(other.get("Handle currency rounding")).not.toBe(first.get("Handle currency rounding"));
    const { items } = await listLocalIssues(temp.path, { state: "all" });
    expect(items.map((issue) => issue.title)).toEqual([
      "Handle currency rounding",
      "Add a test for empty carts",
      "Handle currency rounding",
    ]);
    expect(items[0]!.body).toContain("Found while harness worked on #3 (pull request #12).");
    expect(items[1]!.body).toContain("Found while harness worked on #3.");
  });

  it("files nothing the secret scan flags, and says so", async () => {
    const sink = createCollectingSink();
    const filed = await fileFollowUps({
      tracker: createLocalTracker(temp.path),
      issue: 3,
      followUps: [
        { title: "Rotate the token", why: `The log printed ${fakeSecrets.githubClassic}.` },
      ],
      events: sink,
    });
    expect(filed.size).toBe(0);
    expect((await listLocalIssues(temp.path, { state: "all" })).items).toEqual([]);
    expect(sink.events).toEqual([
      {
        type: "warning-raised",
        message: "a follow-up of issue #3 looks like it holds a secret; it was not filed",
      },
    ]);
  });
});
