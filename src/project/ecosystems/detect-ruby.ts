/**
 * Ruby: Bundler when there is a Gemfile; Rails' own runner, else RSpec when a spec folder or
 * .rspec exists, else the rake test task.
 */
import type { RepoView } from "../repo-view.js";
import { rootFilesMatching, type EcosystemDetection } from "./ecosystem-detection.js";

/** Detects a Ruby project from its Gemfile, gemspec or Rakefile. */
export async function detectRuby(view: RepoView): Promise<EcosystemDetection | undefined> {
  const gemspecs = rootFilesMatching(view, /\.gemspec$/);
  if (!view.has("Gemfile") && !view.has("Rakefile") && gemspecs.length === 0) return undefined;
  const bundled = view.has("Gemfile");
  const exec = bundled ? "bundle exec " : "";
  const gemfile = (await view.readText("Gemfile")) ?? "";

  let testCommand: string | undefined;
  if (view.has("bin/rails") && view.hasDir("test")) testCommand = "bin/rails test";
  else if (view.has(".rspec") || view.hasDir("spec")) testCommand = `${exec}rspec`;
  else if (view.has("Rakefile") && view.hasDir("test")) testCommand = `${exec}rake test`;

  const gemspecName = gemspecs[0]?.replace(/\.gemspec$/, "");
  return {
    ecosystem: "ruby",
    languages: ["Ruby"],
    packageManager: bundled ? "bundler" : "gem",
    testCommand,
    buildCommand: gemspecs[0] ? `gem build ${gemspecs[0]}` : undefined,
    lintCommand:
      view.has(".rubocop.yml") || /\brubocop\b/.test(gemfile) ? `${exec}rubocop` : undefined,
    name: gemspecName,
    notes: [],
  };
}
