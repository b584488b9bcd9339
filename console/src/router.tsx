import type { AnchorHTMLAttributes, ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'

/*
 * A small History API router: the portal answers every console path with
 * the same page, and this picks the view. Links are real <a href>s, so
 * opening in a new tab and keyboard use work as on any site.
 */

const listeners = new Set<() => void>()

function notify() {
  listeners.forEach((listener) => listener())
}

window.addEventListener('popstate', notify)

/** Goes to a console path (pushes a history entry unless `replace`). */
export function navigate(to: string, options: { replace?: boolean } = {}) {
  if (options.replace) {
    window.history.replaceState(null, '', to)
  } else {
    window.history.pushState(null, '', to)
  }
  notify()
}

/** The current path (without the query), re-rendering on navigation. */
export function usePath() {
  const [path, setPath] = useState(window.location.pathname)
  useEffect(() => {
    const listener = () => setPath(window.location.pathname)
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
    }
  }, [])
  return path
}

/** The parameters of `pattern` ("/experiments/:id") in `path`, or null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean)
  const have = path.split('/').filter(Boolean)
  if (want.length !== have.length) {
    return null
  }
  const params: Record<string, string> = {}
  for (const [index, segment] of want.entries()) {
    if (segment.startsWith(':')) {
      params[segment.slice(1)] = decodeURIComponent(have[index])
    } else if (segment !== have[index]) {
      return null
    }
  }
  return params
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & {
  href: string
  children: ComponentChildren
}

/** An <a> that navigates inside the console on a plain click. */
export function Link({ href, children, ...rest }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return
    }
    event.preventDefault()
    navigate(href)
  }
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  )
}
