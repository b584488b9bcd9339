/** Polls until `check` holds; returns how long that took, or throws after `withinMs`. */
export async function heldWithin(withinMs: number, check: () => Promise<boolean>) {
  const startedAt = Date.now()
  while (!(await check())) {
    if (Date.now() - startedAt > withinMs) {
      throw new Error(`did not hold within ${withinMs} ms`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return Date.now() - startedAt
}
