import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { ApiError } from '../api/client'
import { Dialog } from './dialog'
import { ErrorMessage } from './error_message'

/** The names of a form's yes/no fields. */
type FlagOf<Form> = { [Key in keyof Form]: Form[Key] extends boolean ? Key : never }[keyof Form] &
  string

/**
 * The state of a form that adds or edits one entry: its fields, what went
 * wrong (the API's refusal, field by field), and saving it. `save` may
 * throw before it asks the API, e.g. for a field it cannot read.
 */
export function useEntryForm<Form extends object>(
  initial: Form,
  save: (form: Form) => Promise<unknown>,
  onSaved: () => void
) {
  const [form, setForm] = useState<Form>(initial)
  const [error, setError] = useState<unknown>(null)
  const set = (patch: Partial<Form>) => setForm({ ...form, ...patch })
  const fieldError = (name: string) =>
    error instanceof ApiError ? error.forField(name) : undefined

  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    try {
      await save(form)
      onSaved()
    } catch (caught) {
      setError(caught)
    }
  }

  /** A labelled text input for a string field, with its error; `span` fills the row. */
  const text = (
    name: keyof Form & string,
    label: string,
    { span, ...extra }: { span?: boolean } & Record<string, unknown> = {}
  ) => (
    <label class={span ? 'span' : undefined}>
      {label}
      <input
        name={name}
        value={form[name] as string}
        aria-invalid={fieldError(name) ? true : undefined}
        onInput={(event) => set({ [name]: event.currentTarget.value } as Partial<Form>)}
        {...extra}
      />
      {fieldError(name) ? <span class="field-error">{fieldError(name)}</span> : null}
    </label>
  )

  /** A labelled checkbox for a yes/no field; `forced` shows it ticked and unchangeable. */
  const check = (name: FlagOf<Form>, label: string, { forced = false } = {}) => (
    <label class="inline">
      <input
        type="checkbox"
        name={name}
        checked={(form[name] as boolean) || forced}
        disabled={forced}
        onChange={(event) => set({ [name]: event.currentTarget.checked } as Partial<Form>)}
      />
      {label}
    </label>
  )

  return { form, set, error, submit, text, check }
}

/** The dialog around an entry's form: its fields, the error, Cancel and the submit button. */
export function EntryDialog(props: {
  title: string
  submitLabel: string
  error: unknown
  onSubmit: (event: Event) => void
  onClose: () => void
  children: ComponentChildren
}) {
  return (
    <Dialog title={props.title} onClose={props.onClose} wide>
      <form class="grid-form" onSubmit={props.onSubmit}>
        {props.children}
        <div class="span">
          <ErrorMessage error={props.error} />
        </div>
        <div class="buttons span">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary">
            {props.submitLabel}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
