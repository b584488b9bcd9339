import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'

/**
 * A list's filter bar led by a search box: submitting hands the trimmed
 * text to `onSearch` (where the page goes back to its first page); the
 * other filters follow as children.
 */
export function SearchFilters({
  label,
  placeholder,
  name,
  onSearch,
  children,
}: {
  label: string
  placeholder: string
  name?: string
  onSearch: (text: string) => void
  children?: ComponentChildren
}) {
  const [text, setText] = useState('')
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(event) => {
        event.preventDefault()
        onSearch(text.trim())
      }}
    >
      <label>
        {label}
        <input
          type="search"
          name={name}
          value={text}
          placeholder={placeholder}
          onInput={(event) => setText(event.currentTarget.value)}
        />
      </label>
      <button type="submit">Search</button>
      {children}
    </form>
  )
}
