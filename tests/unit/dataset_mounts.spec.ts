import { test } from '@japa/runner'
import {
  checkMountSyntax,
  confineMounts,
  mountPolicyProblem,
  parseDataSetPath,
  type MountPolicy,
  type RawMount,
} from '#domain/dataset_mounts'

const POLICY: MountPolicy = {
  datasetsRoot: '/srv/data',
  outputRoot: '/srv/output',
  containerRoots: { ro: '/data', rw: '/output' },
}

/** An output root that only shares a prefix with the dataset root. */
const PREFIX_POLICY: MountPolicy = { ...POLICY, outputRoot: '/srv/data-out' }

/** The example of the User Office contract (section 4), as CalipsoPlus sends it. */
const CALIPSO_EXAMPLE =
  '{"/srv/data/2019001": {"bind": "/2019001", "mode": "ro"}, "/srv/results/2019001": {"bind": "/2019001", "mode": "rw"}}'
const CALIPSO_POLICY: MountPolicy = { ...POLICY, outputRoot: '/srv/results' }

/** A path of exactly 1024 bytes, none of its segments over 255. */
const EXACT_1024 =
  '/srv/data/' + ['a', 'b', 'c'].map((c) => c.repeat(254)).join('/') + '/' + 'd'.repeat(249)

function ro(hostPath: string, bind: unknown = '/x'): RawMount {
  return { hostPath, bind, mode: 'ro' }
}

function rw(hostPath: string, bind: unknown = '/x'): RawMount {
  return { hostPath, bind, mode: 'rw' }
}

function codes(errors: { code: string }[]) {
  return errors.map((error) => error.code)
}

