/**
 * Keyset paging of the admins' long lists: a cursor names the last row a
 * client has seen (and the order it was seen in), so the next page starts
 * after it through an index instead of skipping OFFSET rows. Opaque to
 * clients: base64url of a small JSON object.
 */
export type ListCursor = {
  /** Id of the last row already listed. */
  after: number
  /** The sort the cursor was made for (lists that offer several). */
  sort?: string
}

export function encodeListCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url')
}

/** The cursor, or null when the text is not one this portal made. */
export function decodeListCursor(text: string): ListCursor | null {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) {
    return null
  }
  const { after, sort } = value as Record<string, unknown>
  if (!Number.isSafeInteger(after) || (after as number) < 1) {
    return null
  }
  if (sort !== undefined && typeof sort !== 'string') {
    return null
  }
  return sort === undefined ? { after: after as number } : { after: after as number, sort }
}

/**
 * `meta` of a list that offers both pages and a cursor: page numbers and the
 * total when asked by page, only `perPage` and `nextCursor` when asked by
 * cursor (counting every row is what a cursor avoids). `nextCursor` is null
 * on the last page.
 */
export type KeysetListMeta = {
  perPage: number
  nextCursor: string | null
  total?: number
  currentPage?: number
  lastPage?: number
}
