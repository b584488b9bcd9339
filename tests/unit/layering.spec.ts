import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { test } from '@japa/runner'

/*
 * The dependency arrows point one way: routes → controllers → services →
 * domain and models. The domain layer (app/domain) is the vocabulary every
 * layer shares and depends on nothing of the application or the
 * framework; models, validators and configuration never reach up into
 * services.
 */

const ROOT = new URL('../../', import.meta.url).pathname

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, folder), { withFileTypes: true, recursive: true })
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
}

async function importsOf(file: string) {
  const source = await readFile(join(ROOT, file), 'utf8')
  return [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map(
    (match) => match[1]
  )
}

async function violations(folders: string[], forbidden: RegExp) {
  const found: string[] = []
  for (const folder of folders) {
    for (const file of await sourceFiles(folder)) {
      for (const specifier of await importsOf(file)) {
        if (forbidden.test(specifier)) {
          found.push(`${file} imports ${specifier}`)
        }
      }
    }
  }
  return found
}

test.group('Layering', () => {
  test('the domain layer imports nothing of the application or the framework', async ({
    assert,
  }) => {
    const found = await violations(['app/domain'], /^(#(?!domain\/)|@adonisjs\/|@vinejs\/)/)
    assert.deepEqual(found, [])
  })

  test('models, validators and configuration never import services', async ({ assert }) => {
    const found = await violations(['app/models', 'app/validators', 'config'], /^#services\//)
    assert.deepEqual(found, [])
  })

  test('the checks see the files they are about', async ({ assert }) => {
    assert.isAbove((await sourceFiles('app/domain')).length, 5)
    assert.include(await importsOf('app/validators/quota.ts'), '#domain/resource_units')
  })
})
