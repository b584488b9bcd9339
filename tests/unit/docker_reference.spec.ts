import { test } from '@japa/runner'
import { isImageReference, registryOf } from '#domain/docker_reference'
import { environmentNameProblem } from '#domain/image_environment'

const DIGEST = `sha256:${'a1'.repeat(32)}`

test.group('Image references', () => {
  test('accepts {$self}')
    .with([
      'ubuntu',
      'ubuntu:22.04',
      'library/ubuntu:latest',
      'jupyter/scipy-notebook:2024-01-15',
      'registry.example.org/team/jupyter:2024.1',
      'registry.example.org:5000/team/sub/image',
      'localhost/analysis',
      'localhost:5000/analysis:v1',
      'registry:5000/analysis',
      'Registry.Example.ORG/team/image',
      'my_team/my__image',
      'my-team/my--image.v2',
      `ubuntu@${DIGEST}`,
      `registry.example.org/team/image:1.0@${DIGEST}`,
      `a:${'T'.repeat(128)}`,
      'a'.repeat(255),
    ])
    .run(({ assert }, reference) => {
      assert.isTrue(isImageReference(reference))
    })

  test('refuses {$self}')
    .with([
      '',
      'Ubuntu',
      'team/Jupyter',
      'ubuntu 22.04',
      ' ubuntu',
      'ubuntu\n',
      'team/../etc',
      'team/..',
      'foo..bar',
      '-ubuntu',
      'team/-image',
      'image-',
      'team//image',
      '/image',
      'image/',
      'image:',
      'image:-tag',
      'image:.tag',
      `image:${'t'.repeat(129)}`,
      'image:tag:again',
      'image@sha256:abc',
      `image@sha256:${'A1'.repeat(32)}`,
      `image@md5:${'a1'.repeat(16)}`,
      'https://registry.example.org/image',
      'registry.example.org:port/image',
      '-registry.example.org/image',
      'registry..example.org/image',
      '[::1]:5000/image',
      'image;rm -rf /',
      'image$(id)',
      'imäge',
      'a'.repeat(256),
      `${'a-'.repeat(120)}!`,
    ])
    .run(({ assert }, reference) => {
      assert.isFalse(isImageReference(reference))
    })

  test('answers quickly on hostile input', ({ assert }) => {
    const started = performance.now()
    for (const hostile of ['a-'.repeat(127), `${'a.'.repeat(127)}/`, `${'a_'.repeat(127)}-`]) {
      isImageReference(hostile)
    }
    assert.isBelow(performance.now() - started, 100)
  })
})

test.group('Image environment variable names', () => {
  test('allows {$self}')
    .with(['HOME_DIR', '_private', 'a1', 'JUPYTER_TOKEN', 'PORTALX', 'MY_PORTAL_URL'])
    .run(({ assert }, name) => {
      assert.isNull(environmentNameProblem(name))
    })

  test('refuses {$self}')
    .with([
      'PORTAL_SECRET',
      'PORTAL_',
      'portal_user',
      'Portal_Owner',
      '1ABC',
      'A-B',
      'A B',
      '',
      'A=B',
      '__proto__',
      'X'.repeat(129),
    ])
    .run(({ assert }, name) => {
      assert.isString(environmentNameProblem(name))
    })
})

test.group('Image references | the registry they are pulled from', () => {
  test('{reference} comes from {registry}')
    .with([
      { reference: 'ubuntu:22.04', registry: 'docker.io' },
      { reference: 'jupyter/scipy-notebook:2024-01-15', registry: 'docker.io' },
      { reference: 'registry.example.org/team/jupyter:2024.1', registry: 'registry.example.org' },
      { reference: 'Registry.Example.ORG/team/image', registry: 'registry.example.org' },
      { reference: '127.0.0.1:5000/team/image:1', registry: '127.0.0.1:5000' },
      { reference: 'localhost/analysis', registry: 'localhost' },
      { reference: 'registry:5000/analysis', registry: 'registry:5000' },
      // A first part without a dot or port is a path: the credentials of "team" never go there.
      { reference: 'team/image:1', registry: 'docker.io' },
    ])
    .run(({ assert }, { reference, registry }) => {
      assert.equal(registryOf(reference), registry)
    })
})
