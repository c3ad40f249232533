/**
 * Realistic-looking, made-up secrets for the scanner tests. They are built at run time from a
 * seeded generator, so this repository never holds a literal that looks like a live key (which
 * GitHub push protection, or our own scan, would rightly stop).
 */

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64URL = `${ALPHANUMERIC}-_`;

/** Deterministic random characters from `alphabet` (a small LCG; the seed picks the string). */
export function randomChars(length: number, seed: number, alphabet = ALPHANUMERIC): string {
  let state = seed >>> 0 || 1;
  let out = "";
  while (out.length < length) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    out += alphabet[(state >>> 8) % alphabet.length];
  }
  return out;
}

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

/** One made-up secret per line rule, keyed by rule id, as it would appear in a token. */
export const fakeSecrets = {
  githubClassic: ["gh", "p_", randomChars(36, 1)].join(""),
  githubOauth: ["gh", "o_", randomChars(36, 2)].join(""),
  githubUser: ["gh", "u_", randomChars(36, 3)].join(""),
  githubServer: ["gh", "s_", randomChars(36, 4)].join(""),
  githubRefresh: ["gh", "r_", randomChars(36, 5)].join(""),
  githubFineGrained: ["github", "_pat_", randomChars(22, 6), "_", randomChars(59, 7)].join(""),
  awsAccessKey: ["AK", "IA", randomChars(16, 8, UPPER_DIGITS)].join(""),
  awsSessionKey: ["AS", "IA", randomChars(16, 9, UPPER_DIGITS)].join(""),
  slackBot: ["xo", "xb-", randomChars(12, 10, "0123456789"), "-", randomChars(24, 11)].join(""),
  stripeLive: ["sk", "_live_", randomChars(24, 12)].join(""),
  stripeRestricted: ["rk", "_live_", randomChars(24, 13)].join(""),
  openaiLegacy: ["sk", "-", randomChars(48, 14)].join(""),
  openaiProject: ["sk", "-proj-", randomChars(120, 15, BASE64URL)].join(""),
  anthropic: ["sk", "-ant-api03-", randomChars(93, 16, BASE64URL), "AA"].join(""),
  google: ["AI", "za", randomChars(35, 17, BASE64URL)].join(""),
  jwt: [
    base64url(JSON.stringify({ alg: "HS256", typ: "JWT" })),
    base64url(JSON.stringify({ sub: "1234567890", name: "Jo Doe", iat: 1_716_239_022 })),
    randomChars(43, 18, BASE64URL),
  ].join("."),
  password: randomChars(20, 19),
  privateKeyHeader: ["-----BEGIN", "RSA PRIVATE KEY-----"].join(" "),
  privateKeyBody: randomChars(64, 20, `${ALPHANUMERIC}+/`),
};
