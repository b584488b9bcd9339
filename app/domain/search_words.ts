/**
 * What a free-text search of the admins' experiment list looks for (ADR 9):
 * the runs of letters and digits in what was typed, each one the start of a
 * word of the record. Everything else (spaces, "-", "%", "_", quotes)
 * separates words and is never an operator of the database's search syntax.
 */

/** More words than this narrow nothing in practice and only cost the index. */
export const MAX_SEARCH_WORDS = 8

export function searchWords(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
  return [...new Set(words)].slice(0, MAX_SEARCH_WORDS)
}
