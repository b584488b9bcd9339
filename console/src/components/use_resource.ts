import { useCallback, useEffect, useRef, useState } from 'preact/hooks'

export type Resource<T> = {
  data: T | undefined
  error: unknown
  loading: boolean
  reload: () => Promise<void>
}

/**
 * Loads something from the API when `deps` change; keeps the last data while
 * reloading, and drops answers that arrive after a newer request.
 */
export function useResource<T>(load: () => Promise<T>, deps: unknown[]): Resource<T> {
  const [data, setData] = useState<T>()
  const [error, setError] = useState<unknown>(null)
  const [loading, setLoading] = useState(true)
  const generation = useRef(0)

  const run = useCallback(load, deps)

  const reload = useCallback(async () => {
    const mine = ++generation.current
    setLoading(true)
    try {
      const value = await run()
      if (mine === generation.current) {
        setData(value)
        setError(null)
      }
    } catch (caught) {
      if (mine === generation.current) {
        setError(caught)
      }
    } finally {
      if (mine === generation.current) {
        setLoading(false)
      }
    }
  }, [run])

  useEffect(() => {
    void reload()
  }, [reload])

  return { data, error, loading, reload }
}
