/**
 * Writes a tiny random llama-architecture GGUF model that real llama.cpp (node-llama-cpp) can
 * load and run on a CPU in milliseconds. Its output is gibberish, but grammar-constrained
 * generation (JSON schema, function calls) still parses, so the whole pipeline can be tested
 * offline. No test-framework imports: benchmarks use it too.
 */
import { writeFile } from "node:fs/promises";
import { seededRandom } from "./seeded-random.mjs";

export interface TinyGgufOptions {
  /** Seed for the random weights; the same seed writes the same bytes. Default 1. */
  seed?: number;
  /** `llama.context_length` (the trained context). Default 2048. */
  contextLength?: number;
  /**
   * When set, end-of-sequence tokens are made likely instead of suppressed: their output weight
   * on the constant channel. The model then finishes answers on its own after a few tokens, as
   * clients that treat a length stop as an error (Claude Code) need: 2 gives answers of about
   * 5 to 40 tokens.
   */
  endTokenWeight?: number;
}

const embeddingSize = 64;
const blockCount = 2;
const headCount = 4;
const feedForwardSize = 128;
const alignment = 32;

const chatMlTemplate =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']" +
  " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// llama.cpp token types.
const normalType = 1;
const unknownType = 2;
const controlType = 3;
const byteType = 6;

interface Vocabulary {
  tokens: string[];
  scores: number[];
  types: number[];
  /** Tokens the model must never pick: end/control tokens and bytes other than tab and newline. */
  suppressed: Set<number>;
  /** `</s>` and `<|im_end|>`: what ends an answer. */
  endTokens: number[];
}

function buildVocabulary(): Vocabulary {
  const tokens: string[] = [];
  const types: number[] = [];
  const suppressed = new Set<number>();
  const add = (text: string, type: number, suppress: boolean) => {
    if (suppress) suppressed.add(tokens.length);
    tokens.push(text);
    types.push(type);
  };
  add("<unk>", unknownType, true);
  add("<s>", controlType, true);
  add("</s>", controlType, true);
  for (let byte = 0; byte < 256; byte++) {
    const hex = byte.toString(16).toUpperCase().padStart(2, "0");
    add(`<0x${hex}>`, byteType, byte !== 0x09 && byte !== 0x0a);
  }
  add("\u2581", normalType, false);
  for (let code = 0x21; code <= 0x7e; code++) add(String.fromCharCode(code), normalType, false);
  add("<|im_start|>", controlType, true);
  add("<|im_end|>", controlType, true);
  const endTokens = [tokens.indexOf("</s>"), tokens.indexOf("<|im_end|>")];
  return { tokens, types, scores: tokens.map(() => 0), suppressed, endTokens };
}

interface Tensor {
  name: string;
  /** ggml order: the first dimension is the contiguous one (the input size of a matrix). */
  dims: number[];
  data: Float32Array;
}

function createTensors(
  vocabulary: Vocabulary,
  random: () => number,
  options: TinyGgufOptions,
): Tensor[] {
  const d = embeddingSize;
  const vocabularySize = vocabulary.tokens.length;
  const uniform = (count: number, scale: number) =>
    Float32Array.from({ length: count }, () => (random() * 2 - 1) * scale);
  const ones = (count: number) => new Float32Array(count).fill(1);
  // A matrix whose output row 0 is zero, so no layer writes into the constant channel 0.
  const matrix = (inputs: number, outputs: number) => {
    const data = uniform(inputs * outputs, 1 / Math.sqrt(inputs));
    data.fill(0, 0, inputs);
    return data;
  };

  // Channel 0 of every embedding is a large constant; after the final RMS norm it still
  // dominates, so a large negative output weight on it keeps a token's logit far below the rest.
  const embeddings = uniform(d * vocabularySize, 0.1);
  for (let token = 0; token < vocabularySize; token++) embeddings[token * d] = 1;
  const output = uniform(d * vocabularySize, 0.5);
  for (let token = 0; token < vocabularySize; token++) {
    output[token * d] = vocabulary.suppressed.has(token) ? -40 : 0;
  }
  if (options.endTokenWeight !== undefined) {
    for (const token of vocabulary.endTokens) output[token * d] = options.endTokenWeight;
  }

  const tensors: Tensor[] = [
    { name: "token_embd.weight", dims: [d, vocabularySize], data: embeddings },
  ];
  for (let block = 0; block < blockCount; block++) {
    const prefix = `blk.${block}`;
    tensors.push(
      { name: `${prefix}.attn_norm.weight`, dims: [d], data: ones(d) },
      { name: `${prefix}.attn_q.weight`, dims: [d, d], data: matrix(d, d) },
      { name: `${prefix}.attn_k.weight`, dims: [d, d], data: matrix(d, d) },
      { name: `${prefix}.attn_v.weight`, dims: [d, d], data: matrix(d, d) },
      { name: `${prefix}.attn_output.weight`, dims: [d, d], data: matrix(d, d) },
      { name: `${prefix}.ffn_norm.weight`, dims: [d], data: ones(d) },
      {
        name: `${prefix}.ffn_gate.weight`,
        dims: [d, feedForwardSize],
        data: matrix(d, feedForwardSize),
      },
      {
        name: `${prefix}.ffn_up.weight`,
        dims: [d, feedForwardSize],
        data: matrix(d, feedForwardSize),
      },
      {
        name: `${prefix}.ffn_down.weight`,
        dims: [feedForwardSize, d],
        data: matrix(feedForwardSize, d),
      },
    );
  }
  tensors.push(
    { name: "output_norm.weight", dims: [d], data: ones(d) },
    { name: "output.weight", dims: [d, vocabularySize], data: output },
  );
  return tensors;
}