test.group('Dataset mounts | parsing data_set_path', () => {
  test('reads {label}')
    .with([
      {
        label: 'the example of the User Office contract',
        raw: CALIPSO_EXAMPLE,
        entries: [
          { hostPath: '/srv/data/2019001', bind: '/2019001', mode: 'ro' },
          { hostPath: '/srv/results/2019001', bind: '/2019001', mode: 'rw' },
        ],
      },
      {
        label: 'double-quoted JSON',
        raw: '{"/srv/data/p1/raw": {"bind": "/raw", "mode": "ro"}, "/srv/output/p1": {"bind": "", "mode": "rw"}}',
        entries: [
          { hostPath: '/srv/data/p1/raw', bind: '/raw', mode: 'ro' },
          { hostPath: '/srv/output/p1', bind: '', mode: 'rw' },
        ],
      },
      {
        label: 'single-quoted Python-style dicts',
        raw: "{'/srv/data/p1/raw': {'bind': '/raw', 'mode': 'ro'}}",
        entries: [{ hostPath: '/srv/data/p1/raw', bind: '/raw', mode: 'ro' }],
      },
      {
        label: 'JSON wrapped in whitespace and a byte order mark',
        raw: '\uFEFF \n {"/srv/data/p1": {"bind": "/p1"}}\n',
        entries: [{ hostPath: '/srv/data/p1', bind: '/p1', mode: undefined }],
      },
      {
        label: 'an already decoded object',
        raw: { '/srv/data/p1': { bind: '/p1', mode: 'ro' } },
        entries: [{ hostPath: '/srv/data/p1', bind: '/p1', mode: 'ro' }],
      },
      {
        label: 'a mount without mode, leaving the default to the syntax check',
        raw: '{"/srv/data/p1": {"bind": "/p1"}}',
        entries: [{ hostPath: '/srv/data/p1', bind: '/p1', mode: undefined }],
      },
      {
        label: 'a mount with unknown extra keys, which are ignored',
        raw: '{"/srv/data/p1": {"bind": "/p1", "mode": "ro", "propagation": "shared"}}',
        entries: [{ hostPath: '/srv/data/p1', bind: '/p1', mode: 'ro' }],
      },
    ])
    .run(({ assert }, row) => {
      const parsed = parseDataSetPath(row.raw)
      assert.deepEqual(parsed.errors, [])
      assert.deepEqual(parsed.entries, row.entries)
    })

  test('treats {label} as no mounts and the session as launchable')
    .with([
      { label: 'an empty string', raw: '' },
      { label: 'a blank string', raw: '  \n\t ' },
      { label: '"[]"', raw: '[]' },
      { label: '"{}"', raw: '{}' },
      { label: '"null"', raw: 'null' },
      { label: 'an object with blanks inside', raw: ' {  } ' },
      { label: 'null', raw: null },
      { label: 'undefined', raw: undefined },
      { label: 'an empty array', raw: [] },
      { label: 'an empty object', raw: {} },
    ])
    .run(async ({ assert }, row) => {
      assert.deepEqual(parseDataSetPath(row.raw), { entries: [], errors: [] })
      // The roots do not exist: nothing to mount means nothing is resolved.
      assert.deepEqual(await confineMounts(row.raw, POLICY), {
        mounts: [],
        errors: [],
        launchable: true,
      })
    })

  test('refuses {label} as a whole with E_MOUNT_PARSE')
    .with([
      { label: 'a garbage string', raw: 'garbage' },
      { label: 'truncated JSON', raw: '{"/srv/data/p1": {"bind": "/data/p1"' },
      { label: 'an array of strings (JSON)', raw: '["/srv/data/p1"]' },
      { label: 'an array of strings (decoded)', raw: ['/srv/data/p1'] },
      { label: 'a JSON number', raw: '42' },
      { label: 'a number', raw: 42 },
      { label: 'a boolean', raw: true },
      { label: 'a JSON string', raw: '"/srv/data/p1"' },
      { label: 'double-encoded JSON', raw: JSON.stringify('{"/srv/data/p1": {"bind": "/data"}}') },
      { label: 'a Date', raw: new Date(0) },
      { label: 'a Map', raw: new Map([['/srv/data/p1', { bind: '/data/p1' }]]) },
      { label: 'an object with a foreign prototype', raw: Object.create({ '/srv/data/p1': {} }) },
      {
        label: 'single quotes around a string holding a double quote',
        raw: `{'/srv/data/a"b': {'bind': '/data/x'}}`,
      },
      {
        label: 'single quotes together with backslash escapes',
        raw: "{'/srv/data/p1': {'bind': '/data/\\u0041'}}",
      },
      { label: 'a single-quoted path with an apostrophe', raw: "{'/srv/data/o'brien': {}}" },
      { label: 'Python None', raw: "{'/srv/data/p1': {'bind': None}}" },
      { label: 'a JavaScript expression', raw: "({'/srv/data/p1': process.exit(1)})" },
      { label: 'a string above one megabyte', raw: ' '.repeat(1024 * 1024 + 1) },
    ])
    .run(async ({ assert }, row) => {
      const parsed = parseDataSetPath(row.raw)
      assert.deepEqual(parsed.entries, [])
      assert.deepEqual(codes(parsed.errors), ['E_MOUNT_PARSE'])
      assert.isNull(parsed.errors[0].hostPath)

      const check = await confineMounts(row.raw, POLICY)
      assert.isFalse(check.launchable)
      assert.deepEqual(codes(check.errors), ['E_MOUNT_PARSE'])
    })

  test('refuses a mount whose value is {label} and names its host path')
    .with([
      { label: 'a number', value: 1 },
      { label: 'a string', value: '/data/p1' },
      { label: 'null', value: null },
      { label: 'an array', value: ['/data/p1', 'ro'] },
      { label: 'nested junk', value: [[{ bind: '/data/p1' }]] },
    ])
    .run(async ({ assert }, row) => {
      const raw = JSON.stringify({
        '/srv/data/junk': row.value,
        '/srv/data/p1': { bind: '/p1' },
      })
      const parsed = parseDataSetPath(raw)
      assert.deepEqual(parsed.entries, [{ hostPath: '/srv/data/p1', bind: '/p1', mode: undefined }])
      assert.deepEqual(parsed.errors, [
        {
          code: 'E_MOUNT_PARSE',
          message: 'The mount must be an object with "bind" and "mode"',
          hostPath: '/srv/data/junk',
          containerPath: null,
        },
      ])
      assert.isFalse((await confineMounts(raw, POLICY)).launchable)
    })

  test('never throws, even on an object whose getter throws', ({ assert }) => {
    const hostile = {}
    Object.defineProperty(hostile, '/srv/data/p1', {
      enumerable: true,
      get() {
        throw new Error('boom')
      },
    })
    assert.deepEqual(codes(parseDataSetPath(hostile).errors), ['E_MOUNT_PARSE'])
  })

  test('reads bind and mode from own properties only', ({ assert }) => {
    const inherited = Object.assign(Object.create({ bind: '/x', mode: 'rw' }), {})
    const parsed = parseDataSetPath({ '/srv/data/p1': inherited })
    assert.deepEqual(codes(parsed.errors), ['E_MOUNT_PARSE'], 'a foreign prototype is refused')

    const fromJson = parseDataSetPath('{"__proto__": {"bind": "/x"}}')
    assert.deepEqual(fromJson.entries, [{ hostPath: '__proto__', bind: '/x', mode: undefined }])
    const check = checkMountSyntax(fromJson.entries, POLICY)
    assert.deepEqual(codes(check.errors), ['E_MOUNT_BAD_PATH'], '"__proto__" is just a bad path')
  })
})

