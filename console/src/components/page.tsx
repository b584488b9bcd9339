import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'

/**
 * A view's heading and title. The heading takes the focus when the view
 * opens, so screen readers announce the new page after a navigation.
 */
export function Page(props: {
  title: string
  actions?: ComponentChildren
  children: ComponentChildren
}) {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    document.title = `${props.title} · Facility Portal`
    heading.current?.focus()
  }, [props.title])
  return (
    <section aria-labelledby="page-title">
      <div class="page-head">
        <h1 id="page-title" tabIndex={-1} ref={heading}>
          {props.title}
        </h1>
        {props.actions ? <div class="page-actions">{props.actions}</div> : null}
      </div>
      {props.children}
    </section>
  )
}
