import { describe, expect, it } from "vitest";
import { detectProject } from "../../src/project/detect-project.js";
import { createTempRepo, packageJson } from "./temp-repo.js";

describe("detectProject on other ecosystems", () => {
  it("Go: go.mod gives go test/build/vet and the module's last segment as name", async () => {
    const repo = createTempRepo({
      "go.mod": "module github.com/acme/widget/v2\n\ngo 1.22\n",
      "main.go": "package main\n",
      "internal/x/x.go": "package x\n",
    });
    const info = await detectProject(repo.root);
    expect(info).toMatchObject({
      name: "widget",
      languages: ["Go"],
      packageManager: "go",
      testCommand: "go test ./...",
      buildCommand: "go build ./...",
      lintCommand: "go vet ./...",
      ecosystems: ["go"],
    });
  });

  it("Rust: Cargo.toml gives cargo test/build/clippy and the package name", async () => {
    const repo = createTempRepo({
      "Cargo.toml":
        '[package]\nname = "ripper" # the crate\nversion = "0.1.0"\ndescription = "Fast \\"ripping\\"."\n\n[dependencies]\nserde = "1"\n',
      "src/main.rs": "fn main() {}\n",
    });
    const info = await detectProject(repo.root);
    expect(info).toMatchObject({
      name: "ripper",
      description: 'Fast "ripping".',
      languages: ["Rust"],
      packageManager: "cargo",
      testCommand: "cargo test",
      buildCommand: "cargo build",
      lintCommand: "cargo clippy",
    });
  });

  it("Makefile test target wins over the language default, which is kept as another", async () => {
    const repo = createTempRepo({
      "go.mod": "module example.com/svc\n",
      "main.go": "package main\n",
      Makefile: [
        "GO ?= go",
        "VERSION := 1.0",
        ".PHONY: test build",
        "",
        "test: build ## run the tests with the race detector",
        "\t$(GO) test -race ./...",
        "",
        "build:",
        "\t$(GO) build ./...",
        "",
      ].join("\n"),
    });
    const info = await detectProject(repo.root);
    expect(info.testCommand).toBe("make test");
    expect(info.buildCommand).toBe("make build");
    expect(info.lintCommand).toBe("go vet ./...");
    expect(info.packageManager).toBe("go");
    expect(info.otherTestCommands).toEqual(["go test ./..."]);
  });

  it("Makefile alone: only the targets it has", async () => {
    const repo = createTempRepo({ Makefile: "all:\n\tcc main.c\ncheck test:\n\t./run-tests\n" });
    const info = await detectProject(repo.root);
    expect(info.testCommand).toBe("make test");
    expect(info.buildCommand).toBeUndefined();
    expect(info.packageManager).toBeUndefined();
    expect(info.ecosystems).toEqual([]);
  });

  it("a variable named test is not a target", async () => {
    const repo = createTempRepo({ Makefile: "test := yes\ntest ?= no\nbuild:\n\techo\n" });
    const info = await detectProject(repo.root);
    expect(info.testCommand).toBeUndefined();
    expect(info.buildCommand).toBe("make build");
  });

  it("justfile test recipe gives just test", async () => {
    const repo = createTempRepo({
      justfile: 'set shell := ["bash", "-c"]\n\n@test *args:\n    cargo test {{args}}\n',
      "Cargo.toml": '[package]\nname = "j"\n',
    });
    const info = await detectProject(repo.root);
    expect(info.testCommand).toBe("just test");
    expect(info.buildCommand).toBe("cargo build");
  });

  it("Java: the Gradle wrapper when present, else gradle; Maven with mvn", async () => {
    const wrapped = createTempRepo({
      "settings.gradle.kts": 'rootProject.name = "orders"\n',
      "build.gradle.kts": "plugins { java }\n",
      gradlew: "#!/bin/sh\n",
      "src/main/java/A.java": "class A {}\n",
    });
    expect(await detectProject(wrapped.root)).toMatchObject({
      name: "orders",
      packageManager: "gradle",
      testCommand: "./gradlew test",
      buildCommand: "./gradlew build",
    });

    const plainGradle = createTempRepo({ "build.gradle": "apply plugin: 'java'\n" });
    expect((await detectProject(plainGradle.root)).testCommand).toBe("gradle test");

    const maven = createTempRepo({
      "pom.xml":
        "<project><parent><artifactId>parent-pom</artifactId></parent><artifactId>billing</artifactId><description>Invoices.</description></project>\n",
    });
    expect(await detectProject(maven.root)).toMatchObject({
      name: "billing",
      description: "Invoices.",
      packageManager: "maven",
      testCommand: "mvn test",
      buildCommand: "mvn package",
    });
  });

  it("Ruby: rspec with bundler, rake test without a spec folder", async () => {
    const rspec = createTempRepo({
      Gemfile: 'source "https://rubygems.org"\ngem "rspec"\ngem "rubocop"\n',
      "spec/thing_spec.rb": "",
    });
    expect(await detectProject(rspec.root)).toMatchObject({
      packageManager: "bundler",
      testCommand: "bundle exec rspec",
      lintCommand: "bundle exec rubocop",
    });

    const rake = createTempRepo({ Gemfile: "", Rakefile: "", "test/thing_test.rb": "" });
    expect((await detectProject(rake.root)).testCommand).toBe("bundle exec rake test");
  });

  it(".NET: dotnet test, naming the solution when there are several", async () => {
    const single = createTempRepo({
      "Shop.sln": "",
      "src/Shop/Shop.csproj": "",
      "src/Shop/A.cs": "",
    });
    expect(await detectProject(single.root)).toMatchObject({
      name: "Shop",
      packageManager: "dotnet",
      testCommand: "dotnet test",
    });
    const several = createTempRepo({ "A.sln": "", "B.sln": "" });
    expect((await detectProject(several.root)).testCommand).toBe("dotnet test A.sln");
  });

  it("monorepo: the root ecosystem is chosen and the others are listed", async () => {
    const repo = createTempRepo({
      "package.json": packageJson({ name: "platform", scripts: { test: "turbo test" } }),
      "pnpm-lock.yaml": "\n",
      "web/src/app.ts": "",
      "web/src/page.ts": "",
      "ml/pyproject.toml": '[project]\nname = "ml"\n[tool.pytest.ini_options]\n',
      "ml/uv.lock": "",
      "ml/model.py": "",
    });
    const info = await detectProject(repo.root);
    expect(info.name).toBe("platform");
    expect(info.packageManager).toBe("pnpm");
    expect(info.testCommand).toBe("pnpm test");
    expect(info.ecosystems).toEqual(["node"]);
    expect(info.otherTestCommands).toEqual(["cd ml && uv run pytest"]);
  });

  it("ranks a root ecosystem that has tests above one kept only for tooling", async () => {
    const repo = createTempRepo({
      "package.json": packageJson({ name: "tooling", devDependencies: { prettier: "3" } }),
      "package-lock.json": "{}\n",
      "pyproject.toml": '[project]\nname = "service"\n[tool.pytest.ini_options]\n',
      "service/app.py": "",
    });
    const info = await detectProject(repo.root);
    expect(info.ecosystems).toEqual(["python", "node"]);
    expect(info.name).toBe("service");
    expect(info.testCommand).toBe("pytest");
    expect(info.packageManager).toBe("pip");
  });

  it("a single sub-project with nothing at the root supplies the commands", async () => {
    const repo = createTempRepo({
      "app/package.json": packageJson({ name: "inner", scripts: { test: "jest" } }),
      "app/yarn.lock": "",
      "README.md": "# hi\n",
    });
    const info = await detectProject(repo.root);
    expect(info.testCommand).toBe("cd app && yarn test");
    expect(info.packageManager).toBe("yarn");
    expect(info.ecosystems).toEqual([]);
    expect(info.otherTestCommands).toEqual([]);
  });

  it("several sub-projects and nothing at the root: none is chosen, all are listed", async () => {
    const repo = createTempRepo({
      "api/go.mod": "module example.com/api\n",
      "web/package.json": packageJson({ name: "web", scripts: { test: "vitest" } }),
    });
    const info = await detectProject(repo.root);
    expect(info.testCommand).toBeUndefined();
    expect(info.otherTestCommands).toEqual(["cd api && go test ./...", "cd web && npm test"]);
  });
});
