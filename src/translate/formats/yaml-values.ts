/**
 * String values of a YAML text, read with their key paths and written back through the
 * `yaml` package's concrete syntax tree, which keeps comments, key order, quoting style and
 * indentation: only the scalars whose value changed are rewritten, in their own style where
 * the new value allows it (a plain scalar that would read as a number, a boolean or null, or
 * that now spans lines, is double-quoted).
 */
import { CST, Composer, Parser, isAlias, isMap, isScalar, isSeq, type Node } from "yaml";

import { InputError } from "../../errors.js";

export interface YamlStringValue {
  /** Keys and sequence indices from the document root (a document index first if several). */
  path: Array<string | number>;
  value: string;
  /** Where the scalar starts in the text: the key for writing it back. */
  offset: number;
}

/** Reads every string value (never a key) of a YAML text; `what` names it in errors. */
export function readYamlStringValues(text: string, what: string): YamlStringValue[] {
  const documents = [...new Composer().compose(new Parser().parse(text))];
  const values: YamlStringValue[] = [];
  for (const [documentIndex, document] of documents.entries()) {
    const error = document.errors[0];
    if (error) {
      throw new InputError(`The ${what} is not valid YAML: ${error.message.split("\n")[0]}`, {
        hint: "Fix the YAML syntax (a YAML linter shows the line) and run again.",
      });
    }
    const prefix = documents.length > 1 ? [documentIndex] : [];
    collectStrings(document.contents, prefix, values);
  }
  return values;
}

function collectStrings(
  node: Node | null,
  path: Array<string | number>,
  values: YamlStringValue[],
): void {
  if (!node || isAlias(node)) return;
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      collectStrings(pair.value as Node | null, [...path, key], values);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) =>
      collectStrings(item as Node | null, [...path, index], values),
    );
  } else if (isScalar(node) && typeof node.value === "string" && node.range) {
    const tag = node.tag;
    if (tag && tag !== "tag:yaml.org,2002:str" && tag !== "!") return;
    values.push({ path, value: node.value, offset: node.range[0] });
  }
}

/** Core-schema (and YAML 1.1) words a plain scalar must not become, or it stops being text. */
const NOT_PLAIN_TEXT =
  /^(?:~|null|true|false|yes|no|on|off|y|n|[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|0x[\da-f]+|0o[0-7]+|[-+]?\.inf|\.nan)$/i;

/** The text with the scalars at the given offsets set to new values; others untouched. */
export function writeYamlStringValues(
  text: string,
  newValues: ReadonlyMap<number, string>,
): string {
  const tokens = [...new Parser().parse(text)];
  if (newValues.size === 0) return text;
  for (const token of tokens) {
    if (token.type === "document" && token.value) setValues(token.value, newValues, false);
  }
  return tokens.map((token) => CST.stringify(token)).join("");
}

function setValues(
  token: CST.Token,
  newValues: ReadonlyMap<number, string>,
  inFlow: boolean,
): void {
  if (CST.isScalar(token)) {
    setValue(token, newValues, inFlow);
    return;
  }
  if (!CST.isCollection(token)) return;
  const itemsInFlow = token.type === "flow-collection";
  for (const item of token.items) {
    if (item.value) setValues(item.value, newValues, itemsInFlow);
  }
}

function setValue(
  token: CST.FlowScalar | CST.BlockScalar,
  newValues: ReadonlyMap<number, string>,
  inFlow: boolean,
): void {
  const value = newValues.get(token.offset);
  if (value === undefined) return;
  if (token.type === "block-scalar") {
    CST.setScalarValue(token, value, { afterKey: true });
    return;
  }
  const needsQuotes = value.includes("\n") || NOT_PLAIN_TEXT.test(value.trim());
  const type =
    token.type === "double-quoted-scalar" || needsQuotes
      ? "QUOTE_DOUBLE"
      : token.type === "single-quoted-scalar"
        ? "QUOTE_SINGLE"
        : "PLAIN";
  CST.setScalarValue(token, value, { inFlow, type });
  // One line with JSON escapes (valid YAML) rather than YAML's folded multi-line quoting.
  if (token.type === "double-quoted-scalar") token.source = JSON.stringify(value);
}
