/** Telling text from binary the way git does: look at the start of the file. */
import { open } from "node:fs/promises";

/** How much of a file's start is looked at. */
const SNIFF_BYTES = 8000;

/** True when `sample` (a file's first bytes) has a NUL byte or is mostly control characters. */
export function looksBinary(sample: Uint8Array): boolean {
  let control = 0;
  for (const byte of sample) {
    if (byte === 0) return true;
    // Tab, newline, form feed, carriage return and escape appear in text; other C0 bytes don't.
    if (byte < 32 && byte !== 9 && byte !== 10 && byte !== 12 && byte !== 13 && byte !== 27) {
      control += 1;
    }
  }
  return sample.length > 0 && control / sample.length > 0.1;
}

/** Reads the first bytes of the file at `absolutePath` and judges them. */
export async function isBinaryFile(absolutePath: string): Promise<boolean> {
  const handle = await open(absolutePath, "r");
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return looksBinary(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