test.group('Dataset mounts | host paths', () => {
  test('refuses the host path {label} with {code}')
    .with([
      { label: '"/srv/data/../etc"', hostPath: '/srv/data/../etc', code: 'E_MOUNT_DOTDOT' },
      { label: 'ending in ".."', hostPath: '/srv/data/p1/..', code: 'E_MOUNT_DOTDOT' },
      { label: 'starting with ".."', hostPath: '../srv/data', code: 'E_MOUNT_DOTDOT' },
      {
        label: 'with ".." that would normalise inside',
        hostPath: '/srv/data/p1/../p2',
        code: 'E_MOUNT_DOTDOT',
      },
      { label: 'with a NUL byte', hostPath: '/srv/data/p1\0/x', code: 'E_MOUNT_BAD_PATH' },
      { label: 'with a newline', hostPath: '/srv/data/p1\n/x', code: 'E_MOUNT_BAD_PATH' },
      { label: 'with an ANSI escape', hostPath: '/srv/data/\x1b[31mp1', code: 'E_MOUNT_BAD_PATH' },
      { label: 'with DEL', hostPath: '/srv/data/p1\x7f', code: 'E_MOUNT_BAD_PATH' },
      { label: 'with a C1 control', hostPath: '/srv/data/p1\u0085', code: 'E_MOUNT_BAD_PATH' },
      { label: 'with a lone surrogate', hostPath: '/srv/data/p1\uD800', code: 'E_MOUNT_BAD_PATH' },
      {
        label: 'longer than 1024 bytes',
        hostPath: '/srv/data' + '/abcdefgh'.repeat(113),
        code: 'E_MOUNT_BAD_PATH',
      },
      {
        label: 'longer than 1024 bytes in multi-byte characters',
        hostPath: '/srv/data/' + 'é/'.repeat(340),
        code: 'E_MOUNT_BAD_PATH',
      },
      { label: 'of 1025 bytes', hostPath: EXACT_1024 + 'e', code: 'E_MOUNT_BAD_PATH' },
      {
        label: 'with a segment over 255 bytes',
        hostPath: '/srv/data/' + 'a'.repeat(256),
        code: 'E_MOUNT_BAD_PATH',
      },
      {
        label: 'with a segment over 255 bytes in multi-byte characters',
        hostPath: '/srv/data/' + 'é'.repeat(128),
        code: 'E_MOUNT_BAD_PATH',
      },
      { label: 'that is empty', hostPath: '', code: 'E_MOUNT_BAD_PATH' },
      { label: 'that is relative', hostPath: 'srv/data/p1', code: 'E_MOUNT_BAD_PATH' },
      { label: 'starting with "./"', hostPath: './srv/data/p1', code: 'E_MOUNT_BAD_PATH' },
      { label: 'starting with "~"', hostPath: '~/data', code: 'E_MOUNT_BAD_PATH' },
      { label: 'with a drive letter', hostPath: 'C:\\data\\p1', code: 'E_MOUNT_BAD_PATH' },
      { label: 'with a drive letter and slashes', hostPath: 'C:/data', code: 'E_MOUNT_BAD_PATH' },
      { label: 'as a UNC share', hostPath: '\\\\server\\share', code: 'E_MOUNT_BAD_PATH' },
      {
        label: 'with backslash "..\\"',
        hostPath: '/srv/data\\..\\etc',
        code: 'E_MOUNT_BAD_PATH',
      },
      { label: 'with a colon', hostPath: '/srv/data/p1:/etc', code: 'E_MOUNT_BAD_PATH' },
      {
        label: '"/srv/data-evil" (prefix of the root)',
        hostPath: '/srv/data-evil/p1',
        code: 'E_MOUNT_OUTSIDE_ROOT',
      },
      { label: '"/srv/dat"', hostPath: '/srv/dat', code: 'E_MOUNT_OUTSIDE_ROOT' },
      { label: '"/srv" (parent of the root)', hostPath: '/srv', code: 'E_MOUNT_OUTSIDE_ROOT' },
      { label: '"/"', hostPath: '/', code: 'E_MOUNT_OUTSIDE_ROOT' },
      { label: '"/etc/passwd"', hostPath: '/etc/passwd', code: 'E_MOUNT_OUTSIDE_ROOT' },
      {
        label: 'in the output root for a ro mount',
        hostPath: '/srv/output/p1',
        code: 'E_MOUNT_OUTSIDE_ROOT',
      },
    ])
    .run(({ assert }, row) => {
      const check = checkMountSyntax([ro(row.hostPath)], POLICY)
      assert.deepEqual(check.mounts, [])
      assert.deepEqual(codes(check.errors), [row.code])
      assert.isFalse(check.launchable)
    })

  test('accepts the host path {label} as {expected}')
    .with([
      { label: 'of the dataset root itself', hostPath: '/srv/data', expected: '/srv/data' },
      { label: 'with a trailing slash', hostPath: '/srv/data/p1/', expected: '/srv/data/p1' },
      { label: 'with "." and "//"', hostPath: '/srv//data/./p1', expected: '/srv/data/p1' },
      { label: 'with a leading "//"', hostPath: '//srv/data/p1', expected: '/srv/data/p1' },
      { label: 'named "..."', hostPath: '/srv/data/...', expected: '/srv/data/...' },
      { label: 'named "..hidden"', hostPath: '/srv/data/..hidden', expected: '/srv/data/..hidden' },
      { label: 'named "a..b"', hostPath: '/srv/data/a..b', expected: '/srv/data/a..b' },
      {
        label: 'with a 255-byte segment',
        hostPath: '/srv/data/' + 'a'.repeat(255),
        expected: '/srv/data/' + 'a'.repeat(255),
      },
      { label: 'of exactly 1024 bytes', hostPath: EXACT_1024, expected: EXACT_1024 },
    ])
    .run(({ assert }, row) => {
      const check = checkMountSyntax([ro(row.hostPath, '/p1')], POLICY)
      assert.deepEqual(check.errors, [])
      assert.deepEqual(check.mounts, [
        { hostPath: row.expected, containerPath: '/data/p1', mode: 'ro' },
      ])
    })

  test('refuses a rw mount {label}')
    .with([
      { label: 'into the dataset root', hostPath: '/srv/data/p1' },
      { label: 'of the dataset root itself', hostPath: '/srv/data' },
      { label: 'of a folder that contains the dataset root', hostPath: '/srv' },
      {
        label: 'of a folder that contains the dataset root, with a trailing slash',
        hostPath: '/srv/',
      },
    ])
    .run(({ assert }, row) => {
      const check = checkMountSyntax([rw(row.hostPath)], POLICY)
      assert.deepEqual(check.mounts, [])
      assert.deepEqual(codes(check.errors), ['E_MOUNT_RW_IN_DATASETS'])
    })

  test('accepts a rw mount {label}')
    .with([
      { label: 'inside the output root', policy: POLICY, hostPath: '/srv/output/p1/s1' },
      { label: 'of the output root itself', policy: POLICY, hostPath: '/srv/output' },
      {
        label: 'in "/srv/data-out", which only shares a prefix with the dataset root',
        policy: PREFIX_POLICY,
        hostPath: '/srv/data-out/p1',
      },
    ])
    .run(({ assert }, row) => {
      const check = checkMountSyntax([rw(row.hostPath)], row.policy)
      assert.deepEqual(check.errors, [])
      assert.deepEqual(check.mounts, [
        { hostPath: row.hostPath, containerPath: '/output/x', mode: 'rw' },
      ])
    })

  test('refuses a rw mount outside the output root', ({ assert }) => {
    const check = checkMountSyntax([rw('/srv/scratch/p1')], POLICY)
    assert.deepEqual(codes(check.errors), ['E_MOUNT_OUTSIDE_ROOT'])
  })
})

