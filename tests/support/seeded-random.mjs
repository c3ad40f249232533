// mulberry32: a small, fast, seeded generator. Tests use it where a run must repeat for a seed
// (generated model weights, which worker is killed when); plain .mjs so the worker scripts that
// run without a TypeScript loader can import it too.

/** A function returning numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
