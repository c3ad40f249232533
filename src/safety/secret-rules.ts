/**
 * What counts as a secret: line rules (a token's shape, a key block, a literal assigned to a
 * secret-sounding name) and file rules (a file that should not be committed at all). The
 * patterns follow templates/.claude/skills/implement-plan/references/secret-scan.md, the grep
 * the implementer agent runs, and are stricter where that grep is noisy: a match must also look
 * random (Shannon entropy, mixed character classes) and must not be a placeholder, so
 * `token = getToken()`, `sk-learn` in prose or `test-token-not-real` pass.
 *
 * Paths (tests/, fixtures/) earn no exemption: a real key in a fixture is still a leak. Values
 * that say they are fake (`fake`, `test`, `example`, `xxxx`, `${VAR}`, `<token>`) are exempt.
 * There is no "allow" comment: an agent steered by hostile issue text must not be able to wave
 * a secret through. This is a net against accidents, not against an agent that encodes a secret
 * on purpose.
 */

export interface LineRule {
  id: string;
  description: string;
  /** Global regex run over one line. */
  pattern: RegExp;
  /** The secret in a match (what is judged and redacted); the whole match by default. */
  secretOf?: (match: RegExpExecArray) => string | undefined;
  /** Judges a match: randomness, placeholders. `next` are the added lines that follow. */
  accept: (secret: string, match: RegExpExecArray, next: readonly string[]) => boolean;
}

export interface FileRule {
  id: string;
  description: string;
  /** Judges a file by its path (and, for a few names, its added text). */
  matches: (filePath: string, addedText: string) => boolean;
}

/** Substrings that mark a value as a stand-in, not a secret (compared lowercased). */
const PLACEHOLDER_MARKERS = [
  "example",
  "sample",
  "placeholder",
  "changeme",
  "change_me",
  "change-me",
  "your",
  "xxxx",
  "****",
  "...",
  "dummy",
  "fake",
  "test",
  "mock",
  "not-real",
  "not_real",
  "notreal",
  "redacted",
  "todo",
  "fixme",
  "replace",
  "insert",
  "secret",
  "password",
  "passwd",
  "token",
  "<",
  ">",
  "${",
  "{{",
  "}}",
  "%s",
  "%(",
  "process.env",
  "os.environ",
  "getenv",
];

/** Values published as examples, found in docs and tests everywhere (the jwt.io signature). */
const WELL_KNOWN_EXAMPLES = ["SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"];

/** True when `value` is a stand-in: a marker word, a variable reference, one repeated character. */
export function isPlaceholder(value: string): boolean {
  if (WELL_KNOWN_EXAMPLES.some((example) => value.includes(example))) return true;
  const lower = value.toLowerCase();
  if (PLACEHOLDER_MARKERS.some((marker) => lower.includes(marker))) return true;
  if (/^[$%]/.test(value)) return true; // $TOKEN, %TOKEN%
  // A run of six equal characters (…000000) is a padded stand-in; random keys almost never have one.
  if (/(.)\1{5}/.test(value)) return true;
  return new Set(lower.replace(/[^a-z0-9]/g, "")).size <= 2;
}

/** Shannon entropy in bits per character. Random base62 of 32 characters is about 4.6. */
export function shannonEntropy(text: string): number {
  const characters = [...text];
  const counts = new Map<string, number>();
  for (const character of characters) counts.set(character, (counts.get(character) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const share = count / characters.length;
    entropy -= share * Math.log2(share);
  }
  return entropy;
}

/**
 * A literal that looks like a real credential rather than a word, a name or a code reference:
 * 8 to 512 characters without spaces; two of lowercase/uppercase/digits (all three under 12
 * characters); a digit unless it is long; and entropy that grows with length (short strings
 * cannot reach high entropy).
 */
export function looksRandom(value: string): boolean {
  if (value.length < 8 || value.length > 512 || /\s/.test(value)) return false;
  if (isPlaceholder(value)) return false;
  // A dotted code path (config.auth.key, settings.API_KEY) is a reference, not a value.
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)) return false;
  const hasLower = /[a-z]/.test(value);
  const hasUpper = /[A-Z]/.test(value);
  const hasDigit = /[0-9]/.test(value);
  const classes = Number(hasLower) + Number(hasUpper) + Number(hasDigit);
  // Short values count only when complex (Tr0ub4dor&3), not ids like admin123 or sk_live_12.
  if (classes < (value.length < 12 ? 3 : 2)) return false;
  if (!hasDigit && value.length < 24) return false;
  return shannonEntropy(value) >= (value.length < 16 ? 3 : 3.5);
}

