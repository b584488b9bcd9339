import { once } from 'node:events'
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import { confineMounts, type MountPolicy } from '#domain/dataset_mounts'

/**
 * A throwaway host tree:
 *   <tmp>/datasets/p1/raw/scan.h5   the dataset root, with a real dataset
 *   <tmp>/output/p1                 the output root, with a real output folder
 *   <tmp>/secret/keys               what no mount may ever reach
 *   <tmp>/top-link -> <tmp>         an output root that only resolves to a
 *                                   parent of the dataset root (a lexically
 *                                   nested one is refused as a policy)
 */
async function hostTree(cleanup: (fn: () => Promise<void>) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'portal-mounts-'))
  cleanup(() => rm(dir, { recursive: true, force: true }))
  // The temp folder may itself sit behind a symlink (macOS /var): compare real paths.
  const tmp = await realpath(dir)
  await mkdir(join(tmp, 'datasets/p1/raw'), { recursive: true })
  await mkdir(join(tmp, 'output/p1'), { recursive: true })
  await mkdir(join(tmp, 'secret'))
  await writeFile(join(tmp, 'datasets/p1/raw/scan.h5'), 'data')
  await writeFile(join(tmp, 'secret/keys'), 'secret')
  await symlink(tmp, join(tmp, 'top-link'))

  const policy: MountPolicy = {
    datasetsRoot: join(tmp, 'datasets'),
    outputRoot: join(tmp, 'output'),
    containerRoots: { ro: '/data', rw: '/output' },
  }
  const at = (path: string) => join(tmp, path)
  const link = (target: string, path: string) => symlink(target, at(path))
  return { tmp, policy, at, link }
}

function mounts(spec: Record<string, { bind: string; mode?: string }>) {
  return JSON.stringify(spec)
}

