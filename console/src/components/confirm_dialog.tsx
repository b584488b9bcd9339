import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { Dialog } from './dialog'
import { ErrorMessage } from './error_message'

/**
 * Asks before something that cannot be undone. With `typeToConfirm`, the
 * button only works once that text has been typed (e.g. a username).
 */
export function ConfirmDialog(props: {
  title: string
  confirmLabel: string
  onConfirm: () => Promise<unknown>
  onClose: () => void
  typeToConfirm?: string
  children: ComponentChildren
}) {
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const ready = props.typeToConfirm === undefined || typed === props.typeToConfirm

  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await props.onConfirm()
      props.onClose()
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <form onSubmit={submit}>
        {props.children}
        {props.typeToConfirm !== undefined ? (
          <label>
            Type <strong>{props.typeToConfirm}</strong> to confirm
            <input
              value={typed}
              onInput={(event) => setTyped(event.currentTarget.value)}
              autocomplete="off"
            />
          </label>
        ) : null}
        <ErrorMessage error={error} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={!ready || busy}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
