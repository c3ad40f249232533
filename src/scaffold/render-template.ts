/**
 * Minimal `{{name}}` substitution for the bundled templates. A placeholder without a value is a
 * bug in harness (templates and values ship together), so it throws instead of leaving `{{x}}`.
 */

export type TemplateValues = Readonly<Record<string, string>>;

const placeholder = /\{\{\s*([a-zA-Z][a-zA-Z0-9]*)\s*\}\}/g;

export function renderTemplate(text: string, values: TemplateValues, source = "template"): string {
  return text.replace(placeholder, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new Error(`${source}: no value for placeholder {{${name}}}`);
    }
    return value;
  });
}

export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(placeholder)].map((match) => match[1]!))];
}
