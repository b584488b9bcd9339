import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from '@japa/runner'

/*
 * The dependency arrows point one way: routes → controllers → services →
 * domain and models. The domain layer (app/domain) is the vocabulary every
 * layer shares and depends on nothing of the application or the
 * framework; models, validators and configuration never reach up into
 * services. Migrations import nothing of the application: they must build
 * what they built when they ran, whatever the code becomes later.
 */

const ROOT = new URL('../../', import.meta.url).pathname

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, folder), { withFileTypes: true, recursive: true })
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
}

/**
 * What a file imports, named as its alias would name it: static, side-effect
 * and dynamic imports and re-exports; a relative path counts as the folder
 * it reaches (`../services/x` from app/models is `#services/x`).
 */
async function importsOf(file: string) {
  const source = await readFile(join(ROOT, file), 'utf8')
  const specifiers = [
    ...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm),
    ...source.matchAll(/^\s*import\s+'([^']+)'/gm),
    ...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
  ].map((match) => match[1])
  return specifiers.map((specifier) => aliasOf(file, specifier))
}

/** A relative specifier as the `#alias/…` of the folder it lands in (else unchanged). */
function aliasOf(file: string, specifier: string) {
  if (!specifier.startsWith('.')) {
    return specifier
  }
  const target = relative(ROOT, resolve(ROOT, dirname(file), specifier))
  const folder = target.match(/^(?:app\/([a-z_]+)|(config|providers|start|database))\/(.*)$/)
  return folder ? `#${folder[1] ?? folder[2]}/${folder[3]}` : specifier
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

  test('migrations import nothing of the application', async ({ assert }) => {
    // A value a migration shares with the application (a column's length) is written out there.
    const found = await violations(['database/migrations'], /^#(?!database\/migrations\/)/)
    assert.deepEqual(found, [])
  })

  test('the checks see the files they are about', async ({ assert }) => {
    assert.isAbove((await sourceFiles('app/domain')).length, 5)
    assert.isAbove((await sourceFiles('database/migrations')).length, 20)
    assert.include(await importsOf('app/validators/quota.ts'), '#domain/resource_units')
  })

  test('a relative import counts as the folder it reaches', ({ assert }) => {
    assert.equal(
      aliasOf('app/models/user.ts', '../services/audit_service.js'),
      '#services/audit_service.js'
    )
    assert.equal(
      aliasOf('app/domain/compute.ts', './resource_units.js'),
      '#domain/resource_units.js'
    )
    assert.equal(
      aliasOf('config/saml.ts', '../app/services/auth/saml/pem.js'),
      '#services/auth/saml/pem.js'
    )
    assert.equal(aliasOf('app/domain/compute.ts', '../../start/env.js'), '#start/env.js')
    assert.equal(
      aliasOf('database/migrations/0110_x.ts', '../../app/models/experiment_search.js'),
      '#models/experiment_search.js'
    )
  })
})
