/**
 * Asks `probe` every 100 ms until it answers something (not null,
 * undefined, false, 0 or ''), and answers that; fails naming `what`
 * after `ms`.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined>,
  ms: number
) {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const value = await probe()
    if (value) {
      return value
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}
