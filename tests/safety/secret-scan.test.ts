import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commitAll, diffAgainst, openWorktree } from "../../src/git/worktrees.js";
import {
  SECRET_RULES,
  redactSecret,
  scanDiffForSecrets,
  scanText,
  type SecretFinding,
} from "../../src/safety/secret-scan.js";
import { createTempGitRepo } from "../support/temp-git-repo.js";
import { fakeSecrets as s, randomChars } from "./fake-secrets.js";

/** A one-hunk git diff of `file`; each line starts with "+", "-" or " ". */
function diffFor(
  file: string,
  lines: string[],
  options: { newFile?: boolean; start?: number } = {},
) {
  const start = options.start ?? 1;
  const oldCount = lines.filter((line) => !line.startsWith("+")).length;
  const newCount = lines.filter((line) => !line.startsWith("-")).length;
  return [
    `diff --git a/${file} b/${file}`,
    ...(options.newFile
      ? ["new file mode 100644", "index 0000000..1111111", "--- /dev/null"]
      : ["index 1111111..2222222 100644", `--- a/${file}`]),
    `+++ b/${file}`,
    `@@ -${options.newFile ? 0 : start},${oldCount} +${start},${newCount} @@`,
    ...lines,
    "",
  ].join("\n");
}

function rulesFound(findings: SecretFinding[]): string[] {
  return findings.map((finding) => finding.rule);
}

/** The secret must not appear, nor any piece of it longer than the 4 characters kept. */
function expectRedacted(findings: SecretFinding[], secret: string): void {
  // Rule ids are left out: "github-token" would match a github_pat_ prefix.
  const printed = JSON.stringify(findings.map(({ rule: _rule, ...rest }) => rest));
  expect(printed).not.toContain(secret);
  expect(printed).not.toContain(secret.slice(0, 5));
  expect(printed).not.toContain(secret.slice(-8));
}

