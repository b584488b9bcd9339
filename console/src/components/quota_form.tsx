import { useState } from 'preact/hooks'
import { ApiError } from '../api/client'
import type { QuotaLimits } from '../api/types'
import { ErrorMessage } from './error_message'

export type QuotaInput = {
  environments: number
  cpu: string
  memory: string
  storage: string
  gpus: number
}

/** Bytes in the API's units ("16Gi") when they divide evenly, else plain bytes. */
function sizeText(bytes: number) {
  for (const [unit, size] of [
    ['Ti', 1024 ** 4],
    ['Gi', 1024 ** 3],
    ['Mi', 1024 ** 2],
  ] as const) {
    if (bytes > 0 && bytes % size === 0) {
      return `${bytes / size}${unit}`
    }
  }
  return String(bytes)
}

const FIELDS = [
  { name: 'environments', label: 'Environments', hint: 'how many at once' },
  { name: 'cpu', label: 'CPU (cores)', hint: 'e.g. 4, 1.5 or 500m' },
  { name: 'memory', label: 'Memory', hint: 'e.g. 16Gi or 512Mi' },
  { name: 'storage', label: 'Storage', hint: 'e.g. 100Gi' },
  { name: 'gpus', label: 'GPUs', hint: '' },
] as const

/**
 * The five limits of a quota, in the units the API takes; its validation
 * messages appear next to the field they are about.
 */
export function QuotaForm(props: {
  limits: QuotaLimits
  submitLabel: string
  onSubmit: (input: QuotaInput) => Promise<unknown>
}) {
  const [values, setValues] = useState<Record<string, string>>({
    environments: String(props.limits.environments),
    cpu: String(props.limits.cpuMillicores / 1000),
    memory: sizeText(props.limits.memoryBytes),
    storage: sizeText(props.limits.storageBytes),
    gpus: String(props.limits.gpus),
  })
  const [error, setError] = useState<unknown>(null)
  const [saved, setSaved] = useState(false)

  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    setSaved(false)
    try {
      await props.onSubmit({
        environments: Number(values.environments),
        cpu: values.cpu.trim(),
        memory: values.memory.trim(),
        storage: values.storage.trim(),
        gpus: Number(values.gpus),
      })
      setSaved(true)
    } catch (caught) {
      setError(caught)
    }
  }

  return (
    <form class="quota-form" onSubmit={submit}>
      {FIELDS.map((field) => {
        const message = error instanceof ApiError ? error.forField(field.name) : undefined
        const id = `quota-${field.name}`
        return (
          <div key={field.name} class="field">
            <label for={id}>{field.label}</label>
            <input
              id={id}
              name={field.name}
              required
              inputMode={
                field.name === 'environments' || field.name === 'gpus' ? 'numeric' : 'decimal'
              }
              value={values[field.name]}
              aria-invalid={message ? true : undefined}
              aria-describedby={`${id}-hint`}
              onInput={(event) => setValues({ ...values, [field.name]: event.currentTarget.value })}
            />
            <span class="hint" id={`${id}-hint`}>
              {message ?? field.hint}
            </span>
          </div>
        )
      })}
      <ErrorMessage error={error} />
      {saved ? (
        <p role="status" class="success">
          Saved.
        </p>
      ) : null}
      <div class="buttons">
        <button type="submit" class="primary">
          {props.submitLabel}
        </button>
      </div>
    </form>
  )
}
