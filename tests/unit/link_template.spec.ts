import { test } from '@japa/runner'
import {
  asciiLinkTemplate,
  encodedProposal,
  expandLinkTemplate,
  linkOrigin,
  linkTemplateProblem,
} from '#domain/link_template'

test.group('Link templates', () => {
  test('accepts plain and templated http(s) URLs with a plainly written host', ({ assert }) => {
    for (const [url, templated] of [
      ['https://logbook.example.org/', false],
      ['http://127.0.0.1:8080/hub/login?next=%2Fhub', false],
      ['https://[::1]:8443/p/{proposal}?q={proposal}#top', true],
      ['HTTPS://Logbook.Example.org/{proposal}', true],
    ] as const) {
      assert.isNull(linkTemplateProblem(url, templated), url)
    }
  })

  test('refuses anything that could move the origin or hide another host', ({ assert }) => {
    for (const url of [
      '//evil.example.net/{proposal}',
      'http:evil.example.net/{proposal}',
      'https:\\\\evil.example.net/{proposal}',
      'https://good.example.org@evil.example.net/{proposal}',
      'https://good.example.org\\@evil.example.net/{proposal}',
      'https://good.example.org%2F.evil.example.net/{proposal}',
      'https://{proposal}/x',
      'https://{proposal}.example.org/x',
      'https://example.org{proposal}/x',
      'https://example.org:{proposal}/x',
      'https://example.org/x#{proposal}',
      'https://example.org/x\\{proposal}',
      'javascript:alert(1)//{proposal}',
    ]) {
      assert.isString(linkTemplateProblem(url, true), url)
    }
  })

  test('the placeholder appears exactly when the admin allows it', ({ assert }) => {
    assert.match(linkTemplateProblem('https://e.org/{proposal}', false)!, /only when/)
    assert.match(linkTemplateProblem('https://e.org/', true)!, /must contain/)
  })

  test('a substituted proposal id is encoded and never changes the origin', ({ assert }) => {
    const template = 'https://logbook.example.org/p/{proposal}?q={proposal}'
    for (const proposal of ['//evil.example.net', '@evil.example.net', '\\evil', '%2F', 'a?b#c']) {
      const url = new URL(expandLinkTemplate(template, proposal))
      assert.equal(url.origin, linkOrigin(template))
      assert.equal(decodeURIComponent(url.pathname.slice(3)), proposal)
      assert.equal(url.searchParams.get('q'), proposal)
      assert.equal(url.hash, '')
    }
  })

  test('dot segments cannot stand in for a proposal', ({ assert }) => {
    assert.isNull(encodedProposal('..'))
    assert.isNull(encodedProposal('.'))
    assert.isNull(encodedProposal(''))
    assert.equal(encodedProposal("MX-1!'()*"), 'MX-1%21%27%28%29%2A')
    assert.throws(() => expandLinkTemplate('https://e.org/{proposal}', '..'))
  })

  test('an internationalised host is written in ASCII (punycode); nothing else changes', ({
    assert,
  }) => {
    for (const [written, ascii] of [
      ['https://Bücher.example/p/{proposal}', 'https://xn--bcher-kva.example/p/{proposal}'],
      ['http://日本.example:8080/ü?q=é', 'http://xn--wgv71a.example:8080/ü?q=é'],
      ['https://ｌogbook。example.org/', 'https://logbook.example.org/'],
      ['https://logbook.example.org/ü', 'https://logbook.example.org/ü'],
      ['https://[::1]/', 'https://[::1]/'],
      ['ftp://bücher.example/', 'ftp://bücher.example/'],
    ]) {
      assert.equal(asciiLinkTemplate(written), ascii, written)
    }
    assert.isNull(linkTemplateProblem(asciiLinkTemplate('https://Bücher.example/{proposal}'), true))
    assert.equal(
      linkOrigin(asciiLinkTemplate('https://bücher.example/')),
      'https://xn--bcher-kva.example'
    )
  })

  test('IDNA never hides another host: what it cannot convert, or converts to something hostile, is refused', ({
    assert,
  }) => {
    for (const url of [
      'https://bücher.example＠evil.example.net/{proposal}',
      'https://bücher.example／evil.example.net/{proposal}',
      'https://bücher.example＼evil.example.net/{proposal}',
      'https://bücher.example\\evil.example.net/{proposal}',
      'https://bücher.example@evil.example.net/{proposal}',
      'https://bücher.example%2F.evil.example.net/{proposal}',
      'https://bücher.example：{proposal}/x',
      'https://bü{proposal}.example/x',
      'https://bü｛proposal｝.example/{proposal}',
      'https://\u00ad.example/{proposal}',
      'https://bü\u202echer.example/{proposal}',
      'https://bü..example/{proposal}',
    ]) {
      assert.isString(linkTemplateProblem(asciiLinkTemplate(url), true), url)
    }
  })
})