/** A bind of 1020 bytes, no segment over 255: fine itself, too long below "/data". */
const BIND_1020 = ['a', 'b', 'c'].map((c) => c.repeat(255)).join('/') + '/' + 'd'.repeat(252)

test.group('Dataset mounts | binds below the container roots', () => {
  test('mounts the example of the User Office contract on /data/2019001 (ro) and /output/2019001 (rw)', ({
    assert,
  }) => {
    const check = checkMountSyntax(parseDataSetPath(CALIPSO_EXAMPLE).entries, CALIPSO_POLICY)
    assert.deepEqual(check, {
      mounts: [
        { hostPath: '/srv/data/2019001', containerPath: '/data/2019001', mode: 'ro' },
        { hostPath: '/srv/results/2019001', containerPath: '/output/2019001', mode: 'rw' },
      ],
      errors: [],
      launchable: true,
    })
  })

  test('joins the bind {label} to the root of its mode')
    .with([
      { label: '"/2019001"', bind: '/2019001', ro: '/data/2019001', rw: '/output/2019001' },
      {
        label: '"2019001" (no leading slash)',
        bind: '2019001',
        ro: '/data/2019001',
        rw: '/output/2019001',
      },
      { label: '"" (the root itself)', bind: '', ro: '/data', rw: '/output' },
      { label: '"/" (the root itself)', bind: '/', ro: '/data', rw: '/output' },
      { label: '"." (the root itself)', bind: '.', ro: '/data', rw: '/output' },
      {
        label: 'with a trailing slash',
        bind: '/2019001/',
        ro: '/data/2019001',
        rw: '/output/2019001',
      },
      {
        label: 'with "//"',
        bind: '//2019001//raw',
        ro: '/data/2019001/raw',
        rw: '/output/2019001/raw',
      },
      {
        label: 'with "." segments',
        bind: './2019001/./raw',
        ro: '/data/2019001/raw',
        rw: '/output/2019001/raw',
      },
      {
        label: 'that names the old absolute target',
        bind: '/data/raw',
        ro: '/data/data/raw',
        rw: '/output/data/raw',
      },
      { label: 'named "..."', bind: '/...', ro: '/data/...', rw: '/output/...' },
      {
        label: 'named "..hidden"',
        bind: '/..hidden',
        ro: '/data/..hidden',
        rw: '/output/..hidden',
      },
      { label: 'with a space', bind: '/run 1', ro: '/data/run 1', rw: '/output/run 1' },
      {
        label: 'with a 255-byte segment',
        bind: 'a'.repeat(255),
        ro: `/data/${'a'.repeat(255)}`,
        rw: `/output/${'a'.repeat(255)}`,
      },
    ])
    .run(({ assert }, row) => {
      const check = checkMountSyntax(
        [ro('/srv/data/p1', row.bind), rw('/srv/output/p1', row.bind)],
        POLICY
      )
      assert.deepEqual(check.errors, [])
      assert.deepEqual(check.mounts, [
        { hostPath: '/srv/data/p1', containerPath: row.ro, mode: 'ro' },
        { hostPath: '/srv/output/p1', containerPath: row.rw, mode: 'rw' },
      ])
    })

  test('refuses the bind {label} with {code}')
    .with([
      { label: '"/../etc"', bind: '/../etc', code: 'E_MOUNT_DOTDOT' },
      { label: '".."', bind: '..', code: 'E_MOUNT_DOTDOT' },
      { label: '"../output/x"', bind: '../output/x', code: 'E_MOUNT_DOTDOT' },
      { label: 'ending in ".."', bind: '/raw/..', code: 'E_MOUNT_DOTDOT' },
      {
        label: 'with ".." that would normalise inside',
        bind: '/raw/../ref',
        code: 'E_MOUNT_DOTDOT',
      },
      { label: 'with a NUL byte', bind: '/raw\0', code: 'E_MOUNT_CONTAINER_PATH' },
      { label: 'with a tab', bind: '/\traw', code: 'E_MOUNT_CONTAINER_PATH' },
      { label: 'with a C1 control', bind: '/raw\u0085', code: 'E_MOUNT_CONTAINER_PATH' },
      { label: 'with a lone surrogate', bind: '/raw\uD800', code: 'E_MOUNT_CONTAINER_PATH' },
      { label: 'with a backslash', bind: '\\raw', code: 'E_MOUNT_CONTAINER_PATH' },
      { label: 'with backslash "..\\"', bind: '..\\..\\etc', code: 'E_MOUNT_CONTAINER_PATH' },
      { label: 'smuggling a mode after a colon', bind: '/raw:rw', code: 'E_MOUNT_CONTAINER_PATH' },
      {
        label: 'naming another mount after a colon',
        bind: '/raw:/etc',
        code: 'E_MOUNT_CONTAINER_PATH',
      },
      {
        label: 'longer than 1024 bytes',
        bind: '/abcdefgh'.repeat(114),
        code: 'E_MOUNT_CONTAINER_PATH',
      },
      {
        label: 'longer than 1024 bytes in "//"',
        bind: '/'.repeat(1025),
        code: 'E_MOUNT_CONTAINER_PATH',
      },
      {
        label: 'with a segment over 255 bytes',
        bind: '/' + 'x'.repeat(256),
        code: 'E_MOUNT_CONTAINER_PATH',
      },
      {
        label: 'with a segment over 255 bytes in multi-byte characters',
        bind: '/' + 'é'.repeat(128),
        code: 'E_MOUNT_CONTAINER_PATH',
      },
      {
        label: 'that makes the container path longer than 1024 bytes',
        bind: BIND_1020,
        code: 'E_MOUNT_CONTAINER_PATH',
      },
    ])
    .run(({ assert }, row) => {
      const check = checkMountSyntax([ro('/srv/data/p1', row.bind)], POLICY)
      assert.deepEqual(check.mounts, [])
      assert.deepEqual(codes(check.errors), [row.code])
      assert.equal(check.errors[0].hostPath, '/srv/data/p1')
      assert.isFalse(check.launchable)
    })

  test('refuses a bind that is {label}')
    .with([
      { label: 'missing', bind: undefined },
      { label: 'null', bind: null },
      { label: 'a number', bind: 42 },
      { label: 'a boolean', bind: true },
      { label: 'an array', bind: ['/x'] },
      { label: 'an object', bind: { path: '/x' } },
    ])
    .run(({ assert }, row) => {
      const entry = { hostPath: '/srv/data/p1', bind: row.bind, mode: 'ro' }
      const check = checkMountSyntax([entry], POLICY)
      assert.deepEqual(check.errors, [
        {
          code: 'E_MOUNT_CONTAINER_PATH',
          message: 'The container path ("bind") must be a string',
          hostPath: '/srv/data/p1',
          containerPath: null,
        },
      ])
    })

  test('shows the joined container path in errors when it is known, else the bind as sent', ({
    assert,
  }) => {
    const check = checkMountSyntax(
      [
        ro('/etc', '2019001'),
        rw('/srv/scratch/p1', '/2019001/'),
        ro('/srv/data/p2', '/../etc'),
        { hostPath: '/srv/data/p3', bind: '/p3', mode: 'RO' },
        ro('/srv/data/p4', BIND_1020),
      ],
      POLICY
    )
    assert.deepEqual(
      check.errors.map((error) => [error.code, error.containerPath]),
      [
        ['E_MOUNT_OUTSIDE_ROOT', '/data/2019001'],
        ['E_MOUNT_OUTSIDE_ROOT', '/output/2019001'],
        ['E_MOUNT_DOTDOT', '/../etc'],
        ['E_MOUNT_BAD_MODE', '/p3'],
        ['E_MOUNT_CONTAINER_PATH', `/data/${BIND_1020}`.slice(0, 199) + '…'],
      ]
    )
  })

  test('refuses {label} container paths on every mount involved')
    .with([
      { label: 'equal', binds: ['/raw', '/raw'], conflicting: [0, 1] },
      { label: 'equally normalised', binds: ['raw', '//raw/.'], conflicting: [0, 1] },
      { label: 'nested in the root itself', binds: ['', '/raw'], conflicting: [0, 1] },
      { label: 'twice the root itself', binds: ['', '/'], conflicting: [0, 1] },
      { label: 'nested', binds: ['/a', '/a/raw'], conflicting: [0, 1] },
      { label: 'deeply nested', binds: ['/a/b/c', '/a'], conflicting: [0, 1] },
      { label: 'thrice equal', binds: ['/x', '/x', '/x'], conflicting: [0, 1, 2] },
      { label: 'one pair of', binds: ['/raw', '/ref', '/raw'], conflicting: [0, 2] },
    ])
    .run(({ assert }, row) => {
      const entries = row.binds.map((bind, index) => ro(`/srv/data/p${index}`, bind))
      const check = checkMountSyntax(entries, POLICY)
      assert.deepEqual(
        check.errors.map((error) => [error.code, error.hostPath]),
        row.conflicting.map((index) => ['E_MOUNT_DUPLICATE_TARGET', `/srv/data/p${index}`])
      )
      assert.deepEqual(
        check.mounts.map((mount) => mount.hostPath),
        entries
          .map((_, index) => `/srv/data/p${index}`)
          .filter((_, index) => !row.conflicting.includes(index))
      )
      assert.isFalse(check.launchable)
    })

  test('accepts the same bind for a ro and a rw mount: their roots differ', ({ assert }) => {
    const check = checkMountSyntax([ro('/srv/data/p1', ''), rw('/srv/output/p1', '')], POLICY)
    assert.deepEqual(check.errors, [])
    assert.deepEqual(
      check.mounts.map((mount) => mount.containerPath),
      ['/data', '/output']
    )
  })

  test('accepts sibling container paths that only share a prefix', ({ assert }) => {
    const check = checkMountSyntax(
      [ro('/srv/data/p1', '/raw'), ro('/srv/data/p2', '/raw2'), ro('/srv/data/p3', '/ra')],
      POLICY
    )
    assert.deepEqual(check.errors, [])
    assert.lengthOf(check.mounts, 3)
  })
})

