/** A link that downloads what a report shows as CSV, with the same query. */
export function CsvDownload({
  path,
  query,
  file,
}: {
  path: string
  query: Record<string, string>
  file: string
}) {
  return (
    <a class="button" href={`${path}?${new URLSearchParams(query).toString()}`} download={file}>
      Download CSV
    </a>
  )
}