describe("scanDiffForSecrets: each rule on an added line", () => {
  it.each([
    ["github-token", s.githubClassic, `const token = "${s.githubClassic}";`],
    ["github-token", s.githubOauth, `GH=${s.githubOauth}`],
    ["github-token", s.githubUser, `auth: ${s.githubUser}`],
    ["github-token", s.githubServer, `headers["Authorization"] = "token ${s.githubServer}"`],
    ["github-token", s.githubRefresh, `refresh ${s.githubRefresh}`],
    ["github-token", s.githubFineGrained, `gh auth login --with-token <<< ${s.githubFineGrained}`],
    ["aws-access-key-id", s.awsAccessKey, `aws_access_key_id = ${s.awsAccessKey}`],
    ["aws-access-key-id", s.awsSessionKey, `"AccessKeyId": "${s.awsSessionKey}",`],
    ["slack-token", s.slackBot, `SLACK_BOT=${s.slackBot}`],
    ["stripe-live-key", s.stripeLive, `stripe.setKey("${s.stripeLive}")`],
    ["stripe-live-key", s.stripeRestricted, `key: ${s.stripeRestricted}`],
    ["openai-api-key", s.openaiLegacy, `client = OpenAI(api_key="${s.openaiLegacy}")`],
    ["openai-api-key", s.openaiProject, `OPENAI=${s.openaiProject}`],
    ["anthropic-api-key", s.anthropic, `new Anthropic({ apiKey: "${s.anthropic}" })`],
    ["google-api-key", s.google, `https://maps.googleapis.com/maps/api/js?key=${s.google}`],
    ["jwt", s.jwt, `Authorization: Bearer ${s.jwt}`],
    ["url-credentials", s.password, `DATABASE=postgres://app:${s.password}@db.internal:5432/app`],
    ["secret-assignment", s.password, `const apiKey = "${s.password}";`],
    ["secret-assignment", s.password, `DB_PASSWORD='${s.password}'`],
    ["secret-assignment", s.password, `  "client_secret": "${s.password}",`],
    ["secret-assignment", s.password, `password: ${s.password}`],
    ["secret-assignment", s.password, `export API_TOKEN=${s.password}`],
    ["secret-assignment", s.password, `token := "${s.password}"`],
    ["secret-assignment", s.password, `:secret_key => "${s.password}",`],
    // Titles show the rule and case number only: even fake secrets stay out of test output.
  ])("%s (case %#)", (rule, secret, line) => {
    const findings = scanDiffForSecrets(diffFor("src/app.ts", [" context", `+${line}`, " end"]));
    expect(findings).toEqual([
      { file: "src/app.ts", line: 2, rule, excerpt: redactSecret(secret) },
    ]);
    expect(findings[0]?.excerpt).toBe(`${secret.slice(0, 4)}***`);
    expectRedacted(findings, secret);
  });

  it("secret-assignment: a short password counts when it is complex, and shows less of itself", () => {
    const findings = scanDiffForSecrets(diffFor("app.py", ['+password = "Tr0ub4dor&3"']));
    expect(findings).toEqual([
      { file: "app.py", line: 1, rule: "secret-assignment", excerpt: "Tr***" },
    ]);
  });

  it("private-key: a key block, by its header, with the key material following", () => {
    const diff = diffFor(
      "deploy/key.txt",
      [
        "+" + s.privateKeyHeader,
        "+" + s.privateKeyBody,
        "+" + s.privateKeyBody,
        "+" + s.privateKeyHeader.replace("BEGIN", "END"),
      ],
      { newFile: true },
    );
    const findings = scanDiffForSecrets(diff);
    expect(findings).toEqual([
      { file: "deploy/key.txt", line: 1, rule: "private-key", excerpt: "----***" },
    ]);
    expectRedacted(findings, s.privateKeyBody);
  });

  it("private-key: also a key inside one string with \\n escapes", () => {
    const line = `const pem = "${s.privateKeyHeader}\\n${s.privateKeyBody}\\n";`;
    expect(rulesFound(scanDiffForSecrets(diffFor("a.js", [`+${line}`])))).toEqual(["private-key"]);
    const openssh = `${"-----BEGIN"} OPENSSH PRIVATE KEY-----\\n${s.privateKeyBody}`;
    expect(rulesFound(scanText("a.js", openssh))).toEqual(["private-key"]);
  });

  it("reports each secret on its own line number across hunks", () => {
    const diff = [
      diffFor("config.py", [" a", `+X = "${s.githubClassic}"`, " b"], { start: 10 }).trimEnd(),
      `@@ -40,2 +41,3 @@`,
      " c",
      `+Y = "${s.stripeLive}"`,
      " d",
      "",
    ].join("\n");
    expect(scanDiffForSecrets(diff).map((finding) => [finding.rule, finding.line])).toEqual([
      ["github-token", 11],
      ["stripe-live-key", 42],
    ]);
  });

  it("finds two different secrets on one line, and a token once even inside an assignment", () => {
    const line = `+GITHUB_TOKEN="${s.githubClassic}" AWS=${s.awsAccessKey}`;
    expect(rulesFound(scanDiffForSecrets(diffFor("x.sh", [line])))).toEqual([
      "aws-access-key-id",
      "github-token",
    ]);
  });
});

describe("scanDiffForSecrets: only what the diff adds", () => {
  const secrets = [s.githubClassic, s.awsAccessKey, s.stripeLive, s.anthropic, s.jwt];

  it("ignores the same secrets on removed and context lines", () => {
    const lines = secrets.flatMap((secret) => [`-old = "${secret}"`, ` kept = "${secret}"`]);
    expect(scanDiffForSecrets(diffFor("src/config.ts", [...lines, "+clean = 1"]))).toEqual([]);
  });

  it("ignores a deleted env file and a deleted key", () => {
    const diff = [
      "diff --git a/.env b/.env",
      "deleted file mode 100644",
      "index 1111111..0000000",
      "--- a/.env",
      "+++ /dev/null",
      "@@ -1 +0,0 @@",
      `-TOKEN=${s.githubClassic}`,
      "",
    ].join("\n");
    expect(scanDiffForSecrets(diff)).toEqual([]);
  });

  it("reads added lines that start with ++ or -- as content, not headers", () => {
    const diff = diffFor("notes.md", [`+++ b/${s.githubClassic}`, "+-- x", "+++"]);
    expect(scanDiffForSecrets(diff)).toMatchObject([{ file: "notes.md", line: 1 }]);
  });
});