test.group('Dataset mount confinement | real file system', () => {
  test('accepts a valid ro and a valid rw mount and returns their real paths', async ({
    assert,
    cleanup,
  }) => {
    const { policy, at } = await hostTree(cleanup)
    const raw = mounts({
      [at('datasets/p1/raw') + '/']: { bind: '/raw', mode: 'ro' },
      [at('output') + '//p1']: { bind: '', mode: 'rw' },
    })

    const check = await confineMounts(raw, policy)
    assert.deepEqual(check, {
      mounts: [
        { hostPath: at('datasets/p1/raw'), containerPath: '/data/raw', mode: 'ro' },
        { hostPath: at('output/p1'), containerPath: '/output', mode: 'rw' },
      ],
      errors: [],
      launchable: true,
    })
  })

  test('mounts the contract example on /data/2019001 and /output/2019001, and "" on the roots', async ({
    assert,
    cleanup,
  }) => {
    const { policy, at } = await hostTree(cleanup)
    await mkdir(at('datasets/2019001'))
    await mkdir(at('output/2019001'))

    const example = await confineMounts(
      mounts({
        [at('datasets/2019001')]: { bind: '/2019001', mode: 'ro' },
        [at('output/2019001')]: { bind: '/2019001', mode: 'rw' },
      }),
      policy
    )
    assert.deepEqual(example, {
      mounts: [
        { hostPath: at('datasets/2019001'), containerPath: '/data/2019001', mode: 'ro' },
        { hostPath: at('output/2019001'), containerPath: '/output/2019001', mode: 'rw' },
      ],
      errors: [],
      launchable: true,
    })

    const roots = await confineMounts(
      mounts({
        [at('datasets/2019001')]: { bind: '', mode: 'ro' },
        [at('output/2019001')]: { bind: '', mode: 'rw' },
      }),
      policy
    )
    assert.deepEqual(roots.errors, [])
    assert.deepEqual(
      roots.mounts.map((mount) => mount.containerPath),
      ['/data', '/output']
    )
  })

  test('accepts single-quoted input, a single file and the dataset root itself', async ({
    assert,
    cleanup,
  }) => {
    const { policy, at } = await hostTree(cleanup)
    const raw = `{'${at('datasets/p1/raw/scan.h5')}': {'bind': 'scan.h5'}, '${at('datasets')}': {'bind': '/all'}}`

    const check = await confineMounts(raw, policy)
    assert.deepEqual(check.errors, [])
    assert.deepEqual(check.mounts, [
      { hostPath: at('datasets/p1/raw/scan.h5'), containerPath: '/data/scan.h5', mode: 'ro' },
      { hostPath: at('datasets'), containerPath: '/data/all', mode: 'ro' },
    ])
  })

  test('mounts the real path of a symlink that stays inside the dataset root', async ({
    assert,
    cleanup,
  }) => {
    const { policy, at, link } = await hostTree(cleanup)
    await link(at('datasets/p1/raw'), 'datasets/latest')
    await link('p1/raw', 'datasets/relative-latest')

    const check = await confineMounts(
      mounts({
        [at('datasets/latest')]: { bind: '/latest' },
        [at('datasets/relative-latest')]: { bind: '/relative' },
      }),
      policy
    )
    assert.deepEqual(check.errors, [])
    assert.deepEqual(
      check.mounts.map((mount) => mount.hostPath),
      [at('datasets/p1/raw'), at('datasets/p1/raw')],
      'the symlink is replaced by what it points to'
    )
  })

  test('refuses {label} with {code}')
    .with([
      {
        label: 'a symlink in the dataset root to the secret folder',
        code: 'E_MOUNT_SYMLINK_ESCAPE',
        setup: ({ at, link }: Tree) => link(at('secret'), 'datasets/evil'),
        hostPath: 'datasets/evil',
      },
      {
        label: 'a relative symlink climbing out of the dataset root',
        code: 'E_MOUNT_SYMLINK_ESCAPE',
        setup: ({ link }: Tree) => link('../secret', 'datasets/evil'),
        hostPath: 'datasets/evil',
      },
      {
        label: 'a path below a symlinked parent directory that escapes',
        code: 'E_MOUNT_SYMLINK_ESCAPE',
        setup: async ({ at, link }: Tree) => {
          await mkdir(at('secret/deep/er'), { recursive: true })
          await link(at('secret'), 'datasets/p1/shortcut')
        },
        hostPath: 'datasets/p1/shortcut/deep/er',
      },
      {
        label: 'a symlink to a single secret file',
        code: 'E_MOUNT_SYMLINK_ESCAPE',
        setup: ({ at, link }: Tree) => link(at('secret/keys'), 'datasets/p1/keys'),
        hostPath: 'datasets/p1/keys',
      },
      {
        label: 'a symlink to /etc',
        code: 'E_MOUNT_SYMLINK_ESCAPE',
        setup: ({ link }: Tree) => link('/etc', 'datasets/etc'),
        hostPath: 'datasets/etc',
      },
      {
        label: 'a symlink to /',
        code: 'E_MOUNT_SYMLINK_ESCAPE',
        setup: ({ link }: Tree) => link('/', 'datasets/root'),
        hostPath: 'datasets/root',
      },
      {
        label: 'a chain of symlinks that ends outside',
        code: 'E_MOUNT_SYMLINK_ESCAPE',
        setup: async ({ at, link }: Tree) => {
          await link(at('secret'), 'datasets/p1/hop2')
          await link(at('datasets/p1/hop2'), 'datasets/hop1')
        },
        hostPath: 'datasets/hop1',
      },
      {
        label: 'a symlink from the dataset root into the output root',
        code: 'E_MOUNT_SYMLINK_ESCAPE',
        setup: ({ at, link }: Tree) => link(at('output/p1'), 'datasets/out'),
        hostPath: 'datasets/out',
      },
      {
        label: 'a symlink loop',
        code: 'E_MOUNT_NOT_FOUND',
        setup: async ({ at, link }: Tree) => {
          await link(at('datasets/loop-b'), 'datasets/loop-a')
          await link(at('datasets/loop-a'), 'datasets/loop-b')
        },
        hostPath: 'datasets/loop-a',
      },
      {
        label: 'a symlink to itself',
        code: 'E_MOUNT_NOT_FOUND',
        setup: ({ link }: Tree) => link('self', 'datasets/self'),
        hostPath: 'datasets/self',
      },
      {
        label: 'a dangling symlink',
        code: 'E_MOUNT_NOT_FOUND',
        setup: ({ at, link }: Tree) => link(at('secret/nothing-here'), 'datasets/dangling'),
        hostPath: 'datasets/dangling',
      },
      {
        label: 'a path that does not exist',
        code: 'E_MOUNT_NOT_FOUND',
        setup: async () => {},
        hostPath: 'datasets/p1/missing',
      },
      {
        label: 'a path through a regular file',
        code: 'E_MOUNT_NOT_FOUND',
        setup: async () => {},
        hostPath: 'datasets/p1/raw/scan.h5/inside',
      },
    ])
    .run(async ({ assert, cleanup }, row) => {
      const tree = await hostTree(cleanup)
      await row.setup(tree)
      const hostPath = tree.at(row.hostPath)

      const check = await confineMounts(mounts({ [hostPath]: { bind: '/x' } }), tree.policy)
      assert.deepEqual(check.mounts, [])
      assert.isFalse(check.launchable)
      assert.lengthOf(check.errors, 1)
      const [error] = check.errors
      assert.equal(error.code, row.code)
      assert.equal(error.hostPath, hostPath, 'the error names the path as sent')
      assert.equal(error.containerPath, '/data/x')
      assert.notInclude(error.message, 'secret', 'the error does not reveal the link target')
    })

  test('refuses a rw mount into the dataset root {label}')
    .with([
      { label: 'with separate roots', outputRoot: 'output', hostPath: 'datasets/p1' },
      {
        label: 'when the output root resolves to its parent',
        outputRoot: 'top-link',
        hostPath: 'top-link/datasets/p1',
      },
      {
        label: 'of the dataset root itself when the output root resolves to its parent',
        outputRoot: 'top-link',
        hostPath: 'top-link/datasets',
      },
      {
        label: 'by mounting the output root that resolves to a folder containing it',
        outputRoot: 'top-link',
        hostPath: 'top-link',
      },
      {
        label: 'through a symlink in the output root',
        outputRoot: 'output',
        hostPath: 'output/into-datasets',
      },
      {
        label: 'through a symlink in an output root that resolves to an enclosing folder',
        outputRoot: 'top-link',
        hostPath: 'top-link/into-datasets',
      },
      {
        label: 'through a symlink to a parent of the dataset root',
        outputRoot: 'output',
        hostPath: 'output/to-top',
      },
    ])
    .run(async ({ assert, cleanup }, row) => {
      const { policy, at, link } = await hostTree(cleanup)
      await link(at('datasets/p1'), 'output/into-datasets')
      await link(at('datasets/p1'), 'into-datasets')
      await link(at('.'), 'output/to-top')
      const hostPath = at(row.hostPath)

      const check = await confineMounts(mounts({ [hostPath]: { bind: '', mode: 'rw' } }), {
        ...policy,
        outputRoot: at(row.outputRoot),
      })
      assert.deepEqual(check.mounts, [])
      assert.deepEqual(
        check.errors.map((error) => [error.code, error.hostPath]),
        [['E_MOUNT_RW_IN_DATASETS', hostPath]]
      )
    })

  test('accepts a rw mount beside the dataset root when the output root resolves to their parent', async ({
    assert,
    cleanup,
  }) => {
    const { policy, at } = await hostTree(cleanup)
    await mkdir(at('datasets-evil'))

    const check = await confineMounts(
      mounts({
        [at('top-link/output/p1')]: { bind: '/p1', mode: 'rw' },
        [at('top-link/datasets-evil')]: { bind: '/other', mode: 'rw' },
      }),
      { ...policy, outputRoot: at('top-link') }
    )
    assert.deepEqual(check.errors, [])
    assert.deepEqual(
      check.mounts.map((mount) => mount.hostPath),
      [at('output/p1'), at('datasets-evil')]
    )
  })

  test('refuses a rw symlink in the output root that leaves it', async ({ assert, cleanup }) => {
    const { policy, at, link } = await hostTree(cleanup)
    await link(at('secret'), 'output/p1/escape')

    const check = await confineMounts(
      mounts({ [at('output/p1/escape')]: { bind: '', mode: 'rw' } }),
      policy
    )
    assert.deepEqual(
      check.errors.map((error) => error.code),
      ['E_MOUNT_SYMLINK_ESCAPE']
    )
  })

  test('works when the dataset root is itself a symlink to the real folder', async ({
    assert,
    cleanup,
  }) => {
    const { policy, at, link } = await hostTree(cleanup)
    await link(at('datasets'), 'datasets-link')
    await link(at('secret'), 'datasets/evil')
    const linked = { ...policy, datasetsRoot: at('datasets-link') }

    const accepted = await confineMounts(
      mounts({ [at('datasets-link/p1/raw')]: { bind: '/raw' } }),
      linked
    )
    assert.deepEqual(accepted.errors, [])
    assert.deepEqual(accepted.mounts, [
      { hostPath: at('datasets/p1/raw'), containerPath: '/data/raw', mode: 'ro' },
    ])

    const escaping = await confineMounts(
      mounts({ [at('datasets-link/evil')]: { bind: '/evil' } }),
      linked
    )
    assert.deepEqual(
      escaping.errors.map((error) => error.code),
      ['E_MOUNT_SYMLINK_ESCAPE'],
      'an escape below the linked root is still caught'
    )

    const writable = await confineMounts(
      mounts({ [at('top-link/datasets/p1')]: { bind: '', mode: 'rw' } }),
      { ...linked, outputRoot: at('top-link') }
    )
    assert.deepEqual(
      writable.errors.map((error) => error.code),
      ['E_MOUNT_RW_IN_DATASETS'],
      'the real dataset folder is protected from rw mounts too'
    )
  })

  test('refuses a socket in the dataset root', async ({ assert, cleanup }) => {
    const { policy, at } = await hostTree(cleanup)
    const server = createServer().listen(at('datasets/p1/control.sock'))
    await once(server, 'listening')
    cleanup(() => new Promise<void>((resolve) => server.close(() => resolve())))

    const check = await confineMounts(
      mounts({ [at('datasets/p1/control.sock')]: { bind: '/sock' } }),
      policy
    )
    assert.deepEqual(
      check.errors.map((error) => error.code),
      ['E_MOUNT_BAD_PATH']
    )
  })

  test('refuses the mounts whose root does not resolve', async ({ assert, cleanup }) => {
    const { policy, at } = await hostTree(cleanup)

    const noDatasets = await confineMounts(
      mounts({
        [at('unmounted/p1')]: { bind: '/p1' },
        [at('output/p1')]: { bind: '', mode: 'rw' },
      }),
      { ...policy, datasetsRoot: at('unmounted') }
    )
    assert.deepEqual(noDatasets.mounts, [])
    assert.deepEqual(
      noDatasets.errors.map((error) => error.code),
      ['E_MOUNT_ROOT_UNAVAILABLE', 'E_MOUNT_ROOT_UNAVAILABLE'],
      'rw mounts need the dataset root too, to check they stay out of it'
    )

    const noOutput = await confineMounts(
      mounts({
        [at('datasets/p1')]: { bind: '/p1' },
        [at('unmounted/p1')]: { bind: '', mode: 'rw' },
      }),
      { ...policy, outputRoot: at('unmounted') }
    )
    assert.deepEqual(
      noOutput.errors.map((error) => [error.code, error.hostPath]),
      [['E_MOUNT_ROOT_UNAVAILABLE', at('unmounted/p1')]]
    )
    assert.deepEqual(
      noOutput.mounts.map((mount) => mount.hostPath),
      [at('datasets/p1')]
    )
    assert.isFalse(noOutput.launchable)
  })

  test('refuses mounts below a root that resolves to "/"', async ({ assert, cleanup }) => {
    const { policy, at, link } = await hostTree(cleanup)
    await link('/', 'everything')

    const check = await confineMounts(mounts({ [at('everything/etc')]: { bind: '/etc' } }), {
      ...policy,
      datasetsRoot: at('everything'),
    })
    assert.deepEqual(
      check.errors.map((error) => error.code),
      ['E_MOUNT_ROOT_UNAVAILABLE']
    )
  })

  test('keeps the valid mounts next to the refused ones', async ({ assert, cleanup }) => {
    const { policy, at, link } = await hostTree(cleanup)
    await link(at('secret'), 'datasets/evil')

    const check = await confineMounts(
      mounts({
        [at('datasets/p1/raw')]: { bind: '/raw' },
        [at('datasets/evil')]: { bind: '/evil' },
        [at('datasets/missing')]: { bind: '/missing' },
      }),
      policy
    )
    assert.deepEqual(check.mounts, [
      { hostPath: at('datasets/p1/raw'), containerPath: '/data/raw', mode: 'ro' },
    ])
    assert.deepEqual(
      check.errors.map((error) => [error.code, error.containerPath]),
      [
        ['E_MOUNT_SYMLINK_ESCAPE', '/data/evil'],
        ['E_MOUNT_NOT_FOUND', '/data/missing'],
      ]
    )
    assert.isFalse(check.launchable)
  })
})

type Tree = Awaited<ReturnType<typeof hostTree>>
