import { readFileSync } from 'node:fs'

/**
 * Key or certificate material given as PEM text or as the path of a PEM
 * file. Files are read on use, so a rotated certificate needs no restart.
 */
export function readPem(value: string) {
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8')
}