describe("scanDiffForSecrets: file rules", () => {
  it.each([
    [".env", "env-file"],
    [".env.production", "env-file"],
    ["services/api/.env.local", "env-file"],
    ["deploy/prod.env", "env-file"],
    ["certs/server.key", "credential-file"],
    ["keys/id_ed25519", "credential-file"],
    ["store.p12", "credential-file"],
    ["config/secrets.yml", "credential-file"],
    ["gcp/credentials.json", "credential-file"],
    [".netrc", "credential-file"],
    [".harness/queue/pending/1.md", "harness-state"],
  ])("%s is flagged as %s", (file, rule) => {
    const findings = scanDiffForSecrets(diffFor(file, ["+A=1"], { newFile: true }));
    expect(findings).toEqual([{ file, rule, excerpt: "" }]);
  });

  it("flags a new empty env file and a binary one", () => {
    const empty = "diff --git a/.env b/.env\nnew file mode 100644\nindex 0000000..e69de29\n";
    expect(rulesFound(scanDiffForSecrets(empty))).toEqual(["env-file"]);
    const binary = [
      "diff --git a/prod.env b/prod.env",
      "new file mode 100644",
      "index 0000000..1234567",
      "Binary files /dev/null and b/prod.env differ",
      "",
    ].join("\n");
    expect(rulesFound(scanDiffForSecrets(binary))).toEqual(["env-file"]);
  });

  it.each([
    [".env.example", ["+API_KEY=<your key here>", "+DEBUG=true"]],
    [".env.sample", ["+TOKEN=${TOKEN}"]],
    ["docs/environment.md", ["+Copy .env.example to .env"]],
    [".npmrc", ["+engine-strict=true", "+registry=https://registry.npmjs.org/"]],
    [".npmrc", ["+//registry.npmjs.org/:_authToken=${NPM_TOKEN}"]],
    ["certs/ca.pem", ["+-----BEGIN CERTIFICATE-----", `+${s.privateKeyBody}`]],
    ["keys/id_rsa.pub", ["+ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 someone@host"]],
    ["src/environment.ts", ["+export const env = {};"]],
  ])("%s with %j is fine", (file, lines) => {
    expect(scanDiffForSecrets(diffFor(file, lines, { newFile: true }))).toEqual([]);
  });

  it("flags an .npmrc that holds a literal auth token", () => {
    const line = `+//registry.npmjs.org/:_authToken=${randomChars(36, 99)}`;
    expect(rulesFound(scanDiffForSecrets(diffFor(".npmrc", [line], { newFile: true })))).toEqual([
      "credential-file",
    ]);
  });

  it("scans an example env file's values too: a real key in it is still found", () => {
    const diff = diffFor(".env.example", [`+OPENAI_API_KEY=${s.openaiLegacy}`], { newFile: true });
    expect(rulesFound(scanDiffForSecrets(diff))).toEqual(["openai-api-key"]);
  });
});

describe("scanDiffForSecrets: realistic code that is not a secret", () => {
  it.each([
    "token = getToken()",
    "const token = await getToken(user);",
    "  password: process.env.DB_PASSWORD,",
    'password = os.environ["DB_PASSWORD"]',
    "apiKey: config.apiKey",
    'API_KEY="${API_KEY}"',
    'tokenizer = "bert-base-uncased"',
    'tokenUrl = "https://auth.example.com/oauth/token"',
    'secretName: "prod/db/credentials"',
    "maxTokens: 4096",
    "sessionToken: string;",
    'const secret = "test-token-not-real";',
    'password = "changeme"',
    'GITHUB_TOKEN: "<your-token-here>"',
    'token: "xxxxxxxxxxxxxxxxxxxxxxxx"',
    "token: ${{ secrets.GITHUB_TOKEN }}",
    'password = "correct horse battery staple"',
    "We wrap scikit-learn; see the sk-learn-compatible-estimator-wrapper docs.",
    "The task-runner-configuration-for-continuous-delivery is documented below.",
    "AWS documents AKIAIOSFODNN7EXAMPLE as its sample key id.",
    `ghp_${"x".repeat(36)} is what a token looks like`,
    "xoxo-gossip-girl-forever-and-ever",
    'if (line === "-----BEGIN PRIVATE KEY-----") inKey = true;',
    "postgres://postgres:postgres@localhost:5432/app",
    "redis://default:${REDIS_PASSWORD}@cache:6379",
    "https://user:password@example.com/",
    `eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.${"a".repeat(30)}`,
    // The jwt.io example token, in docs and tests everywhere.
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    'STRIPE_SECRET: "sk_live_12",',
    'createTokenAuth("ghu_InstallationUserToServer000000000000");',
    'DB_PASSWORD = "admin123"',
    "password_hash = bcrypt.hash(password, 12)",
    "const tokenCount = countTokens(prompt);",
  ])("%s", (line) => {
    expect(scanDiffForSecrets(diffFor("src/app.ts", [`+${line}`]))).toEqual([]);
  });
});