/**
 * Accepts a token with a known prefix when it is not a placeholder and the part after the
 * prefix (ghp_, github_pat_, sk_live_, AKIA, AIza, xoxb, sk-ant-, sk-proj-) is random enough.
 */
function randomBody(minEntropy: number) {
  return (secret: string): boolean => {
    const body = secret.replace(/^[a-z]+_(?:pat_)?|^[A-Za-z]{4}|^sk-(?:ant-|proj-)?/, "");
    return !isPlaceholder(secret) && shannonEntropy(body) >= minEntropy;
  };
}

/**
 * Base64 long enough to be key material, after the header on its line (a "\n"-joined string)
 * or within the next few added lines: code that only names the header is not a key.
 */
function hasKeyBody(_secret: string, match: RegExpExecArray, next: readonly string[]): boolean {
  const rest = match.groups?.["rest"] ?? "";
  return [rest, ...next.slice(0, 3)].some((text) => /[A-Za-z0-9+/=]{40,}/.test(text));
}

/** An assignment's value counts when the name sounds secret and the value looks random. */
function secretAssignment(value: string, match: RegExpExecArray): boolean {
  return isSecretName(match.groups?.["name"] ?? "") && looksRandom(value);
}

function assignedValue(match: RegExpExecArray): string | undefined {
  const groups = match.groups ?? {};
  return groups["dq"] ?? groups["sq"] ?? groups["bq"] ?? groups["bare"];
}

const ASSIGNMENT_DESCRIPTION =
  "a random-looking value assigned to a name like password, secret, token or apiKey";