// GGUF value types.
const uint32Type = 4;
const int32Type = 5;
const float32Type = 6;
const stringType = 8;
const arrayType = 9;

type MetadataValue =
  | { type: "u32" | "i32" | "f32"; value: number }
  | { type: "string"; value: string }
  | { type: "strings"; value: string[] }
  | { type: "f32s"; value: number[] }
  | { type: "i32s"; value: number[] };

/** Little-endian byte sink for the header. */
class ByteWriter {
  private readonly parts: Buffer[] = [];
  length = 0;
  private push(buffer: Buffer) {
    this.parts.push(buffer);
    this.length += buffer.length;
  }
  u32(value: number) {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    this.push(buffer);
  }
  i32(value: number) {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32LE(value);
    this.push(buffer);
  }
  f32(value: number) {
    const buffer = Buffer.alloc(4);
    buffer.writeFloatLE(value);
    this.push(buffer);
  }
  u64(value: number) {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    this.push(buffer);
  }
  string(value: string) {
    const bytes = Buffer.from(value, "utf8");
    this.u64(bytes.length);
    this.push(bytes);
  }
  raw(buffer: Buffer) {
    this.push(buffer);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function writeValue(writer: ByteWriter, entry: MetadataValue) {
  const arrayHeader = (itemType: number, count: number) => {
    writer.u32(arrayType);
    writer.u32(itemType);
    writer.u64(count);
  };
  switch (entry.type) {
    case "u32":
    case "i32":
    case "f32":
      writer.u32({ u32: uint32Type, i32: int32Type, f32: float32Type }[entry.type]);
      writer[entry.type](entry.value);
      break;
    case "string":
      writer.u32(stringType);
      writer.string(entry.value);
      break;
    case "strings":
      arrayHeader(stringType, entry.value.length);
      for (const item of entry.value) writer.string(item);
      break;
    case "f32s":
      arrayHeader(float32Type, entry.value.length);
      for (const item of entry.value) writer.f32(item);
      break;
    case "i32s":
      arrayHeader(int32Type, entry.value.length);
      for (const item of entry.value) writer.i32(item);
      break;
  }
}

const alignUp = (value: number) => Math.ceil(value / alignment) * alignment;

/** Writes the tiny model to `file` (d=64, 2 blocks, 4 heads, ff=128, ~0.5 MB of F32). */
export async function writeTinyGguf(file: string, options: TinyGgufOptions = {}): Promise<void> {
  const vocabulary = buildVocabulary();
  const tensors = createTensors(vocabulary, seededRandom(options.seed ?? 1), options);
  const metadata: [string, MetadataValue][] = [
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: "harness-tiny-random" }],
    ["general.alignment", { type: "u32", value: alignment }],
    ["llama.context_length", { type: "u32", value: options.contextLength ?? 2048 }],
    ["llama.embedding_length", { type: "u32", value: embeddingSize }],
    ["llama.block_count", { type: "u32", value: blockCount }],
    ["llama.feed_forward_length", { type: "u32", value: feedForwardSize }],
    ["llama.attention.head_count", { type: "u32", value: headCount }],
    ["llama.attention.head_count_kv", { type: "u32", value: headCount }],
    ["llama.rope.dimension_count", { type: "u32", value: embeddingSize / headCount }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "f32", value: 1e-5 }],
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "strings", value: vocabulary.tokens }],
    ["tokenizer.ggml.scores", { type: "f32s", value: vocabulary.scores }],
    ["tokenizer.ggml.token_type", { type: "i32s", value: vocabulary.types }],
    ["tokenizer.ggml.unknown_token_id", { type: "u32", value: 0 }],
    ["tokenizer.ggml.bos_token_id", { type: "u32", value: 1 }],
    ["tokenizer.ggml.eos_token_id", { type: "u32", value: 2 }],
    ["tokenizer.chat_template", { type: "string", value: chatMlTemplate }],
  ];

  const header = new ByteWriter();
  header.raw(Buffer.from("GGUF", "ascii"));
  header.u32(3);
  header.u64(tensors.length);
  header.u64(metadata.length);
  for (const [key, value] of metadata) {
    header.string(key);
    writeValue(header, value);
  }
  let offset = 0;
  for (const tensor of tensors) {
    header.string(tensor.name);
    header.u32(tensor.dims.length);
    for (const dim of tensor.dims) header.u64(dim);
    header.u32(0); // GGML_TYPE_F32
    header.u64(offset);
    offset = alignUp(offset + tensor.data.byteLength);
  }

  const bytes = Buffer.alloc(alignUp(header.length) + offset);
  header.toBuffer().copy(bytes, 0);
  let position = alignUp(header.length);
  for (const tensor of tensors) {
    Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).copy(
      bytes,
      position,
    );
    position = alignUp(position + tensor.data.byteLength);
  }
  await writeFile(file, bytes);
}
