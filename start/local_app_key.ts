import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const APP_ROOT = fileURLToPath(new URL('../', import.meta.url))

/**
 * Returns the app key kept in "<dataDir>/app.key", creating it (mode 0600)
 * on first use. Only for non-production runs without an APP_KEY.
 */
export async function ensureLocalAppKey(dataDir: string): Promise<string> {
  const folder = isAbsolute(dataDir) ? dataDir : join(APP_ROOT, dataDir)
  const keyFile = join(folder, 'app.key')
  try {
    const existing = await readFile(keyFile, 'utf8')
    return existing.trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error
    }
  }
  await mkdir(folder, { recursive: true })
  const key = randomBytes(32).toString('base64url')
  await writeFile(keyFile, key, { mode: 0o600, flag: 'wx' }).catch(async (error) => {
    // Another process created it first: use theirs.
    if (error.code !== 'EEXIST') throw error
  })
  const stored = await readFile(keyFile, 'utf8')
  return stored.trim()
}
