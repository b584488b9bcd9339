import { readFile } from 'node:fs/promises'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { parse } from 'yaml'
import { metricsRegistry } from '#services/metrics/portal_metrics'

/** Series Prometheus adds by itself to every scrape job. */
const SCRAPE_SERIES = new Set(['up'])

/** The suffixes a histogram's (or summary's) samples add to its name. */
const SAMPLE_SUFFIX = /_(bucket|count|sum)$/

/** Metric names an expression uses: words followed by a selector, a range or a closing parenthesis. */
function metricNames(expression: string) {
  const names = new Set<string>()
  const withoutStrings = expression.replace(/"(?:[^"\\]|\\.)*"/g, '""')
  for (const [, name] of withoutStrings.matchAll(/\b([a-z_][a-z0-9_]*)\s*(?=\{|\[|\)|$)/g)) {
    if (/^(portal|process|nodejs)_/.test(name) || SCRAPE_SERIES.has(name)) {
      names.add(name)
    }
  }
  return names
}

function registered() {
  return new Set(metricsRegistry.getMetricsAsArray().map((metric) => metric.name))
}

/** Whether `name` is a registered metric or one of its histogram samples. */
function isKnown(name: string, known: Set<string>) {
  return SCRAPE_SERIES.has(name) || known.has(name) || known.has(name.replace(SAMPLE_SUFFIX, ''))
}

async function dashboard() {
  return JSON.parse(await readFile(app.makePath('deploy/grafana/facility-portal.json'), 'utf8'))
}

async function alertRules() {
  const document = parse(await readFile(app.makePath('deploy/prometheus/alerts.yml'), 'utf8'))
  return (document.groups as { rules: Record<string, any>[] }[]).flatMap((group) => group.rules)
}

test.group('Monitoring definitions match the code', () => {
  test('every metric the Grafana dashboard queries is registered', async ({ assert }) => {
    const board = await dashboard()
    const known = registered()
    const expressions = board.panels.flatMap((panel: any) =>
      (panel.targets ?? []).map((target: any) => target.expr as string)
    )
    assert.isAbove(expressions.length, 20)
    for (const expression of expressions) {
      const names = metricNames(expression)
      assert.isAbove(names.size, 0, `no metric found in ${expression}`)
      for (const name of names) {
        assert.isTrue(isKnown(name, known), `${name} (dashboard) is not registered`)
      }
    }
  })

  test('the dashboard charts every portal metric, through a Prometheus data source variable', async ({
    assert,
  }) => {
    const board = await dashboard()
    const used = new Set(
      board.panels
        .flatMap((panel: any) => (panel.targets ?? []).map((target: any) => target.expr))
        .flatMap((expression: string) => [...metricNames(expression)])
        .map((name: string) => name.replace(SAMPLE_SUFFIX, ''))
    )
    for (const name of registered()) {
      if (name.startsWith('portal_')) {
        assert.isTrue(used.has(name), `${name} has no panel`)
      }
    }

    const variable = board.templating.list.find((entry: any) => entry.type === 'datasource')
    assert.equal(variable.query, 'prometheus')
    for (const panel of board.panels.filter((entry: any) => entry.type !== 'row')) {
      assert.equal(panel.datasource.uid, `\${${variable.name}}`, panel.title)
    }
    const ids = board.panels.map((panel: any) => panel.id)
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique')
  })

  test('every alert rule is complete and queries registered metrics', async ({ assert }) => {
    const rules = await alertRules()
    const known = registered()
    assert.isAbove(rules.length, 10)
    for (const rule of rules) {
      assert.isString(rule.alert)
      assert.isString(rule.expr, rule.alert)
      assert.match(rule.for, /^\d+[smh]$/, rule.alert)
      assert.oneOf(rule.labels?.severity, ['critical', 'warning'], rule.alert)
      assert.isString(rule.annotations?.summary, rule.alert)
      assert.isString(rule.annotations?.description, rule.alert)
      const names = metricNames(rule.expr)
      assert.isAbove(names.size, 0, rule.alert)
      for (const name of names) {
        assert.isTrue(isKnown(name, known), `${name} (${rule.alert}) is not registered`)
      }
    }
    assert.equal(new Set(rules.map((rule) => rule.alert)).size, rules.length, 'alert names unique')
  })

  test('docs/metrics.md describes every portal metric and every alert', async ({ assert }) => {
    const text = await readFile(app.makePath('docs/metrics.md'), 'utf8')
    for (const name of registered()) {
      if (name.startsWith('portal_')) {
        assert.include(text, `\`${name}\``)
      }
    }
    for (const rule of await alertRules()) {
      assert.include(text, `### ${rule.alert}\n`)
      assert.equal(rule.annotations.runbook, `docs/metrics.md#${rule.alert.toLowerCase()}`)
    }
  })
})
