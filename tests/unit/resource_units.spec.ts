import { test } from '@japa/runner'
import {
  MAX_MILLICORES,
  parseBytes,
  parseGpus,
  parseMillicores,
  ResourceUnitError,
} from '#domain/resource_units'

const GI = 1024 ** 3

/** The error a parser throws for `input`, or fails when it accepts it. */
function refusal(parse: (input: unknown) => number, input: unknown): ResourceUnitError {
  try {
    const value = parse(input)
    throw new Error(`accepted ${String(input)} as ${value}`)
  } catch (error) {
    if (!(error instanceof ResourceUnitError)) {
      throw error
    }
    return error
  }
}

test.group('Resource units | bytes', () => {
  test('reads {input} as {bytes} bytes')
    .with([
      { input: 1073741824, bytes: GI },
      { input: 0, bytes: 0 },
      { input: '123', bytes: 123 },
      { input: '40', bytes: 40 },
      { input: '0', bytes: 0 },
      { input: '512Mi', bytes: 512 * 1024 ** 2 },
      { input: '4Gi', bytes: 4 * GI },
      { input: '1.5Gi', bytes: 1610612736 },
      { input: '0.5Ki', bytes: 512 },
      { input: '2G', bytes: 2_000_000_000 },
      { input: '100M', bytes: 100_000_000 },
      { input: '1.5k', bytes: 1500 },
      { input: '1Ti', bytes: 1024 ** 4 },
      { input: '1024Ki', bytes: 1024 * 1024 },
      { input: '2Pi', bytes: 2 * 1024 ** 5 },
      { input: '007Mi', bytes: 7 * 1024 ** 2 },
      { input: '1.50000Gi', bytes: 1610612736 },
      { input: Number.MAX_SAFE_INTEGER, bytes: Number.MAX_SAFE_INTEGER },
      { input: String(Number.MAX_SAFE_INTEGER), bytes: Number.MAX_SAFE_INTEGER },
    ])
    .run(({ assert }, { input, bytes }) => {
      const parsed = parseBytes(input)
      assert.strictEqual(parsed, bytes)
      assert.isTrue(Number.isSafeInteger(parsed))
    })

  test('refuses {label}')
    .with([
      { label: 'a negative number', input: -1, message: 'negative' },
      { label: 'a negative string', input: '-1Gi', message: 'negative' },
      { label: 'a fraction of a byte (number)', input: 1.5, message: 'whole number' },
      { label: 'a fraction of a byte (string)', input: '1.5', message: 'whole number' },
      { label: 'a fraction of a byte (suffix)', input: '1.0001Ki', message: 'whole number' },
      { label: '"4GB"', input: '4GB', message: 'unknown unit "GB"' },
      { label: '"4 gib"', input: '4 gib', message: 'must be' },
      { label: 'a lowercase binary unit', input: '4gi', message: 'unknown unit' },
      { label: 'an uppercase K', input: '4K', message: 'unknown unit' },
      { label: 'bits', input: '4Gb', message: 'unknown unit' },
      { label: 'an exponent', input: '1e9', message: 'must be' },
      { label: 'an exponent without digits after it', input: '1e', message: 'unknown unit "e"' },
      { label: 'an exponent with a sign', input: '1e+9', message: 'must be' },
      { label: 'NaN', input: Number.NaN, message: 'finite' },
      { label: 'the string NaN', input: 'NaN', message: 'must be' },
      { label: 'Infinity', input: Number.POSITIVE_INFINITY, message: 'finite' },
      { label: 'the string Infinity', input: 'Infinity', message: 'must be' },
      { label: 'more than MAX_SAFE_INTEGER', input: Number.MAX_SAFE_INTEGER + 1, message: 'large' },
      { label: 'a huge string', input: '9007199254740992', message: 'large' },
      { label: '8Pi (2^53)', input: '8Pi', message: 'large' },
      { label: 'the exabyte', input: '1E', message: 'unknown unit' },
      { label: 'an empty string', input: '', message: 'must be' },
      { label: 'a unit alone', input: 'Gi', message: 'must be' },
      { label: 'a leading dot', input: '.5Gi', message: 'must be' },
      { label: 'a trailing dot', input: '1.Gi', message: 'must be' },
      { label: 'two dots', input: '1.2.3Gi', message: 'must be' },
      { label: 'a comma', input: '1,5Gi', message: 'must be' },
      { label: 'a plus sign', input: '+4Gi', message: 'must be' },
      { label: 'hexadecimal', input: '0x10', message: 'must be' },
      { label: 'surrounding spaces', input: ' 4Gi ', message: 'must be' },
      { label: 'a newline', input: '4Gi\n', message: 'must be' },
      { label: 'non-ASCII digits', input: '\u0664Gi', message: 'must be' },
      { label: 'full-width digits', input: '\uff14Gi', message: 'must be' },
      { label: 'a suffix after the unit', input: '4Gi;rm', message: 'must be' },
      { label: 'a prototype key as unit', input: '4constructor', message: 'unknown unit' },
      { label: 'a very long string', input: '1'.repeat(100_000), message: 'must be' },
      { label: 'null', input: null, message: 'must be' },
      { label: 'a boolean', input: true, message: 'must be' },
      { label: 'an array', input: [4], message: 'must be' },
      { label: 'an object', input: { value: 4, unit: 'Gi' }, message: 'must be' },
      { label: 'a bigint', input: 4n, message: 'must be' },
    ])
    .run(({ assert }, { input, message }) => {
      assert.include(refusal(parseBytes, input).message, message)
    })

  test('refuses zero where more than zero is required', ({ assert }) => {
    const positive = (input: unknown) => parseBytes(input, { positive: true })
    for (const input of [0, '0', '0Gi', '0.0Mi', -0]) {
      assert.include(refusal(positive, input).message, 'greater than zero')
    }
    assert.equal(positive('1'), 1)
  })

  test('never drops a character to find a unit (the CalipsoPlus bug)', ({ assert }) => {
    // A parser that strips the last character reads "40" as 4 and "4GB" as 4G.
    assert.equal(parseBytes('40'), 40)
    assert.equal(parseBytes('4G'), 4_000_000_000)
    assert.equal(parseBytes('4Gi'), 4 * GI)
    refusal(parseBytes, '4GB')
    refusal(parseBytes, '4Gii')
  })
})