describe("scanDiffForSecrets: diff headers", () => {
  it("reads quoted paths with octal escapes", () => {
    const diff = [
      'diff --git "a/conf/\\303\\251t\\303\\251.env" "b/conf/\\303\\251t\\303\\251.env"',
      "new file mode 100644",
      "--- /dev/null",
      '+++ "b/conf/\\303\\251t\\303\\251.env"',
      "@@ -0,0 +1 @@",
      `+K=${s.githubClassic}`,
      "",
    ].join("\n");
    expect(scanDiffForSecrets(diff).map((finding) => [finding.file, finding.rule])).toEqual([
      ["conf/été.env", "env-file"],
      ["conf/été.env", "github-token"],
    ]);
  });

  it("reads plain diff -u output with timestamps and several files", () => {
    const diff = [
      "--- a/one.txt\t2024-01-01 00:00:00",
      "+++ b/one.txt\t2024-01-02 00:00:00",
      "@@ -1 +1 @@",
      "-x",
      "+y",
      "--- a/two.txt",
      "+++ b/two.txt",
      "@@ -1,0 +2 @@",
      `+${s.stripeLive}`,
      "\\ No newline at end of file",
      "",
    ].join("\n");
    expect(scanDiffForSecrets(diff)).toEqual([
      { file: "two.txt", line: 2, rule: "stripe-live-key", excerpt: redactSecret(s.stripeLive) },
    ]);
  });
});

describe("scanText", () => {
  it("scans every line of a whole file, and its name", () => {
    const text = `# local settings\nDEBUG=1\nGITHUB_TOKEN=${s.githubClassic}\r\n`;
    const findings = scanText(".env.local", text);
    expect(findings).toEqual([
      { file: ".env.local", rule: "env-file", excerpt: "" },
      { file: ".env.local", line: 3, rule: "github-token", excerpt: "ghp_***" },
    ]);
    expectRedacted(findings, s.githubClassic);
  });

  it("finds nothing in ordinary code", () => {
    expect(scanText("src/index.ts", "export const answer = 42;\nconst token = read();\n")).toEqual(
      [],
    );
  });
});

describe("redactSecret", () => {
  it("keeps 4 characters of a long secret and fewer of a short one", () => {
    expect(redactSecret(s.githubClassic)).toBe("ghp_***");
    expect(redactSecret("Ab3dEf9h")).toBe("Ab***");
    expect(redactSecret("abc")).toBe("***");
  });

  it("describes every rule it reports", () => {
    for (const rule of ["env-file", "credential-file", "harness-state", "secret-assignment"]) {
      expect(SECRET_RULES.get(rule)).toBeTruthy();
    }
  });
});

describe("a real worktree diff, end to end", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it("finds what the branch adds and not what the base already had", async () => {
    const repo = createTempGitRepo({
      "config.ts": `export const legacy = "${s.stripeLive}";\nexport const a = 1;\n`,
    });
    cleanups.push(repo.cleanup);
    const worktree = await openWorktree({
      repoRoot: repo.root,
      id: "3-keys",
      branch: "harness/3-keys",
      base: "main",
    });
    writeFileSync(
      path.join(worktree.path, "config.ts"),
      `export const legacy = "${s.stripeLive}";\nexport const a = 2;\nexport const gh = "${s.githubClassic}";\n`,
    );
    writeFileSync(path.join(worktree.path, ".env"), "A=1\n");
    await commitAll(worktree.path, "add keys");
    const { diff } = await diffAgainst(worktree.path, worktree.baseCommit);
    const findings = scanDiffForSecrets(diff);
    expect(findings).toEqual([
      { file: ".env", rule: "env-file", excerpt: "" },
      { file: "config.ts", line: 3, rule: "github-token", excerpt: "ghp_***" },
    ]);
    expectRedacted(findings, s.githubClassic);
  });
});
