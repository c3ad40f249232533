/**
 * Which other issues and pull requests look related to the issue being triaged: a small,
 * deterministic text similarity, so the prompt carries the few that matter instead of every
 * title in the tracker.
 *
 * Terms: lowercase words of title and body (camelCase and snake_case split into their parts),
 * English stop words dropped, light suffix stripping ("failing", "fails", "failed" → "fail").
 * Score: cosine similarity of binary TF-IDF vectors, i.e. the shared terms weighted by how rare
 * they are among the open items (`idf = ln((N + 1) / (df + 1)) + 1`), normalised by both
 * documents' sizes. A word every issue uses counts for little; a rare shared word counts a lot.
 * Ties go to the lower number, so the same inputs always give the same list.
 */

/** Text read per document: enough for any issue worth comparing, bounded for huge bodies. */
const MAX_TEXT_CHARS = 4_000;

// prettier-ignore
const STOP_WORDS = new Set([
  "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was",
  "one", "our", "out", "has", "have", "his", "how", "its", "may", "new", "now", "see", "who",
  "did", "get", "got", "let", "say", "she", "too", "use", "via", "with", "this", "that", "from",
  "they", "will", "would", "there", "their", "what", "when", "which", "while", "where", "been",
  "were", "into", "than", "then", "them", "these", "those", "some", "such", "also", "just",
  "only", "very", "more", "most", "other", "about", "after", "before", "should", "could",
  "does", "each", "here", "like", "make", "made", "need", "want", "please", "thank", "thanks",
  "issue", "still", "your", "yours", "because", "being", "both", "between", "over", "under",
  "again", "same", "why", "way", "don", "doesn", "isn",
]);

/**
 * Light suffix stripping: the plural, then "-ing"/"-ed", then a final "e", so "updates",
 * "updated" and "updating" all become "updat". Both sides go through it, so imperfect stems
 * still match.
 */
function stem(word: string): string {
  let stemmed = word;
  if (stemmed.length > 4 && stemmed.endsWith("ies")) stemmed = `${stemmed.slice(0, -3)}y`;
  else if (/(?:sh|ch|x|ss|z)es$/.test(stemmed)) stemmed = stemmed.slice(0, -2);
  else if (stemmed.length > 3 && stemmed.endsWith("s") && !stemmed.endsWith("ss")) {
    stemmed = stemmed.slice(0, -1);
  }
  if (stemmed.length > 5 && stemmed.endsWith("ing")) stemmed = stemmed.slice(0, -3);
  else if (stemmed.length > 4 && stemmed.endsWith("ed")) stemmed = stemmed.slice(0, -2);
  if (stemmed.length > 4 && stemmed.endsWith("e")) stemmed = stemmed.slice(0, -1);
  return stemmed;
}

/** Stop words as stems too, so "issues" (stem "issu") is dropped like "issue". */
const STOP_STEMS = new Set([...STOP_WORDS].map(stem));

/** The distinct terms of a text, in order of first appearance. */
export function textTerms(text: string): Set<string> {
  const split = text
    .slice(0, MAX_TEXT_CHARS)
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase();
  const terms = new Set<string>();
  for (const word of split.match(/[a-z0-9]+/g) ?? []) {
    if (word.length < 3 || STOP_WORDS.has(word)) continue;
    const term = stem(word);
    if (!STOP_STEMS.has(term)) terms.add(term);
  }
  return terms;
}

/** Open items with their terms and the document frequencies: built once per run. */
export interface SimilarityIndex<T extends { number: number }> {
  documents: ReadonlyArray<{ item: T; terms: ReadonlySet<string> }>;
  /** How many documents hold each term. */
  documentFrequency: ReadonlyMap<string, number>;
}

export function createSimilarityIndex<T extends { number: number }>(
  items: readonly T[],
  textOf: (item: T) => string,
): SimilarityIndex<T> {
  const documents = items.map((item) => ({ item, terms: textTerms(textOf(item)) }));
  const documentFrequency = new Map<string, number>();
  for (const { terms } of documents) {
    for (const term of terms) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  return { documents, documentFrequency };
}

export interface RankedItem<T> {
  item: T;
  /** Cosine similarity in [0, 1], plus whatever `bonus` added. */
  score: number;
}

/**
 * The `limit` documents most similar to `query` (score above zero), best first, ties by number.
 * `bonus` lifts items known to be related whatever their words (a PR naming the issue).
 */
export function rankBySimilarity<T extends { number: number }>(
  index: SimilarityIndex<T>,
  query: ReadonlySet<string>,
  options: { limit: number; exclude?: (item: T) => boolean; bonus?: (item: T) => number },
): RankedItem<T>[] {
  const total = index.documents.length;
  const weight = (term: string): number => {
    const idf = Math.log((total + 1) / ((index.documentFrequency.get(term) ?? 0) + 1)) + 1;
    return idf * idf;
  };
  const norm = (terms: ReadonlySet<string>): number => {
    let sum = 0;
    for (const term of terms) sum += weight(term);
    return Math.sqrt(sum);
  };
  const queryNorm = norm(query);
  const ranked: RankedItem<T>[] = [];
  for (const { item, terms } of index.documents) {
    if (options.exclude?.(item)) continue;
    let shared = 0;
    const [smaller, larger] = terms.size < query.size ? [terms, query] : [query, terms];
    for (const term of smaller) if (larger.has(term)) shared += weight(term);
    const cosine = shared === 0 ? 0 : shared / (queryNorm * norm(terms));
    const score = cosine + (options.bonus?.(item) ?? 0);
    if (score > 0) ranked.push({ item, score });
  }
  return ranked
    .sort((a, b) => b.score - a.score || a.item.number - b.item.number)
    .slice(0, options.limit);
}
