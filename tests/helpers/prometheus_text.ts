/** One sample of a Prometheus text exposition: `name{label="value",…} value`. */
export type Sample = { name: string; labels: Record<string, string>; value: number }

const SAMPLE_LINE = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g

/** Reads the samples of a scrape (comments and blank lines skipped). */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    const match = SAMPLE_LINE.exec(line)
    if (!match || line.startsWith('#')) {
      continue
    }
    const labels: Record<string, string> = {}
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[name] = value.replace(/\\(.)/g, (_escape, character) =>
        character === 'n' ? '\n' : character
      )
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) })
  }
  return samples
}

/**
 * The sum of the samples called `name` whose labels include `labels`
 * (0 when there is none): a counter's or histogram count's value for a
 * label subset.
 */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}) {
  return samples
    .filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
    )
    .reduce((total, sample) => total + sample.value, 0)
}
