import { describe, expect, it } from "vitest";
import { errorBody, translateErrorBody } from "../../../src/router/translate/index.js";

describe("errorBody", () => {
  it.each([
    [400, "invalid_request_error", "invalid_request_error"],
    [401, "authentication_error", "authentication_error"],
    [403, "permission_error", "permission_error"],
    [404, "not_found_error", "not_found_error"],
    [413, "request_too_large", "invalid_request_error"],
    [422, "invalid_request_error", "invalid_request_error"],
    [429, "rate_limit_error", "rate_limit_error"],
    [500, "api_error", "server_error"],
    [502, "api_error", "server_error"],
    [503, "overloaded_error", "server_error"],
    [504, "timeout_error", "server_error"],
    [529, "overloaded_error", "server_error"],
  ])("status %i -> anthropic %s, openai %s", (status, anthropicType, openAiType) => {
    expect(errorBody("anthropic", status, "boom")).toEqual({
      type: "error",
      error: { type: anthropicType, message: "boom" },
    });
    expect(errorBody("openai", status, "boom")).toEqual({
      error: { message: "boom", type: openAiType, code: null },
    });
  });
});

describe("translateErrorBody", () => {
  it("passes a same-protocol JSON body through unchanged", () => {
    const body = {
      type: "error",
      error: { type: "overloaded_error", message: "busy" },
      request_id: "r",
    };
    expect(translateErrorBody(body, 529, "anthropic", "anthropic")).toBe(body);
  });

  it("wraps a same-protocol body that is not JSON", () => {
    expect(translateErrorBody("<html>Bad Gateway</html>", 502, "openai", "openai")).toEqual({
      error: { message: "<html>Bad Gateway</html>", type: "server_error", code: null },
    });
  });

  it("translates a llama-server error for an Anthropic caller", () => {
    const body = { error: { code: 503, message: "Loading model", type: "unavailable_error" } };
    expect(translateErrorBody(body, 503, "openai", "anthropic")).toEqual({
      type: "error",
      error: { type: "overloaded_error", message: "Loading model" },
    });
  });

  it("translates an Anthropic error for an OpenAI caller, keeping its type in code", () => {
    const body = { type: "error", error: { type: "rate_limit_error", message: "slow down" } };
    const openAi = translateErrorBody(body, 429, "anthropic", "openai");
    expect(openAi).toEqual({
      error: { message: "slow down", type: "rate_limit_error", code: "rate_limit_error" },
    });
    // ... and back again, even when the status changed on the way.
    expect(translateErrorBody(openAi, 500, "openai", "anthropic")).toEqual(body);
  });

  it.each([
    [{ error: "plain string" }, "plain string"],
    [{ message: "top-level message" }, "top-level message"],
    [{ detail: "fastapi style" }, "fastapi style"],
    [{ weird: true }, '{"weird":true}'],
    [undefined, "upstream returned HTTP 500 with no error message"],
    ["", "upstream returned HTTP 500 with no error message"],
  ])("finds the message in %j", (body, message) => {
    expect(translateErrorBody(body, 500, "openai", "anthropic")).toEqual({
      type: "error",
      error: { type: "api_error", message },
    });
  });

  it("cuts very long messages", () => {
    const out = translateErrorBody("x".repeat(5000), 500, "anthropic", "openai") as {
      error: { message: string };
    };
    expect(out.error.message).toHaveLength(2003);
  });
});