test.group('Resource units | millicores', () => {
  test('reads {input} as {millicores} millicores')
    .with([
      { input: 1.5, millicores: 1500 },
      { input: '1.5', millicores: 1500 },
      { input: '500m', millicores: 500 },
      { input: '2', millicores: 2000 },
      { input: 2, millicores: 2000 },
      { input: 0.5, millicores: 500 },
      { input: 0.001, millicores: 1 },
      { input: '0.001', millicores: 1 },
      { input: '1m', millicores: 1 },
      { input: 1.001, millicores: 1001 },
      { input: 0.1 + 0.2, millicores: null },
      { input: '1.0', millicores: 1000 },
      { input: '1024', millicores: MAX_MILLICORES },
      { input: 1024, millicores: MAX_MILLICORES },
      { input: `${MAX_MILLICORES}m`, millicores: MAX_MILLICORES },
    ])
    .run(({ assert }, { input, millicores }) => {
      if (millicores === null) {
        // 0.30000000000000004 cores is not whole millicores: refused, not rounded.
        refusal(parseMillicores, input)
        return
      }
      assert.strictEqual(parseMillicores(input), millicores)
    })

  test('refuses {label}')
    .with([
      { label: '"0"', input: '0', message: 'greater than zero' },
      { label: '0', input: 0, message: 'greater than zero' },
      { label: '"0m"', input: '0m', message: 'greater than zero' },
      { label: 'a negative number', input: -1, message: 'negative' },
      { label: 'a negative string', input: '-500m', message: 'negative' },
      { label: '"1.0005"', input: '1.0005', message: 'whole millicores' },
      { label: '1.0005', input: 1.0005, message: 'whole millicores' },
      { label: 'a fraction of a millicore', input: '1.5m', message: 'whole millicores' },
      { label: 'a tiny number', input: 1e-7, message: 'whole millicores' },
      { label: '"500mi"', input: '500mi', message: 'unknown unit "mi"' },
      { label: '"500M"', input: '500M', message: 'unknown unit' },
      { label: '"2cores"', input: '2cores', message: 'unknown unit' },
      { label: 'more than 1024 cores', input: 1025, message: 'at most 1024' },
      { label: 'more than 1024 cores (string)', input: '1024.001', message: 'at most 1024' },
      { label: 'more than 1024 cores (millicores)', input: '1024001m', message: 'at most 1024' },
      { label: 'an astronomic number', input: 1e300, message: 'large' },
      { label: 'an exponent', input: '1e3', message: 'must be' },
      { label: 'NaN', input: Number.NaN, message: 'finite' },
      { label: 'Infinity', input: Number.POSITIVE_INFINITY, message: 'finite' },
      { label: 'an empty string', input: '', message: 'must be' },
      { label: 'spaces', input: '1 m', message: 'must be' },
      { label: 'null', input: null, message: 'must be' },
      { label: 'an object', input: { cores: 2 }, message: 'must be' },
    ])
    .run(({ assert }, { input, message }) => {
      assert.include(refusal(parseMillicores, input).message, message)
    })
})

test.group('Resource units | GPUs', () => {
  test('reads {input} as {gpus}')
    .with([
      { input: 0, gpus: 0 },
      { input: 1, gpus: 1 },
      { input: 64, gpus: 64 },
      { input: '2', gpus: 2 },
      { input: -0, gpus: 0 },
    ])
    .run(({ assert }, { input, gpus }) => {
      assert.strictEqual(parseGpus(input), gpus)
      assert.isFalse(Object.is(parseGpus(input), -0))
    })

  test('refuses {label}')
    .with([
      { label: 'a negative number', input: -1, message: 'negative' },
      { label: 'a negative string', input: '-1', message: 'negative' },
      { label: 'more than 64', input: 65, message: 'at most 64' },
      { label: 'a huge string', input: '1'.repeat(30), message: 'at most 64' },
      { label: 'a fraction', input: 1.5, message: 'whole number' },
      { label: 'a unit', input: '2m', message: 'whole number' },
      { label: 'NaN', input: Number.NaN, message: 'whole number' },
      { label: 'Infinity', input: Number.POSITIVE_INFINITY, message: 'whole number' },
      { label: 'null', input: null, message: 'whole number' },
      { label: 'a boolean', input: true, message: 'whole number' },
    ])
    .run(({ assert }, { input, message }) => {
      assert.include(refusal(parseGpus, input).message, message)
    })
})
