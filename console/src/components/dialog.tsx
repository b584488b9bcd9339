import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'

let dialogCount = 0

/**
 * A modal dialog on the native <dialog> element: the page behind is inert,
 * Tab stays inside, Escape closes, and the focus goes back to whatever
 * opened it.
 */
export function Dialog(props: {
  title: string
  onClose: () => void
  children: ComponentChildren
  wide?: boolean
}) {
  const element = useRef<HTMLDialogElement>(null)
  const titleId = useRef(`dialog-title-${++dialogCount}`)
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null
    element.current?.showModal()
    return () => opener?.focus()
  }, [])
  return (
    <dialog
      ref={element}
      class={props.wide ? 'wide' : undefined}
      aria-labelledby={titleId.current}
      onCancel={(event) => {
        event.preventDefault()
        props.onClose()
      }}
    >
      <div class="dialog-head">
        <h2 id={titleId.current}>{props.title}</h2>
        <button type="button" class="icon" aria-label="Close dialog" onClick={props.onClose}>
          ×
        </button>
      </div>
      {props.children}
    </dialog>
  )
}
