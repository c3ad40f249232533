/**
 * `${NAME}` and `${NAME:-fallback}` in config strings are replaced from the environment.
 * `$${` writes a literal `${`. An unset variable without a fallback is reported, with the key path,
 * rather than silently becoming an empty string.
 */

export interface EnvExpansionProblem {
  path: (string | number)[];
  variable: string;
}

const pattern = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function expandEnvString(
  value: string,
  env: NodeJS.ProcessEnv,
  onMissing: (variable: string) => void,
): string {
  return value.replace(pattern, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === "$${") return "${";
    const found = env[name!];
    if (found !== undefined && found !== "") return found;
    if (fallback !== undefined) return fallback;
    onMissing(name!);
    return "";
  });
}

/** Returns a deep copy with every string expanded, and the list of unset variables. */
export function expandEnvDeep(
  value: unknown,
  env: NodeJS.ProcessEnv,
): { value: unknown; problems: EnvExpansionProblem[] } {
  const problems: EnvExpansionProblem[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === "string") {
      return expandEnvString(node, env, (variable) => problems.push({ path, variable }));
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(
        Object.entries(node).map(([key, item]) => [key, walk(item, [...path, key])]),
      );
    }
    return node;
  };
  return { value: walk(value, []), problems };
}
