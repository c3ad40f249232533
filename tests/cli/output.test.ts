import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createOutput, shouldUseColor } from "../../src/output.js";

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => chunks.join("") };
}

describe("output", () => {
  it("uses colour only on a TTY without NO_COLOR", () => {
    expect(shouldUseColor({ isTTY: true }, {}, false)).toBe(true);
    expect(shouldUseColor({ isTTY: false }, {}, false)).toBe(false);
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: "1" }, false)).toBe(false);
    expect(shouldUseColor({ isTTY: true }, { TERM: "dumb" }, false)).toBe(false);
    expect(shouldUseColor({ isTTY: true }, {}, true)).toBe(false);
    expect(shouldUseColor({ isTTY: false }, { FORCE_COLOR: "1" }, false)).toBe(true);
  });

  it("prints one JSON object per line and no human text in json mode", () => {
    const stdout = capture(false);
    const stderr = capture(false);
    const output = createOutput({
      json: true,
      streams: { stdout: stdout.stream, stderr: stderr.stream },
      env: {},
    });
    output.line("human only");
    output.event({ type: "file-planned", path: "CLAUDE.md", action: "created" });
    output.warn("careful");
    output.record({ type: "result", ok: true });
    expect(
      stdout
        .text()
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { type: "file-planned", path: "CLAUDE.md", action: "created" },
      { type: "warning", message: "careful" },
      { type: "result", ok: true },
    ]);
    expect(stderr.text()).toBe("");
    expect(output.interactive).toBe(false);
  });

  it("writes plain text without escape codes when not a TTY", () => {
    const stdout = capture(false);
    const stderr = capture(false);
    const output = createOutput({
      streams: { stdout: stdout.stream, stderr: stderr.stream },
      env: {},
    });
    output.line(output.style.green("done"));
    output.error("broken", "fix it");
    expect(stdout.text()).toBe("done\n");
    expect(stderr.text()).toBe("error: broken\nhint: fix it\n");
  });
});
