/**
 * Folders that hold other people's code or generated output. Committed or not, their files say
 * nothing about the project's own languages or tests.
 */

const VENDORED_FOLDER_NAMES = new Set([
  "node_modules",
  "bower_components",
  "vendor",
  "third_party",
  "dist",
  "build",
  "target",
  ".venv",
  "venv",
  "__pycache__",
  ".tox",
  ".nox",
  ".mypy_cache",
  ".pytest_cache",
  ".next",
  ".nuxt",
  ".svelte-kit",
  ".yarn",
  ".gradle",
  "Pods",
  "coverage",
]);

/** Whether a folder name (one path segment) is vendored or generated. */
export function isVendoredFolderName(name: string): boolean {
  return VENDORED_FOLDER_NAMES.has(name);
}

/** Whether any folder on a relative path is vendored or generated, or the file is minified. */
export function isVendoredPath(file: string): boolean {
  const segments = file.split("/");
  const fileName = segments.pop() ?? "";
  if (/\.min\.(js|css)$/.test(fileName)) return true;
  return segments.some((segment) => VENDORED_FOLDER_NAMES.has(segment));
}