test.group('Dataset mounts | modes, counts and reporting', () => {
  test('refuses the mode {label}')
    .with([
      { label: '"RW"', mode: 'RW' },
      { label: '"Ro"', mode: 'Ro' },
      { label: '"rwx"', mode: 'rwx' },
      { label: '" ro"', mode: ' ro' },
      { label: '"ro "', mode: 'ro ' },
      { label: 'an empty string', mode: '' },
      { label: '1', mode: 1 },
      { label: 'true', mode: true },
      { label: 'null', mode: null },
      { label: '["ro"]', mode: ['ro'] },
      { label: 'an object', mode: {} },
    ])
    .run(({ assert }, row) => {
      const check = checkMountSyntax(
        [{ hostPath: '/srv/data/p1', bind: '/p1', mode: row.mode }],
        POLICY
      )
      assert.deepEqual(check.mounts, [])
      assert.deepEqual(codes(check.errors), ['E_MOUNT_BAD_MODE'])
    })

  test('treats a missing mode as ro', ({ assert }) => {
    const { entries } = parseDataSetPath('{"/srv/data/p1": {"bind": "/p1"}}')
    const check = checkMountSyntax(entries, POLICY)
    assert.deepEqual(check.mounts, [
      { hostPath: '/srv/data/p1', containerPath: '/data/p1', mode: 'ro' },
    ])

    const inOutput = parseDataSetPath('{"/srv/output/p1": {"bind": ""}}')
    assert.deepEqual(
      checkMountSyntax(inOutput.entries, POLICY).errors.map((error) => [
        error.code,
        error.containerPath,
      ]),
      [['E_MOUNT_OUTSIDE_ROOT', '/data']],
      'a mount without mode is held to the ro rules'
    )
  })

  test('{label}')
    .with([
      { label: 'accepts a single mount', count: 1, accepted: true },
      { label: 'accepts 32 mounts', count: 32, accepted: true },
      { label: 'refuses 33 mounts with E_MOUNT_TOO_MANY', count: 33, accepted: false },
      { label: 'refuses 1000 mounts with E_MOUNT_TOO_MANY', count: 1000, accepted: false },
    ])
    .run(({ assert }, row) => {
      const entries = Array.from({ length: row.count }, (_, index) =>
        ro(`/srv/data/p${index}`, `/p${index}`)
      )
      const check = checkMountSyntax(entries, POLICY)
      assert.equal(check.launchable, row.accepted)
      assert.deepEqual(codes(check.errors), row.accepted ? [] : ['E_MOUNT_TOO_MANY'])
      assert.lengthOf(check.mounts, row.accepted ? row.count : 0)
    })

  test('refuses more than 32 mounts from data_set_path', async ({ assert }) => {
    const value = Object.fromEntries(
      Array.from({ length: 40 }, (_, index) => [`/srv/data/p${index}`, { bind: `/p${index}` }])
    )
    const check = await confineMounts(JSON.stringify(value), POLICY)
    assert.deepEqual(codes(check.errors), ['E_MOUNT_TOO_MANY'])
    assert.isFalse(check.launchable)
  })

  test('keeps the valid mounts and lists every refusal', ({ assert }) => {
    const check = checkMountSyntax(
      [
        ro('/srv/data/p1', '/p1'),
        { hostPath: '/srv/data/../etc', bind: '/etc', mode: 'RW' },
        rw('/srv/output/p1', ''),
      ],
      POLICY
    )
    assert.deepEqual(check.mounts, [
      { hostPath: '/srv/data/p1', containerPath: '/data/p1', mode: 'ro' },
      { hostPath: '/srv/output/p1', containerPath: '/output', mode: 'rw' },
    ])
    assert.deepEqual(
      check.errors.map((error) => [error.code, error.hostPath, error.containerPath]),
      [
        ['E_MOUNT_DOTDOT', '/srv/data/../etc', '/etc'],
        ['E_MOUNT_BAD_MODE', '/srv/data/../etc', '/etc'],
      ]
    )
    assert.isFalse(check.launchable)
  })

  test('shortens paths in errors to 200 characters', ({ assert }) => {
    const hostPath = '/srv/data/' + 'a/'.repeat(600)
    const bind = '/' + 'b/'.repeat(600)
    const [error] = checkMountSyntax([ro(hostPath, bind)], POLICY).errors
    assert.lengthOf(error.hostPath!, 200)
    assert.isTrue(error.hostPath!.endsWith('…'))
    assert.isTrue(hostPath.startsWith(error.hostPath!.slice(0, -1)))
    assert.lengthOf(error.containerPath!, 200)
  })

  test('shows control characters in errors escaped', ({ assert }) => {
    const [error] = checkMountSyntax([ro('/srv/data/p1\n\0x', '/x\u001b')], POLICY).errors
    assert.equal(error.hostPath, '/srv/data/p1\\u000a\\u0000x')
    assert.equal(error.containerPath, '/x\\u001b')
  })

  test('throws on a policy {label}')
    .with([
      { label: 'with a relative dataset root', patch: { datasetsRoot: 'srv/data' } },
      { label: 'with "/" as dataset root', patch: { datasetsRoot: '/' } },
      { label: 'with ".." in the output root', patch: { outputRoot: '/srv/../output' } },
      {
        label: 'with the output root inside the dataset root',
        patch: { outputRoot: '/srv/data/out' },
      },
      { label: 'with the dataset root inside the output root', patch: { outputRoot: '/srv' } },
      { label: 'with equal host roots', patch: { outputRoot: '/srv/data/' } },
      { label: 'without container roots', patch: { containerRoots: undefined } },
      {
        label: 'with lists of container roots',
        patch: { containerRoots: { ro: ['/data'], rw: ['/output'] } },
      },
      {
        label: 'with a relative container root',
        patch: { containerRoots: { ro: 'data', rw: '/output' } },
      },
      {
        label: 'with "/" as container root',
        patch: { containerRoots: { ro: '/', rw: '/output' } },
      },
      {
        label: 'with a container root ending in "/"',
        patch: { containerRoots: { ro: '/data/', rw: '/output' } },
      },
      {
        label: 'with "." in a container root',
        patch: { containerRoots: { ro: '/./data', rw: '/output' } },
      },
      {
        label: 'with a colon in a container root',
        patch: { containerRoots: { ro: '/data:rw', rw: '/output' } },
      },
      {
        label: 'with a backslash in a container root',
        patch: { containerRoots: { ro: '/data\\x', rw: '/output' } },
      },
      {
        label: 'with a control character in a container root',
        patch: { containerRoots: { ro: '/data\n', rw: '/output' } },
      },
      {
        label: 'with equal container roots',
        patch: { containerRoots: { ro: '/mnt', rw: '/mnt' } },
      },
      {
        label: 'with the rw container root inside the ro one',
        patch: { containerRoots: { ro: '/mnt', rw: '/mnt/out' } },
      },
      {
        label: 'with the ro container root inside the rw one',
        patch: { containerRoots: { ro: '/mnt/in', rw: '/mnt' } },
      },
    ])
    .run(async ({ assert }, row) => {
      const policy = { ...POLICY, ...row.patch } as MountPolicy
      assert.throws(() => checkMountSyntax([], policy), /Invalid mount policy/)
      await assert.rejects(() => confineMounts('', policy), /Invalid mount policy/)
    })

  test('names the setting at fault in the words of the caller', ({ assert }) => {
    const names = (field: string) => `<${field}>`
    assert.deepEqual(
      mountPolicyProblem({ ...POLICY, containerRoots: { ro: '/mnt', rw: '/mnt/out' } }, names),
      { field: 'containerRoots.rw', reason: 'must not be inside <containerRoots.ro>' }
    )
    assert.deepEqual(mountPolicyProblem({ ...POLICY, datasetsRoot: '/srv/output/data' }, names), {
      field: 'datasetsRoot',
      reason: 'must not be inside <outputRoot>',
    })
    assert.deepEqual(mountPolicyProblem({ ...POLICY, outputRoot: '/' }, names), {
      field: 'outputRoot',
      reason: 'must not be "/"',
    })
    assert.isNull(mountPolicyProblem(POLICY, names))
  })
})
