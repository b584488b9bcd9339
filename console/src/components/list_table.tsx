import type { ComponentChildren } from 'preact'

/**
 * A list shown as a table: a caption for screen readers, one header row
 * (a column named '' is the actions column, named for screen readers
 * only), and the rows the page renders. `class` adds to "list".
 */
export function ListTable({
  caption,
  columns,
  class: extra,
  busy,
  children,
}: {
  caption: ComponentChildren
  columns: ComponentChildren[]
  class?: string
  busy?: boolean
  children: ComponentChildren
}) {
  return (
    <table class={extra ? `list ${extra}` : 'list'} aria-busy={busy}>
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {columns.map((column, index) => (
            <th key={index} scope="col">
              {column === '' ? <span class="visually-hidden">Actions</span> : column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  )
}
