/**
 * Search totals a process remembers, each with the versions of the searched words it was
 * counted under (migrations 0114 and 0115, ADR 12). A total is only ever handed out
 * for the same versions: the database gives every write that changes what a search finds a
 * version never used before, so equal versions mean the same words, and the remembered
 * total is the exact count, whichever process or replica wrote last. At most `limit`
 * searches are kept, the least recently asked dropped first.
 */
export class RememberedSearchTotals<Counted> {
  #entries = new Map<string, { versions: string; counted: Counted }>()

  constructor(readonly limit: number) {}

  /** What was counted for this search, if anything, and under which versions. */
  recall(search: string) {
    const entry = this.#entries.get(search)
    if (entry) {
      // Map keeps insertion order: asked again, it becomes the most recent.
      this.#entries.delete(search)
      this.#entries.set(search, entry)
    }
    return entry
  }

  /** Keeps what was counted under `versions` (as read in the same statement as the count). */
  remember(search: string, versions: string, counted: Counted) {
    this.#entries.delete(search)
    this.#entries.set(search, { versions, counted })
    if (this.#entries.size > this.limit) {
      this.#entries.delete(this.#entries.keys().next().value!)
    }
  }
}
