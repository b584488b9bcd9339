/** A Kubernetes label selector (the shape of the API's LabelSelector). */
export type LabelSelector = {
  matchLabels?: Record<string, string>
  matchExpressions?: { key: string; operator: string; values?: string[] }[]
}

/**
 * A label selector in kubectl's syntax: `key=value`, `key!=value`,
 * `key in (a,b)`, `key notin (a,b)`, `key` and `!key`, joined by commas.
 * Throws a TypeError naming the term it cannot read.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const terms: string[] = []
  let depth = 0
  let current = ''
  for (const char of text) {
    if (char === '(') depth++
    if (char === ')') depth--
    if (char === ',' && depth === 0) {
      terms.push(current)
      current = ''
    } else {
      current += char
    }
  }
  terms.push(current)
  const key = '[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?'
  const value = '([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?'
  const matchLabels: Record<string, string> = {}
  const matchExpressions: NonNullable<LabelSelector['matchExpressions']> = []
  for (const raw of terms.map((term) => term.trim())) {
    let match: RegExpExecArray | null
    if ((match = new RegExp(`^(${key})\\s*(==?|!=)\\s*(${value})$`).exec(raw))) {
      const [, name, , operator, wanted] = match
      if (operator === '!=') {
        matchExpressions.push({ key: name, operator: 'NotIn', values: [wanted] })
      } else {
        matchLabels[name] = wanted
      }
    } else if ((match = new RegExp(`^(${key})\\s+(in|notin)\\s*\\(([^()]*)\\)$`).exec(raw))) {
      const [, name, , operator, list] = match
      const values = list.split(',').map((item) => item.trim())
      if (!values.every((item) => new RegExp(`^${value}$`).test(item))) {
        throw new TypeError(`"${raw}" has a value that is not a label value`)
      }
      matchExpressions.push({ key: name, operator: operator === 'in' ? 'In' : 'NotIn', values })
    } else if ((match = new RegExp(`^(!?)\\s*(${key})$`).exec(raw))) {
      const [, not, name] = match
      matchExpressions.push({ key: name, operator: not ? 'DoesNotExist' : 'Exists' })
    } else {
      throw new TypeError(`"${raw}" is not a label selector term`)
    }
  }
  return {
    ...(Object.keys(matchLabels).length ? { matchLabels } : {}),
    ...(matchExpressions.length ? { matchExpressions } : {}),
  }
}
