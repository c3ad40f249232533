/**
 * JVM builds: Gradle (preferring the checked-in wrapper, which pins the version) or Maven.
 * When both build files exist Gradle wins: the pom is then usually a leftover or for publishing.
 */
import type { RepoView } from "../repo-view.js";
import { firstPresent, type EcosystemDetection } from "./ecosystem-detection.js";

const GRADLE_FILES = ["build.gradle.kts", "build.gradle", "settings.gradle.kts", "settings.gradle"];
const JVM_LANGUAGES = ["Java", "Kotlin", "Scala", "Groovy"];

/** Detects a Gradle or Maven build. */
export async function detectJava(view: RepoView): Promise<EcosystemDetection | undefined> {
  if (firstPresent(view, GRADLE_FILES)) {
    const gradle = view.has("gradlew") ? "./gradlew" : "gradle";
    const settings = await Promise.all(
      ["settings.gradle.kts", "settings.gradle"].map((file) => view.readText(file)),
    );
    const name = settings
      .map((text) => /rootProject\.name\s*=\s*["']([^"']+)["']/.exec(text ?? "")?.[1])
      .find((found) => found !== undefined);
    return {
      ecosystem: "java",
      languages: JVM_LANGUAGES,
      packageManager: "gradle",
      testCommand: `${gradle} test`,
      buildCommand: `${gradle} build`,
      name,
      notes: [],
    };
  }
  if (!view.has("pom.xml")) return undefined;
  const maven = view.has("mvnw") ? "./mvnw" : "mvn";
  const pom = projectLevelXml((await view.readText("pom.xml")) ?? "");
  return {
    ecosystem: "java",
    languages: JVM_LANGUAGES,
    packageManager: "maven",
    testCommand: `${maven} test`,
    buildCommand: `${maven} package`,
    name: xmlElement(pom, "name") ?? xmlElement(pom, "artifactId"),
    description: xmlElement(pom, "description"),
    notes: [],
  };
}

/** The pom without the blocks whose artifactId or name is not the project's own. */
function projectLevelXml(pom: string): string {
  return pom
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(
      /<(parent|dependencies|dependencyManagement|build|profiles|modules|plugins|reporting|developers|organization|licenses|scm)\b[\s\S]*?<\/\1>/g,
      "",
    );
}

function xmlElement(xml: string, tag: string): string | undefined {
  const value = new RegExp(`<${tag}>\\s*([^<]+?)\\s*</${tag}>`).exec(xml)?.[1];
  // "${project.artifactId}" and the like are references, not names.
  return value === undefined || value.includes("${") ? undefined : value;
}
