/**
 * Small, fast, non-cryptographic hashes for routing. They must be stable across processes and
 * restarts (a session keeps landing on the same backend), which rules out anything seeded.
 */

/** FNV-1a over UTF-16 code units, 32 bits. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Murmur3's finalizer: spreads two 32-bit hashes into one well-mixed value. */
export function mixHashes(first: number, second: number): number {
  let hash = (first ^ Math.imul(second, 0x9e3779b1)) >>> 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Maps a 32-bit hash into the open interval (0, 1). */
export function unitInterval(hash: number): number {
  return (hash + 0.5) / 4294967296;
}