export const LINE_RULES: readonly LineRule[] = [
  {
    id: "private-key",
    description: "a private key block (PEM, OpenSSH, PGP)",
    pattern: /-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?<rest>.*)/g,
    secretOf: (match) => match[0].slice(0, match[0].length - (match.groups?.["rest"]?.length ?? 0)),
    accept: hasKeyBody,
  },
  {
    id: "aws-access-key-id",
    description: "an AWS access key id (AKIA… or ASIA…)",
    pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
    accept: randomBody(2.5),
  },
  {
    id: "github-token",
    description: "a GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)",
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{30,255})\b/g,
    accept: randomBody(3),
  },
  {
    id: "slack-token",
    description: "a Slack token (xoxb-, xoxp-, xoxa-, …)",
    // A numeric first part: real tokens have one, "xoxo-gossip" does not.
    pattern: /\bxox[abposr]-\d{1,16}-[A-Za-z0-9-]{10,250}/g,
    accept: randomBody(3),
  },
  {
    id: "stripe-live-key",
    description: "a Stripe live secret or restricted key (sk_live_, rk_live_)",
    pattern: /\b[sr]k_live_[A-Za-z0-9]{20,250}\b/g,
    accept: randomBody(3),
  },
  {
    id: "anthropic-api-key",
    description: "an Anthropic API key (sk-ant-…)",
    pattern: /\bsk-ant-[A-Za-z0-9_-]{20,250}/g,
    accept: randomBody(3),
  },
  {
    id: "openai-api-key",
    description: "an OpenAI-style API key (sk-…, sk-proj-…)",
    pattern: /\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,250}/g,
    // Mixed case with digits: keys are random base62, prose like "sk-learn-compatible" is not.
    accept: (secret) =>
      /[a-z]/.test(secret.slice(3)) &&
      /[A-Z]/.test(secret) &&
      /[0-9]/.test(secret) &&
      randomBody(3.5)(secret),
  },
  {
    id: "google-api-key",
    description: "a Google API key (AIza…)",
    pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
    accept: randomBody(3),
  },
  {
    id: "jwt",
    description: "a signed JSON Web Token with a random-looking signature",
    pattern:
      /\beyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{8,4000}\.(?<signature>[A-Za-z0-9_-]{22,1000})/g,
    accept: (_token, match) => {
      const signature = match.groups?.["signature"] ?? "";
      return !isPlaceholder(signature) && shannonEntropy(signature) >= 4;
    },
  },
  {
    id: "url-credentials",
    description: "a password inside a URL (scheme://user:password@host)",
    pattern:
      /\b[a-z][a-z0-9+.-]{0,30}:\/\/(?<user>[^\s/:@"'`]{0,256}):(?<password>[^\s/@"'`]{1,256})@/gi,
    secretOf: (match) => match.groups?.["password"],
    accept: (password, match) => password !== match.groups?.["user"] && looksRandom(password),
  },
  {
    id: "secret-assignment",
    description: ASSIGNMENT_DESCRIPTION,
    // name, optional closing quote (JSON keys), := | => | = | :, then a quoted literal.
    pattern:
      /(?<name>[A-Za-z_$][\w$.-]{0,63})["']?\s{0,8}(?::=|=>|=|:)\s{0,8}(?:"(?<dq>[^"\n]{0,512})"|'(?<sq>[^'\n]{0,512})'|`(?<bq>[^`\n]{0,512})`)/g,
    secretOf: assignedValue,
    accept: secretAssignment,
  },
  {
    id: "secret-assignment",
    description: ASSIGNMENT_DESCRIPTION,
    pattern:
      /^\s{0,40}(?:export\s+)?(?<name>[A-Za-z_][\w.-]{0,63})\s{0,8}[=:]\s{0,8}(?<bare>[^\s"'`#,;(){}[\]]{8,512})\s*(?:#.*)?$/g,
    secretOf: assignedValue,
    accept: secretAssignment,
  },
];

/** Words of an identifier: `accessToken`, `ACCESS_TOKEN`, `access-token` → access, token. */
function identifierWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
}

const SECRET_WORDS = new Set([
  "password",
  "passwd",
  "pwd",
  "pass",
  "passphrase",
  "secret",
  "token",
  "apikey",
  "credential",
  "credentials",
]);
const SECRET_WORD_PAIRS = ["api key", "access key", "private key", "auth key", "signing key"];
/** A name ending in one of these names something about a secret, not the secret itself. */
const NOT_A_SECRET_SUFFIXES = new Set([
  ...["url", "uri", "endpoint", "path", "file", "filename", "dir", "name", "type", "label"],
  ...["field", "prompt", "placeholder", "length", "count", "header", "env", "var", "regex"],
  ...["pattern", "id", "mode", "format", "hint", "message", "msg", "title", "description"],
  ...["text", "expiry", "expires", "ttl", "timeout", "limit", "usage", "budget", "kind"],
]);

/** True when an identifier names a secret (`DB_PASSWORD`, `apiKey`) but not `tokenizer`. */
export function isSecretName(name: string): boolean {
  const words = identifierWords(name);
  const last = words.at(-1);
  if (last === undefined || NOT_A_SECRET_SUFFIXES.has(last)) return false;
  if (words.some((word) => SECRET_WORDS.has(word))) return true;
  const joined = ` ${words.join(" ")} `;
  return SECRET_WORD_PAIRS.some((pair) => joined.includes(` ${pair} `));
}

const ENV_FILE_EXEMPT = /\.(?:example|sample|template|dist)$|^(?:example|sample|template)\.env$/i;

export const FILE_RULES: readonly FileRule[] = [
  {
    id: "env-file",
    description: "an env file (.env, .env.local, prod.env) would be committed",
    matches: (filePath) => {
      const name = baseName(filePath);
      return (
        (/^\.env(?:\..+)?$/i.test(name) || /^.+\.env$/i.test(name)) && !ENV_FILE_EXEMPT.test(name)
      );
    },
  },
  {
    id: "credential-file",
    description: "a key, keystore or credentials file would be committed",
    matches: (filePath, addedText) => {
      const name = baseName(filePath);
      if (/\.pem$/i.test(name)) return !isPublicPem(addedText);
      if (/\.(?:key|p12|pfx|jks|keystore)$/i.test(name)) return true;
      if (/^id_(?:rsa|dsa|ecdsa|ed25519)$/.test(name)) return true;
      if (/^credentials(?:\.json)?$/i.test(name) || /^secrets?\.(?:ya?ml|json|toml)$/i.test(name)) {
        return true;
      }
      if (name === ".netrc") return true;
      // .npmrc and .pypirc often hold only registry settings; they leak when they hold auth.
      if (name === ".npmrc" || name === ".pypirc") {
        return /(?:_auth|_authToken|_password|password)\s*[=:]\s*(?!\$\{)\S/.test(addedText);
      }
      return false;
    },
  },
  {
    id: "harness-state",
    description: "harness machine state (.harness/) would be committed",
    matches: (filePath) => filePath === ".harness" || filePath.startsWith(".harness/"),
  },
];

/** Certificates and public keys are meant to be shared; a PEM with a private key is not. */
function isPublicPem(text: string): boolean {
  return /-----BEGIN (?:CERTIFICATE|PUBLIC KEY)/.test(text) && !/PRIVATE KEY/.test(text);
}

function baseName(filePath: string): string {
  return filePath.slice(filePath.lastIndexOf("/") + 1);
}
